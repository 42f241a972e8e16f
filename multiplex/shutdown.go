//go:build linux

package multiplex

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Signals are the ones that ask a server to stop, for signal.Notify.
func Signals() []os.Signal { return []os.Signal{unix.SIGINT, unix.SIGTERM} }

// SelectSignals are what the models that select (select, and fork's
// parent) need from signal.Notify: Signals, and SIGCONT, which wakes the
// loop after a stop (Ctrl-Z, then fg) so that it looks at its deadlines
// again.
//
// A stop does not end select with EINTR: the kernel makes the call again
// when the process goes on, with the time that was left when it stopped.
// A deadline that passed while it was stopped then came that much late:
// stopped for a minute 1.8 s before a head deadline, the server answered
// 408 1.8 s after fg. SIGCONT's byte in the signal pipe ends that select
// at once; but only while select waits for a deadline (selector.sleep).
func SelectSignals() []os.Signal { return append(Signals(), unix.SIGCONT) }

// Stops reports whether sig asks the server to stop: SIGCONT does not.
func Stops(sig os.Signal) bool { return sig != unix.SIGCONT }

// signals is the self-pipe (D. J. Bernstein's trick): a signal handler
// writes the signal's number into the pipe, and the pipe's read end sits
// in select's read set, so a signal wakes the loop like any client does.
type signals struct {
	selfPipe
	count  int         // how many have arrived
	stopAt time.Time   // after the first: when responses in flight run out of time
	err    error       // what Serve returns; nil for a graceful stop
	timed  atomic.Bool // select waits for a deadline: a SIGCONT must wake it (selector.sleep)
}

// A selfPipe lets another goroutine wake a select: it writes a byte into
// the pipe, whose read end is in the read set.
type selfPipe struct {
	r int          // the pipe's read end
	w atomic.Int32 // its write end, written from another goroutine; -1 once closed
}

// ErrForced is what Serve returns after a second signal: it stopped
// without waiting for the responses in flight.
var ErrForced = errors.New("second interrupt: stopped without waiting for responses in flight")

// open makes the pipe, for a loop that also selects on fd.
func (p *selfPipe) open(k sys, fd int) error {
	p.r = -1
	p.w.Store(-1)
	r, w, err := k.pipe()
	if err != nil {
		return err
	}
	p.r = r
	p.w.Store(int32(w))
	if max(fd, r) >= unix.FD_SETSIZE {
		// Both go in every select; FdSet.Set would panic on them.
		p.close(k)
		return fmt.Errorf("fd %d does not fit in select's fd_set (FD_SETSIZE %d): too many files open before the server started", max(fd, r), unix.FD_SETSIZE)
	}
	return nil
}

// wake writes b into the pipe, unless it is closed.
func (p *selfPipe) wake(b byte) {
	if w := int(p.w.Load()); w >= 0 {
		unix.Write(w, []byte{b})
	}
}

// close closes both ends; wake writes no more.
func (p *selfPipe) close(k sys) {
	if w := int(p.w.Swap(-1)); w >= 0 {
		k.close(p.r, 0)
		k.close(w, 0)
	}
}

// send writes sig's number into the pipe; see Server.Interrupt.
func (g *signals) send(sig os.Signal) {
	if n, ok := sig.(syscall.Signal); ok {
		g.wake(byte(n))
	}
}

// Interrupt brings a signal into the loop. It may be called from any
// goroutine (the one that receives from signal.Notify): it only writes one
// byte into the signal pipe, and the loop does the rest on its own
// goroutine. The first signal stops accepting and gives the responses in
// flight ShutdownTimeout to finish; the second stops at once. (Fork's
// pipe brings SIGCHLD too.)
//
// That write is not in the trace, which belongs to the loop's goroutine;
// the loop says, when it reads the byte, that it was written.
//
// SIGCONT is written only while select waits for a deadline (sleep): an
// idle server sleeps on through a stop and a fg, as it would without one.
func (l *selector) Interrupt(sig os.Signal) {
	if Stops(sig) || l.sig.timed.Load() {
		l.sig.send(sig)
	}
}

// signaled reads the signals waiting in the pipe and acts on them.
func (s *Server) signaled() {
	n, err := s.k.read(s.sig.r, 0, s.buf[:16])
	if err != nil || n == 0 {
		return
	}
	for _, b := range s.buf[:n] {
		name := unix.SignalName(syscall.Signal(b))
		if syscall.Signal(b) == unix.SIGCONT {
			s.k.signal(name)
			s.note(0, "%s", continuedNote)
			continue
		}
		s.sig.count++
		s.k.signal(name)
		s.note(0, "%s arrived: the goroutine that receives signals wrote its number into the pipe, and select woke up to read it", name)
		if s.sig.count > 1 {
			s.note(0, "second %s: stopping now, closing %s", name, connections(s.open()))
			s.sig.err = ErrForced
			return
		}
		s.closeListener()
		s.sig.stopAt = s.clock().Add(s.cfg.ShutdownTimeout)
		for _, c := range s.conns[:s.top] {
			if c != nil && c.state == stateReading && len(c.in) == 0 {
				s.close(c) // connected but silent: nothing in flight
			}
		}
		s.note(0, "shutting down: no longer accepting; up to %v for %s to finish (a second %s stops at once)", s.cfg.ShutdownTimeout, connections(s.open()), name)
	}
}

// continuedNote says what SIGCONT did: it woke select, whose timeout is
// worked out anew next turn (SelectSignals).
const continuedNote = "SIGCONT arrived: the process was stopped and goes on; select woke up, and the next turn checks every deadline against the clock now"

// stopped reports whether Serve should return: after a signal, once no
// connection is left or the shutdown deadline has passed, or after a
// second signal. Then it closes what is still open.
func (s *Server) stopped() bool {
	switch {
	case s.k.t.Quit():
		s.note(0, "quit at the step prompt: closing %s", connections(s.open()))
	case s.sig.count == 0:
		return false
	case s.sig.err != nil:
	case s.open() > 0 && s.clock().Before(s.sig.stopAt):
		return false
	case s.open() > 0:
		s.note(0, "shutdown deadline: closing %s still open", connections(s.open()))
	}
	s.Close()
	return true
}

// connections says "1 connection" or "n connections".
func connections(n int) string {
	if n == 1 {
		return "1 connection"
	}
	return strconv.Itoa(n) + " connections"
}

// open counts the connections the server holds.
func (s *Server) open() int {
	n := 0
	for _, c := range s.conns[:s.top] {
		if c != nil {
			n++
		}
	}
	return n
}
