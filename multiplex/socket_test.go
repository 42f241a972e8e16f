//go:build linux

package multiplex

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

// sigevent is struct sigevent from <signal.h> on Linux (64 bytes), with
// the fields a thread-directed timer needs.
type sigevent struct {
	value  uintptr
	signo  int32
	notify int32
	tid    int32
	_      [44]byte
}

const sigevThreadID = 4 // SIGEV_THREAD_ID: deliver to one thread

// interruptSoon arms a one-shot POSIX timer that sends SIGALRM to this very
// thread after d nanoseconds. A signal sent to the process could land on
// any of the Go runtime's threads and leave the blocked call alone. The Go
// runtime catches SIGALRM and does nothing with it (os/signal), and select
// is never restarted after a signal handler (signal(7)), so the call fails
// with EINTR.
func interruptSoon(t *testing.T, d int64) {
	t.Helper()
	sev := sigevent{signo: int32(unix.SIGALRM), notify: sigevThreadID, tid: int32(unix.Gettid())}
	var id int32
	if _, _, e := unix.Syscall(unix.SYS_TIMER_CREATE, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&sev)), uintptr(unsafe.Pointer(&id))); e != 0 {
		t.Fatalf("timer_create: %v", e)
	}
	t.Cleanup(func() { unix.Syscall(unix.SYS_TIMER_DELETE, uintptr(id), 0, 0) })
	spec := [2]unix.Timespec{{}, unix.NsecToTimespec(d)} // it_interval 0: once; it_value d
	if _, _, e := unix.Syscall6(unix.SYS_TIMER_SETTIME, uintptr(id), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); e != 0 {
		t.Fatalf("timer_settime: %v", e)
	}
}

// EINTR is shown in the trace, and select returns at once with no fd
// ready, not made again with the same timeout: the loop's next turn works
// out the time left anew.
func TestSelectInterrupted(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.Options{})
	k := sys{t: tr, who: func(int) string { return "?" }}
	// The timer fires 2ms in; select waits up to 200ms. If this thread was
	// held up for 2ms before select began, the signal came too early: try
	// again.
	for attempt := 0; attempt < 10 && !strings.Contains(buf.String(), "EINTR"); attempt++ {
		interruptSoon(t, 2e6)
		tv := unix.NsecToTimeval(200e6)
		var r, w unix.FdSet
		before := buf.Len()
		n, err := k.pselect(0, &r, &w, &tv)
		tr.Flush()
		if n != 0 || err != nil {
			t.Fatalf("pselect with no fds = %d, %v; want 0, nil", n, err)
		}
		if got := buf.String()[before:]; strings.Contains(got, "EINTR") && strings.Count(got, "pselect6(") != 1 {
			t.Errorf("after EINTR, select was made again:\n%s", got)
		}
	}
	want := "pselect6(0, [], [], NULL, {tv_sec=0, tv_nsec=200000000}, NULL) = -1 EINTR (Interrupted system call)\n"
	if got := buf.String(); !strings.Contains(got, want) {
		t.Errorf("trace of an interrupted select:\n%s\nwant it to contain:\n%s", got, want)
	}
}

// Every accept path pauses on the errors that mean "no fd to spare", as
// the wrappers return them: wrapped in an *os.SyscallError.
func TestOutOfFDs(t *testing.T) {
	for _, errno := range []unix.Errno{unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM} {
		if err := sysErr("accept4", errno); !outOfFDs(err) {
			t.Errorf("outOfFDs(%v) = false; want true", err)
		}
	}
	for _, err := range []error{nil, unix.EAGAIN, sysErr("accept4", unix.ECONNABORTED), sysErr("accept4", unix.EINVAL)} {
		if outOfFDs(err) {
			t.Errorf("outOfFDs(%v) = true; want false", err)
		}
	}
}

// A failed getsockname is shown as strace shows it: the address's
// address, and the size as it went in, since the kernel stored neither.
func TestGetsocknameFailed(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.Options{})
	if _, err := (sys{t: tr}).getsockname(p[0]); !errors.Is(err, unix.ENOTSOCK) {
		t.Fatalf("getsockname of a pipe: %v; want ENOTSOCK", err)
	}
	tr.Flush()
	if got, want := buf.String(), "getsockname("+strconv.Itoa(p[0])+", 0x..., [112]) = -1 ENOTSOCK (Socket operation on non-socket)\n"; got != want {
		t.Errorf("trace of a failed getsockname:\n%s\nwant, as strace -f shows it:\n%s", got, want)
	}
}

// A socket timeout is shown as strace shows it, the timeval's 16 bytes
// (strace 6.1, for the same struct from Python), and its comment says
// what the bytes are.
func TestTimeoutLine(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	var buf bytes.Buffer
	tr := trace.New(&buf, trace.Options{})
	if err := (sys{t: tr}).timeout(fd, 1, unix.SO_RCVTIMEO, 9990*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	tr.Flush()
	want := "setsockopt(" + strconv.Itoa(fd) + `, SOL_SOCKET, SO_RCVTIMEO_OLD, "\t\0\0\0\0\0\0\0000\33\17\0\0\0\0\0", 16) = 0 /* c1: {tv_sec=9, tv_usec=990000} */` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("trace of a 9.99 s SO_RCVTIMEO:\n%s\nwant:\n%s", got, want)
	}
}
