package client

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// Only a refused connection gets the hint that no server may be running:
// a client out of fds, say, is not helped by starting one.
func TestRefused(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{dial(syscall.ECONNREFUSED), true},
		{fmt.Errorf("c1: %w", dial(syscall.ECONNREFUSED)), true},
		{dial(syscall.ETIMEDOUT), false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}, false},
		{nil, false},
	} {
		if got := refused(tc.err); got != tc.want {
			t.Errorf("refused(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
}

// serve answers one connection on a loopback listener with size bytes,
// then closes it, and returns the listener's address.
func serve(t *testing.T, size int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(make([]byte, size))
	}()
	return l.Addr().String()
}

// A slow reader takes all of an answer bigger than maxGot, counting what
// it does not keep; Receive stops at maxGot and says so.
func TestReceiveSlowly(t *testing.T) {
	const size = maxGot + 1<<20
	slow := New("c1", time.Now())
	if err := slow.Dial(serve(t, size), time.Second); err != nil {
		t.Fatal(err)
	}
	slow.ReceiveSlowly(64<<10, time.Millisecond, 10*time.Second)
	if slow.Err != nil || slow.Received != size || len(slow.Got) != maxGot || slow.ClosedBy != "the server" || slow.Reads <= size/(64<<10) {
		t.Errorf("ReceiveSlowly: %v, %d bytes received in %d reads, %d kept, closed by %q; want no error, %d received in more than %d reads, %d kept, closed by the server",
			slow.Err, slow.Received, slow.Reads, len(slow.Got), slow.ClosedBy, size, size/(64<<10), maxGot)
	}
	// With no pause at all it is still a reader that takes everything.
	nodelay := New("c3", time.Now())
	if err := nodelay.Dial(serve(t, size), time.Second); err != nil {
		t.Fatal(err)
	}
	nodelay.ReceiveSlowly(64<<10, 0, 10*time.Second)
	if nodelay.Err != nil || nodelay.Received != size || len(nodelay.Got) != maxGot || nodelay.ClosedBy != "the server" {
		t.Errorf("ReceiveSlowly with no delay: %v, %d bytes received, %d kept, closed by %q; want no error, %d received, %d kept, closed by the server",
			nodelay.Err, nodelay.Received, len(nodelay.Got), nodelay.ClosedBy, size, maxGot)
	}
	fast := New("c2", time.Now())
	if err := fast.Dial(serve(t, size), time.Second); err != nil {
		t.Fatal(err)
	}
	fast.Receive(time.Now().Add(10*time.Second), false)
	if fast.Err == nil || fast.Received != maxGot || len(fast.Got) != maxGot {
		t.Errorf("Receive: %v, %d bytes received, %d kept; want an error after %d", fast.Err, fast.Received, len(fast.Got), maxGot)
	}
}
