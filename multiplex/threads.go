//go:build linux

package multiplex

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Threads is the thread-per-connection server of the threaded articles:
// the main thread accepts, and each client gets a thread of its own that
// serves it with blocking calls (serve, as in Blocking). A slow client
// holds only its own thread; the price is a thread per client, its stack,
// and a trace shared by all of them. The trace must then be concurrent
// (trace.Options.Concurrent): each thread's lines carry its id, "[pid N]",
// as under strace -f.
//
// This file starts the package's goroutines, besides the timer of
// Blocking's shutdown deadline.
type Threads struct {
	*acceptor
	wg    sync.WaitGroup
	slots chan struct{} // a token for each thread serving a client: MaxWorkers at most
}

// ListenThreads creates a listening socket that blocks (no SOCK_NONBLOCK).
func ListenThreads(cfg Config) (*Threads, error) {
	a, err := listenBlocking(cfg)
	if err != nil {
		return nil, err
	}
	return &Threads{acceptor: a, slots: make(chan struct{}, a.cfg.MaxWorkers)}, nil
}

// Serve accepts clients and starts a thread for each, until a signal stops
// it; then it waits, up to ShutdownTimeout, for the threads in flight.
func (s *Threads) Serve() error {
	runtime.LockOSThread() // the main thread accepts; the others serve
	defer runtime.UnlockOSThread()
	for {
		if sig := s.room(); sig != nil {
			return s.stop(sig)
		}
		c, stop := s.accept()
		switch {
		case c != nil:
			s.wg.Add(1)
			go s.serve(c)
		case stop != nil:
			<-s.slots
			return s.stop(stop)
		default:
			<-s.slots // no client after all
		}
	}
}

// allBusy says that all n workers, one or many, are at work: "the one
// thread is", "both children are", "all 256 threads are".
func allBusy(n int, one, many string) string {
	switch n {
	case 1:
		return "the one " + one + " is"
	case 2:
		return "both " + many + " are"
	}
	return "all " + strconv.Itoa(n) + " " + many + " are"
}

// room takes a slot for the next thread, waiting, if all MaxWorkers are
// taken, until a thread ends or a signal comes, which it returns.
// Meanwhile the server does not accept, and new clients wait in the
// listen queue.
func (s *Threads) room() os.Signal {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	s.k.note(0, "%s serving: not accepting until one is done; new clients wait in the listen queue", allBusy(s.cfg.MaxWorkers, "thread", "threads"))
	s.k.t.Flush()
	select {
	case s.slots <- struct{}{}:
		return nil
	case sig := <-s.sigs:
		return sig
	}
}

// serve runs on a goroutine of its own, locked to its OS thread and never
// unlocked: the thread ends when the goroutine does, as a thread made by
// pthread_create for one client would.
func (s *Threads) serve(c *conn) {
	defer s.wg.Done()
	defer func() { <-s.slots }()
	runtime.LockOSThread()
	k := s.k.gettid(c.id) // the thread's id labels its lines
	serve(s.cfg, k, tracedAs(s.cfg.FS, k), c)
	// The thread's last lines are on screen when it ends, not when some
	// other thread next blocks: otherwise a client served at once would
	// seem to wait for a slow one.
	k.t.Flush()
}

// stop closes the listener and waits for the threads still serving, until
// they are done, ShutdownTimeout passes or a second signal comes.
func (s *Threads) stop(sig os.Signal) error {
	s.stopping(sig)
	if len(s.sigs) > 0 {
		s.k.note(0, "second signal: stopping now, %d threads still serving", len(s.slots))
		return ErrForced
	}
	s.k.note(0, "shutting down: no longer accepting; %d threads have up to %v to finish (a second signal stops at once)", len(s.slots), s.cfg.ShutdownTimeout)
	s.k.t.Flush()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.k.note(0, "shutdown deadline: %d threads still serving end with the process", len(s.slots))
	case <-s.sigs:
		s.k.note(0, "second signal: stopping now, %d threads still serving", len(s.slots))
		return ErrForced
	}
	s.k.t.Flush() // a write error stays in the trace, for its owner to report
	return nil
}
