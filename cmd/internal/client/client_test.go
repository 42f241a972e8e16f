package client

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
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
