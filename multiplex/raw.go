package multiplex

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The select loop's calls that never wait.
//
// unix.Read, unix.Write and the others tell the Go runtime that the thread
// is entering a system call that may block: the runtime marks the thread's
// processor (its P) as free to take, and its monitor thread (sysmon) hands
// the P to another thread if the call lasts more than about 20 µs. For a
// call that really waits, such as select, that is what keeps the rest of
// the program running. For a call on a non-blocking socket it is pure
// cost: bookkeeping on the way in and out, and, when the call is slow
// (under strace, every call is), a hand-off that wakes other threads with
// futex and keeps sysmon polling with nanosleep. strace -c counted three
// such runtime calls per request.
//
// So the select loop makes the calls that cannot wait for a client with
// unix.RawSyscall, which tells the runtime nothing: accept4 on its
// non-blocking listener, read, write and sendfile on non-blocking sockets,
// and close of a socket (no SO_LINGER: it never waits). A Root's
// newfstatat is raw too, except in the threads model (see OpenRoot).
// select itself goes the usual way. The blocking, threads and fork models
// wait inside read, write and accept, so their sys leaves nonblocking
// false and keeps the usual calls: a thread stuck in a raw call holds its
// P, and a garbage collection would wait for it. sendfile and newfstatat
// may still wait for the disk, briefly on a local one; the loop would
// wait for that with either kind of call.
//
// On linux/amd64 and arm64 these are the same system calls, with the same
// arguments, as the x/sys functions make; strace and the trace show the
// same lines.

// sysRead, sysWrite, sysSendfile and sysClose make their call raw if k's
// sockets never make it wait, and the usual way if they may.

func (k sys) sysRead(fd int, b []byte) (int, error) {
	if !k.nonblocking {
		return unix.Read(fd, b)
	}
	return rawRead(fd, b)
}

func (k sys) sysWrite(fd int, b []byte) (int, error) {
	if !k.nonblocking {
		return unix.Write(fd, b)
	}
	return rawWrite(fd, b)
}

func (k sys) sysSendfile(out, in, count int) (int, error) {
	if !k.nonblocking {
		return unix.Sendfile(out, in, nil, count)
	}
	return rawSendfile(out, in, count)
}

func (k sys) sysFstatat(dirfd int, name string, st *unix.Stat_t) error {
	if !k.nonblocking {
		return unix.Fstatat(dirfd, name, st, 0)
	}
	return rawFstatat(dirfd, name, st)
}

func (k sys) sysClose(fd int) error {
	if !k.nonblocking {
		return unix.Close(fd)
	}
	return rawClose(fd)
}

func rawRead(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(bufPtr(b)), uintptr(len(b)))
	return result(n, e)
}

func rawWrite(fd int, b []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(bufPtr(b)), uintptr(len(b)))
	return result(n, e)
}

func rawSendfile(out, in, count int) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, uintptr(out), uintptr(in), 0, uintptr(count), 0, 0)
	return result(n, e)
}

func rawClose(fd int) error {
	_, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	_, err := result(0, e)
	return err
}

func rawFstatat(dirfd int, name string, st *unix.Stat_t) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	_, _, e := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), 0, 0, 0)
	_, err = result(0, e)
	return err
}

// bufPtr is the address of b's first byte, or of a zero byte if b is empty,
// as x/sys passes it.
func bufPtr(b []byte) unsafe.Pointer {
	if len(b) > 0 {
		return unsafe.Pointer(&b[0])
	}
	return unsafe.Pointer(&zeroByte)
}

var zeroByte byte

// result turns a raw call's return into what the x/sys functions return:
// -1 and the errno, or the count and nil.
func result(n uintptr, e unix.Errno) (int, error) {
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
