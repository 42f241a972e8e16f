//go:build linux

package multiplex

import (
	"os"

	"golang.org/x/sys/unix"
)

// An Output is a file the trace or a log is written to, with plain
// write(2) calls. os.Create would do, but it registers every file with the
// Go runtime's epoll poller, and a select server should show no epoll.
// Its writes are not in the trace: they are the trace.
type Output struct {
	fd   int
	name string
}

// Create creates (or truncates) the file name for writing. Every write
// goes at the end of the file (O_APPEND), even if another process, a fork
// model's child handed the file (ChildText), has written there too.
//
// /dev/stdout and /dev/stderr are not opened again: that would make a
// new open file with an offset of its own, and with stdout redirected to
// a file (-o /dev/stdout > f), the server's own lines on fd 1 would
// overwrite the trace from the start. A copy of the fd (dup) shares the
// one offset, as a shell's 2>&1 does.
func Create(name string) (*Output, error) {
	if std, ok := map[string]int{"/dev/stdout": 1, "/dev/stderr": 2}[name]; ok {
		fd, err := unix.FcntlInt(uintptr(std), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, &os.PathError{Op: "dup", Path: name, Err: err}
		}
		return &Output{fd: fd, name: name}, nil
	}
	for {
		fd, err := unix.Open(name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_APPEND|unix.O_CLOEXEC, 0o644)
		switch err {
		case unix.EINTR:
			continue
		case nil:
			return &Output{fd: fd, name: name}, nil
		}
		return nil, &os.PathError{Op: "create", Path: name, Err: err}
	}
}

// Write writes all of b.
func (o *Output) Write(b []byte) (int, error) { return writeAll(o.fd, o.name, b) }

// writeAll writes all of b to fd, retrying after EINTR and short writes.
func writeAll(fd int, name string, b []byte) (int, error) {
	done := 0
	for done < len(b) {
		n, err := unix.Write(fd, b[done:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return done, &os.PathError{Op: "write", Path: name, Err: err}
		}
		done += n
	}
	return done, nil
}

// Close closes the file.
func (o *Output) Close() error { return unix.Close(o.fd) }
