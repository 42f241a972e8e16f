//go:build linux

package multiplex

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// A Terminal is where a person stepping through the server types: usually
// /dev/tty, so that the trace itself can go to a pipe or a file. It reads
// with plain system calls (os.Open would put the terminal under Go's epoll
// poller), and while it waits for a line the whole server waits, since the
// loop's one goroutine is the one reading.
//
// A Terminal is not traced: its reads and selects belong to the person at
// the keyboard, not to the server's work.
type Terminal struct {
	fd   int
	pipe selfPipe // which Interrupt writes to
	name string
}

// ErrInterrupted is what a Terminal's Read returns after Interrupt: a
// signal came while the server was waiting for a command.
var ErrInterrupted = errors.New("interrupted while waiting for a command")

// OpenTerminal opens name (normally /dev/tty) for reading commands and
// writing prompts.
func OpenTerminal(name string) (*Terminal, error) {
	fd, err := unix.Open(name, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	t := &Terminal{fd: fd, name: name}
	if err := t.pipe.open(sys{}, fd); err != nil { // sys{}: not traced
		unix.Close(fd)
		return nil, err
	}
	return t, nil
}

// Interrupt makes a waiting Read return ErrInterrupted. Any goroutine may
// call it: the one that receives signals does, so that Ctrl-C works while
// the server waits at the prompt.
func (t *Terminal) Interrupt() {
	t.pipe.wake(1)
}

// Read reads what was typed: in the terminal's usual line mode, one line.
func (t *Terminal) Read(p []byte) (int, error) {
	if ok, err := t.wait(nil); err != nil || !ok {
		return 0, err
	}
	for {
		n, err := unix.Read(t.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: t.name, Err: err}
		case n == 0:
			return 0, io.EOF // Ctrl-D at the start of a line
		}
		return n, nil
	}
}

// Discard throws away what was typed and not yet read, as tcflush(fd,
// TCIFLUSH) does: keys pressed while the server ran.
func (t *Terminal) Discard() error {
	if err := unix.IoctlSetInt(t.fd, unix.TCFLSH, unix.TCIFLUSH); err != nil {
		return &os.PathError{Op: "tcflush", Path: t.name, Err: err}
	}
	return nil
}

// Write writes prompts and answers to the terminal.
func (t *Terminal) Write(b []byte) (int, error) { return writeAll(t.fd, t.name, b) }

// Wait waits up to d for a key, and reports whether one was pressed.
func (t *Terminal) Wait(d time.Duration) (bool, error) {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return t.wait(&tv)
}

// wait is select on the terminal and the interrupt pipe: true when the
// terminal has input, false after the timeout, ErrInterrupted after
// Interrupt.
func (t *Terminal) wait(timeout *unix.Timeval) (bool, error) {
	for {
		var r unix.FdSet
		r.Set(t.fd)
		r.Set(t.pipe.r)
		n, err := unix.Select(max(t.fd, t.pipe.r)+1, &r, nil, nil, timeout)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return false, os.NewSyscallError("pselect6", err)
		case n == 0:
			return false, nil
		case r.IsSet(t.pipe.r):
			var b [16]byte
			unix.Read(t.pipe.r, b[:])
			return false, ErrInterrupted
		}
		return true, nil
	}
}

// Close closes the terminal and its pipe.
func (t *Terminal) Close() error {
	t.pipe.close(sys{})
	return unix.Close(t.fd)
}
