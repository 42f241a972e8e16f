//go:build linux

package multiplex

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
)

// Blocking is the iterative server of the simplest socket articles: accept
// a client, read its request, answer, close, and only then accept the
// next. Its sockets block, so it needs no select: accept sleeps until a
// client comes, read until bytes arrive. While one client is slow, every
// other one waits in the listen queue. That is the lesson.
//
// It is also why stopping it takes help from another thread: the server
// is asleep in its client's read, and a signal does not wake it. So a
// second signal, or the shutdown deadline after the first, shuts the
// client's socket down from another thread (cut), and the read returns.
type Blocking struct {
	*acceptor
	mu      sync.Mutex             // guards client and signals against Interrupt
	client  *conn                  // the client being served; nil between clients
	signals int                    // how many have come
	cutting atomic.Pointer[string] // once the server must stop now, why: every client is cut short
}

// ListenBlocking creates a listening socket that blocks (no SOCK_NONBLOCK).
func ListenBlocking(cfg Config) (*Blocking, error) {
	a, err := listenBlocking(cfg)
	if err != nil {
		return nil, err
	}
	return &Blocking{acceptor: a}, nil
}

// Serve accepts one client, serves it to the end, and goes back to accept,
// until a signal stops it. After the first signal the client in flight has
// until ShutdownTimeout to finish; a second signal cuts it short at once.
func (b *Blocking) Serve() error {
	runtime.LockOSThread() // one thread, as strace -f will confirm
	defer runtime.UnlockOSThread()
	for {
		c, stop := b.accept()
		switch {
		case b.k.t.Quit():
			return b.quit()
		case stop != nil:
			return b.stop(stop)
		case c != nil && b.serving(c):
			talk(b.cfg, b.k, b.cfg.FS, c) // everyone else waits here
			b.serving(nil)                // before the close: cut must not touch a closed fd
			hangUp(b.cfg, b.k, c)
		case c != nil: // told to stop at once since accept returned
			b.k.connected(c)
			b.k.note(c.id, "the server is stopping after %s: closing without serving", *b.cutting.Load())
			hangUp(b.cfg, b.k, c)
		}
	}
}

// Interrupt brings a signal to the server (see acceptor.Interrupt). The
// first also starts the shutdown deadline; the second, or the deadline,
// cuts short the client in flight, so that the server wakes and stops.
func (b *Blocking) Interrupt(sig os.Signal) {
	b.acceptor.Interrupt(sig)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.signals++
	switch b.signals {
	case 1:
		time.AfterFunc(b.cfg.ShutdownTimeout, func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.cut("the shutdown deadline (" + b.cfg.ShutdownTimeout.String() + " after the signal)")
		})
	case 2:
		b.cut("a second signal")
	}
}

// serving records c as the client in flight, for cut, or none (nil). It
// reports false, and records nothing, if the server has been told to stop
// at once since c was accepted.
func (b *Blocking) serving(c *conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c != nil && b.cutting.Load() != nil {
		return false
	}
	b.client = c
	if c != nil {
		c.cut = &b.cutting
	}
	return true
}

// cut shuts the in-flight client's socket down, both ways, from the
// thread that calls it, never the server's (b.mu held): its read returns
// 0 at once, and its write fails with EPIPE. That shutdown(2) is not in
// the trace, which belongs to the server's thread; talk says, when the
// call returns, why.
func (b *Blocking) cut(why string) {
	b.cutting.CompareAndSwap(nil, &why)
	if b.client != nil {
		unix.Shutdown(b.client.fd, unix.SHUT_RDWR)
	}
}

// An acceptor is the listening socket of a model that blocks in accept(2),
// blocking and threads. A blocked accept watches no signal pipe, so
// Interrupt shuts the socket down instead: accept returns EINVAL at once.
type acceptor struct {
	cfg    Config
	k      sys
	addr   string
	lastID int
	mu     sync.Mutex     // guards fd against Interrupt while it is closed
	fd     int            // the listening socket; -1 once closed
	sigs   chan os.Signal // from Interrupt to the server
}

func listenBlocking(cfg Config) (*acceptor, error) {
	a := &acceptor{cfg: cfg.withDefaults(), k: sys{t: cfg.Trace}, sigs: make(chan os.Signal, 2)}
	var err error
	if a.fd, a.addr, err = listenOn(a.k, cfg.Addr, 0); err != nil {
		return nil, err
	}
	return a, nil
}

// Addr returns the address the server listens on, with the real port.
func (a *acceptor) Addr() string { return a.addr }

// Interrupt brings a signal to the server; it may be called from any
// goroutine. It shuts the listening socket down, which wakes accept. That
// shutdown(2) is not in the trace, which belongs to the server's thread:
// the server says, when accept returns, that it was made.
func (a *acceptor) Interrupt(sig os.Signal) {
	select {
	case a.sigs <- sig:
	default: // two are waiting already: enough to stop at once
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fd >= 0 {
		unix.Shutdown(a.fd, unix.SHUT_RD)
	}
}

// accept sleeps until a client connects, and returns it; or the signal
// that woke it; or neither after an error (traced), to be tried again.
func (a *acceptor) accept() (*conn, os.Signal) {
	a.k.t.Flush() // the trace is out while the server sleeps
	fd, sa, err := a.k.accept(a.fd, a.lastID+1, 0)
	if err != nil {
		select {
		case sig := <-a.sigs:
			return nil, sig
		default:
		}
		if outOfFDs(err) {
			a.k.note(0, "out of file descriptors: not accepting for %v", acceptPause)
			time.Sleep(acceptPause) // nothing else to wait on: no select
		}
		return nil, nil
	}
	a.lastID++
	return &conn{fd: fd, id: a.lastID, peer: sa}, nil
}

// stop closes the listener after sig: no client is left in flight, since
// the loop accepts only once the last one is done. Two signals make it
// return ErrForced, as the select server does.
func (a *acceptor) stop(sig os.Signal) error {
	a.stopping(sig)
	if len(a.sigs) > 0 {
		return ErrForced
	}
	a.k.t.Flush() // a write error stays in the trace, for its owner to report
	return nil
}

// quit closes the listener after q at the step prompt. As with a signal,
// no client is left in flight: q at a prompt inside one lets it finish.
func (a *acceptor) quit() error {
	a.k.note(0, "quit at the step prompt: closing the listener")
	a.closeListener()
	a.k.t.Flush()
	return nil
}

// stopping traces sig's arrival and closes the listener.
func (a *acceptor) stopping(sig os.Signal) {
	name := unix.SignalName(sig.(syscall.Signal))
	a.k.signal(name)
	a.k.note(0, "%s arrived: the goroutine that receives signals shut the listening socket down (shutdown(%d, SHUT_RD), on its own thread, not traced), so accept returned", name, a.fd)
	a.closeListener()
}

// closeListener closes the listening socket, under the lock that keeps
// Interrupt from shutting it down meanwhile.
func (a *acceptor) closeListener() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.k.close(a.fd, 0)
	a.fd = -1
}

// serve is one connection's whole life on a blocking socket, as the
// simplest server lives it: read until the request parses, answer, write
// all of it, close. The blocking, threads and fork models all serve with
// it; they differ only in who calls it: the accept loop itself, a thread
// of its own, a process of its own.
func serve(cfg Config, k sys, fsys fs.FS, c *conn) {
	talk(cfg, k, fsys, c)
	hangUp(cfg, k, c)
}

// talk is serve up to the close: the request and the answer.
func talk(cfg Config, k sys, fsys fs.FS, c *conn) {
	k.connected(c)
	// Without select, only the socket's own timeouts stop a read or a
	// write from waiting for ever. They bound each call, not the whole
	// request: receive sets the read's again before each read after the
	// first, to the time left.
	buf := make([]byte, readBufSize)
	err := k.timeout(c.fd, c.id, unix.SO_RCVTIMEO, cfg.HeadTimeout)
	if err == nil {
		err = k.timeout(c.fd, c.id, unix.SO_SNDTIMEO, cfg.WriteTimeout)
	}
	if err == nil {
		if resp := receive(cfg, k, fsys, c, buf); resp != nil {
			respond(cfg, k, c, resp, buf)
		}
	}
}

// hangUp is serve's end: the access log line, and the close.
func hangUp(cfg Config, k sys, c *conn) {
	k.logAccess(cfg, c)
	k.close(c.fd, c.id)
	k.setState(c, stateClosed)
}

// receive reads until the request parses and returns the response, or nil
// if there is none to send: the client left, or sent nothing in time.
//
// The deadlines are the select loop's: the head has HeadTimeout from
// accept, and the body BodyTimeout from the end of the head, however the
// client spreads its bytes. SO_RCVTIMEO (set by talk to HeadTimeout for
// the first read) bounds one read, and a client sending a byte now and
// then would start it again each time: so before each further read it is
// set to the time left. So it is after a read that a signal interrupted.
func receive(cfg Config, k sys, fsys fs.FS, c *conn, buf []byte) *http10.Response {
	deadline := k.clock(cfg).Add(cfg.HeadTimeout)
	for first := true; ; first = false {
		if !first {
			left := deadline.Sub(k.clock(cfg))
			if left <= 0 {
				return k.readTimedOut(cfg, c)
			}
			if k.timeout(c.fd, c.id, unix.SO_RCVTIMEO, left) != nil {
				return nil
			}
		}
		k.t.Flush() // the trace is out while read sleeps
		n, err := k.readOnce(c.fd, c.id, buf)
		switch {
		case errors.Is(err, unix.EINTR):
			// A signal (a stop and a continue, say): the read is made
			// again, with the time left, which the wait so far has cut.
			continue
		case errors.Is(err, unix.EAGAIN): // SO_RCVTIMEO
			return k.readTimedOut(cfg, c)
		case errors.Is(err, ErrQuit):
			k.note(c.id, "quit at the step prompt: the read, which would wait for the client, is not made; closing without an answer")
			return nil
		case err != nil:
			return nil // ECONNRESET and friends: traced by read
		case n == 0 && c.wasCut():
			k.noteCut(c, "the read; closing without an answer")
			return nil
		case n == 0 && len(c.in) == 0:
			k.note(c.id, "end of file: the client closed without sending anything")
			return nil
		case n == 0:
			msg := "the client closed its side before the request was complete"
			k.note(c.id, "end of file: %s; answering 400", msg)
			return c.cutShort(http10.StatusBadRequest, msg, cfg.Now())
		}
		if !k.received(c, buf[:n]) {
			continue
		}
		headDone := c.pending.HeadDone
		if resp := k.answer(cfg, fsys, c); resp != nil {
			return resp
		}
		if c.pending.HeadDone && !headDone {
			deadline = k.clock(cfg).Add(cfg.BodyTimeout)
		}
	}
}

// readTimedOut is receive's answer when the time for the request is up:
// 408 if the client has sent part of one, and none (a close) if it has
// sent nothing, as the select loop does (expire). Its last read said
// EAGAIN, or a signal cut it short (a stop and a fg) after the deadline.
func (k sys) readTimedOut(cfg Config, c *conn) *http10.Response {
	if len(c.in) > 0 {
		return k.tooLate(cfg, c)
	}
	k.note(c.id, "timeout: connected %v ago and sent nothing; closing", cfg.HeadTimeout)
	return nil
}

// wasCut reports whether Blocking.cut has shut c's socket down: its last
// call's early end is then the server's doing.
func (c *conn) wasCut() bool { return c.cut != nil && c.cut.Load() != nil }

// noteCut says why a call on c returned early, which ended what: the
// server is stopping, and another thread shut c's socket down
// (Blocking.cut).
func (k sys) noteCut(c *conn, what string) {
	k.note(c.id, "the server is stopping after %s: another thread shut this socket down (shutdown(%d, SHUT_RDWR), not traced), which ended %s", *c.cut.Load(), c.fd, what)
}

// respond writes all of resp, then, if the client may still be sending,
// closes politely (see Server.linger): shut our side, and read what comes
// until the client closes, for at most LingerTimeout.
func respond(cfg Config, k sys, c *conn, resp *http10.Response, buf []byte) {
	k.narrateResponse(c, resp)
	if cfg.AccessLog != nil {
		c.answered(resp)
	}
	k.setState(c, stateWriting)
	c.send(resp)
	defer c.closeFile()
	for out := c.out; len(out) > 0 || c.fileLeft > 0; {
		if len(out) == 0 { // the next piece of a large file
			if err := c.nextPiece(); err != nil {
				k.note(c.id, "%v: closing", err)
				return
			}
			out = c.out
		}
		k.t.Flush()
		n, err := k.write(c.fd, c.id, out)
		switch {
		case errors.Is(err, unix.EAGAIN): // SO_SNDTIMEO
			k.note(c.id, "%s", writeTimeoutNote(cfg.WriteTimeout, int64(len(out))+c.fileLeft))
			return
		case err != nil && c.wasCut():
			k.noteCut(c, "the write; closing with the answer unfinished")
			return
		case err != nil:
			return // EPIPE or ECONNRESET: the client left; traced by write
		}
		c.sent += int64(n)
		if out = out[n:]; len(out) > 0 {
			k.note(c.id, "partial write: %d bytes sent, %d left; writing again", n, len(out))
		}
		if len(out) > 0 || c.fileLeft > 0 {
			// Another write to come. A blocking write does not say whether
			// it waited, so an answer of more than one write (a file over
			// pieceBytes) counts as long, and its close lingers.
			c.slow = true
		}
	}
	if !c.linger && !c.slow || k.shutdown(c.fd, c.id) != nil || k.timeout(c.fd, c.id, unix.SO_RCVTIMEO, cfg.LingerTimeout) != nil {
		return
	}
	k.note(c.id, "%s", lingerNote(c, cfg))
	k.setState(c, stateDraining)
	// Each write waited up to WriteTimeout (SO_SNDTIMEO) for the client to
	// take some; the answer's queued end gets as long after the last, as
	// in the select loop (Server.linger).
	now := cfg.Now()
	c.takeBy = now.Add(cfg.WriteTimeout)
	for end := now.Add(cfg.LingerTimeout); ; {
		k.t.Flush()
		// SO_RCVTIMEO: EAGAIN after LingerTimeout (or the shorter last
		// step) without a byte. A byte starts the wait again, so the
		// loop may run up to one step past end.
		n, err := k.read(c.fd, c.id, buf)
		switch {
		case n == 0 && c.wasCut():
			k.noteCut(c, "the lingering close; the answer was sent")
			return
		case n == 0, err != nil && !errors.Is(err, unix.EAGAIN):
			return // the client has closed too (or reset): done
		}
		if now := cfg.Now(); !now.Before(end) {
			var on bool
			if end, on = k.lingerOn(cfg, c, now); !on {
				return
			}
			// The last step, cut short by the write timeout: the read
			// waits only that long, as the note said. It is more than
			// zero (lingerOn goes on only before the write timeout), and
			// a zero timeval would mean no timeout at all.
			if wait := end.Sub(now); wait < cfg.LingerTimeout && k.timeout(c.fd, c.id, unix.SO_RCVTIMEO, wait) != nil {
				return
			}
		}
	}
}
