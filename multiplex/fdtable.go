//go:build linux

package multiplex

import (
	"fmt"
	"strings"
	"time"

	"stepwise/trace"
)

// FDTable describes the fds the loop watches, for a person stepping
// through it: what each one is, its state, and how long until its
// deadline.
//
//	fd  what      state             select watches  deadline
//	3   listener  accepting         read
//	4   signals   -                 read
//	6   c1        reading request   read            9.8s
func (s *Server) FDTable() string {
	var b strings.Builder
	now := s.clock()
	fmt.Fprintf(&b, "%-4s%-10s%-18s%-16s%s\n", "fd", "what", "state", "select watches", "deadline")
	if s.fd >= 0 {
		state := "accepting"
		if now.Before(s.acceptAt) {
			state = "paused (out of fds)"
		}
		fmt.Fprintf(&b, "%-4d%-10s%-18s%s\n", s.fd, "listener", state, "read") // no deadline: no padding at the end
	}
	if s.sig.r >= 0 {
		fmt.Fprintf(&b, "%-4d%-10s%-18s%s\n", s.sig.r, "signals", "-", "read")
	}
	for fd, c := range s.conns[:s.top] {
		if c == nil {
			continue
		}
		watch := "read"
		if c.state == stateWriting {
			watch = "write"
		}
		fmt.Fprintf(&b, "%-4d%-10s%-18s%-16s%v\n", fd, trace.Label(c.id), c.state, watch, c.deadline.Sub(now).Round(100*time.Millisecond))
	}
	return b.String()
}
