//go:build linux

package multiplex

import (
	"time"

	"golang.org/x/sys/unix"
)

// A selector is what the two models that select share (Server, Fork): a
// non-blocking listening socket, and the self-pipe that brings signals
// into the same select.
type selector struct {
	cfg      Config
	k        sys
	fd       int    // the listening socket; -1 once closed for shutdown
	addr     string // its real address, "127.0.0.1:8080"
	sig      signals
	lastID   int       // the id of the last connection accepted
	acceptAt time.Time // after running out of fds: do not accept before this
}

// listen makes the listening socket and the signal pipe.
func (l *selector) listen(cfg Config, k sys) error {
	l.cfg, l.k, l.fd = cfg.withDefaults(), k, -1
	var err error
	if l.fd, l.addr, err = listenOn(k, cfg.Addr, unix.SOCK_NONBLOCK); err != nil {
		return err
	}
	if err := l.sig.open(k, l.fd); err != nil {
		l.closeListener()
		return listenError(cfg.Addr, err)
	}
	if k.quitting("the listening socket and the signal pipe") {
		l.closeAll()
		k.t.Flush() // before the program says it stopped
		return ErrQuit
	}
	return nil
}

// Addr returns the address the server listens on, with the real port.
func (l *selector) Addr() string { return l.addr }

func (l *selector) closeListener() {
	if l.fd >= 0 {
		l.k.close(l.fd, 0)
		l.fd = -1
	}
}

// closeAll closes the listener and the signal pipe.
func (l *selector) closeAll() {
	l.closeListener()
	l.sig.close(l.k)
}

// accepting reports whether the listener belongs in this turn's read set.
// A pause that is over is forgotten, listener or not, so that it no
// longer wakes select.
func (l *selector) accepting(now time.Time) bool {
	if !now.Before(l.acceptAt) {
		l.acceptAt = time.Time{}
	}
	return l.fd >= 0 && l.acceptAt.IsZero()
}

// sleep is select until an fd in r or w is ready, or until wake (zero:
// no timeout), timed from now(). While it waits for a deadline, a SIGCONT
// wakes it (Interrupt): a stop does not end select, and the kernel makes
// the call again, when the process goes on, with the time that was left
// when it stopped; without the wake-up, a deadline that passed meanwhile
// would be met that much late. now is read after the flag is set, so that
// a stop between the two cannot go unseen.
func (l *selector) sleep(nfd int, r, w *unix.FdSet, wake time.Time, now func() time.Time) (int, error) {
	l.sig.timed.Store(!wake.IsZero())
	defer l.sig.timed.Store(false)
	return l.k.pselect(nfd, r, w, timeval(wake, now()))
}

// who names the selector's own fds for the trace; "?" for any other.
func (l *selector) who(fd int) string {
	switch fd {
	case l.fd:
		return "listener"
	case l.sig.r:
		return "signals"
	}
	return "?"
}
