//go:build linux

package multiplex

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
// This file is the only one in the package that starts goroutines.
type Threads struct {
	*acceptor
	wg     sync.WaitGroup
	active atomic.Int32  // threads serving a client
	ended  chan struct{} // a thread has ended, for a loop waiting for one (room)
}

// ListenThreads creates a listening socket that blocks (no SOCK_NONBLOCK).
func ListenThreads(cfg Config) (*Threads, error) {
	a, err := listenBlocking(cfg)
	if err != nil {
		return nil, err
	}
	return &Threads{acceptor: a, ended: make(chan struct{}, 1)}, nil
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
		case stop != nil:
			return s.stop(stop)
		case c != nil:
			s.wg.Add(1)
			s.active.Add(1)
			go s.serve(c)
		}
	}
}

// room waits, if MaxWorkers threads are serving, until one ends, or until
// a signal comes, which it returns. Meanwhile the server does not accept,
// and new clients wait in the listen queue.
func (s *Threads) room() os.Signal {
	if int(s.active.Load()) < s.cfg.MaxWorkers {
		return nil
	}
	s.k.note(0, "all %d threads are serving: not accepting until one is done; new clients wait in the listen queue", s.cfg.MaxWorkers)
	s.k.t.Flush()
	for int(s.active.Load()) >= s.cfg.MaxWorkers {
		select {
		case <-s.ended:
		case sig := <-s.sigs:
			return sig
		}
	}
	return nil
}

// serve runs on a goroutine of its own, locked to its OS thread and never
// unlocked: the thread ends when the goroutine does, as a thread made by
// pthread_create for one client would.
func (s *Threads) serve(c *conn) {
	defer s.wg.Done()
	defer func() {
		s.active.Add(-1)
		select {
		case s.ended <- struct{}{}:
		default: // one is waiting already: room counts again when it wakes
		}
	}()
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
		s.k.note(0, "second signal: stopping now, %d threads still serving", s.active.Load())
		return ErrForced
	}
	s.k.note(0, "shutting down: no longer accepting; %d threads have up to %v to finish (a second signal stops at once)", s.active.Load(), s.cfg.ShutdownTimeout)
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
		return s.k.t.Flush()
	case <-timer.C:
		s.k.note(0, "shutdown deadline: %d threads still serving end with the process", s.active.Load())
	case <-s.sigs:
		s.k.note(0, "second signal: stopping now, %d threads still serving", s.active.Load())
		return ErrForced
	}
	return s.k.t.Flush()
}
