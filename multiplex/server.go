//go:build linux

package multiplex

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
	"stepwise/trace"
)

const (
	backlog     = 511                    // listen(2) queue length, nginx's default
	readBufSize = 16 << 10               // bytes asked of each read(2)
	acceptPause = 100 * time.Millisecond // how long to stop accepting when out of fds
	yieldEvery  = 5 * time.Millisecond   // how often the loop gives way to the Go scheduler (see yield)
)

// Config says what a Server serves, where, how long it waits, and who
// watches. Zero durations and limits take the defaults below.
type Config struct {
	Addr   string           // "host:port"; port 0 lets the kernel choose
	FS     fs.FS            // the files to serve
	Trace  *trace.Tracer    // nil: no trace
	Limits http10.Limits    // zero fields: http10's defaults
	Now    func() time.Time // the server's clock: Date headers and every deadline; nil: time.Now

	// AccessLog, if not nil, gets one line per answered request in Common
	// Log Format, when its connection closes. It is not the trace.
	AccessLog io.Writer

	HeadTimeout     time.Duration // from accept to the end of the request head (default 10s)
	BodyTimeout     time.Duration // from the end of the head to the end of the body (default 30s)
	WriteTimeout    time.Duration // for the client to take more of the response, and after the last write its end (default 30s)
	LingerTimeout   time.Duration // for the client to finish sending after an early or long answer, and again while its end is queued (default 2s)
	ShutdownTimeout time.Duration // after SIGINT or SIGTERM, for responses in flight (default 5s)

	// MaxWorkers is, for the threads and fork models, the most threads or
	// child processes serving clients at once (default 256); the next
	// clients wait in the listen queue until one is done. Without it, a
	// crowd of idle clients would make the threads model hit the Go
	// runtime's limit of 10,000 threads and die, and the fork model start
	// a process for each. (select is bounded by FD_SETSIZE, and blocking
	// serves one client at a time.)
	MaxWorkers int
}

// The defaults. The head deadline is short and counted from accept, so a
// client trickling one header line every few seconds (slowloris) still
// times out.
const (
	DefaultHeadTimeout     = 10 * time.Second
	DefaultBodyTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultLingerTimeout   = 2 * time.Second
	DefaultShutdownTimeout = 5 * time.Second
	DefaultMaxWorkers      = 256 // as Apache's MaxRequestWorkers for its process-per-connection prefork
	// MostWorkers is the most MaxWorkers can be: the Go runtime stops a
	// program that reaches 10,000 threads, and it needs some of its own.
	MostWorkers = 8192
)

func (cfg Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.HeadTimeout, DefaultHeadTimeout)
	def(&cfg.BodyTimeout, DefaultBodyTimeout)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.LingerTimeout, DefaultLingerTimeout)
	def(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = DefaultMaxWorkers
	}
	cfg.MaxWorkers = min(cfg.MaxWorkers, MostWorkers)
	cfg.Limits = cfg.Limits.WithDefaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// A Server is one listening socket and the connections accepted from it,
// all served by one goroutine calling select.
type Server struct {
	selector // the listening socket and the signal pipe beside it
	conns    [unix.FD_SETSIZE]*conn
	top      int // one past the highest fd in conns
	buf      [readBufSize]byte
	spare    []*conn   // closed connections, kept to serve new ones (see reuse)
	yielded  time.Time // when the loop last gave way to the Go scheduler
}

// Listen creates the listening socket (socket, setsockopt, bind, listen)
// and the pipe that signals will arrive on.
func Listen(cfg Config) (*Server, error) {
	s := new(Server)
	if err := s.listen(cfg, sys{t: cfg.Trace, who: s.who, nonblocking: true}); err != nil {
		return nil, err
	}
	return s, nil
}

// listenOn makes the listening socket of every model: socket, setsockopt,
// bind, listen, getsockname. It returns the socket and its real address.
// flags is unix.SOCK_NONBLOCK for a listener that select watches, 0 for
// one that blocks in accept.
func listenOn(k sys, addr string, flags int) (int, string, error) {
	sa, err := parseAddr(addr)
	if err != nil {
		return -1, "", err
	}
	if k.t.Quit() { // at an earlier prompt: -root's openat
		k.note(0, "quit at the step prompt before serving: no socket made")
		k.t.Flush() // before the program says it stopped
		return -1, "", ErrQuit
	}
	openRuntimePoller()
	family := unix.AF_INET
	if !sa.Addr().Is4() {
		family = unix.AF_INET6
	}
	fd, err := k.socket(family, flags)
	if err != nil {
		return -1, "", err
	}
	// Each step, unless the last failed or q was typed at its prompt.
	next := func() bool { return err == nil && !k.t.Quit() }
	if next() {
		err = k.reuseAddr(fd)
	}
	if next() {
		err = k.bind(fd, sa)
	}
	if next() {
		err = k.listen(fd, backlog)
	}
	if next() {
		sa, err = k.getsockname(fd)
	}
	if err == nil && k.quitting("the listening socket") {
		err = ErrQuit
	}
	if err != nil {
		k.close(fd, 0)
		if err == ErrQuit {
			k.t.Flush() // before the program says it stopped
			return -1, "", err
		}
		return -1, "", listenError(addr, err)
	}
	return fd, sa.String(), nil
}

// quitting reports whether q was typed at a step prompt while the server
// was getting ready, and if so says that it closes what, and stops.
func (k sys) quitting(what string) bool {
	if !k.t.Quit() {
		return false
	}
	k.note(0, "quit at the step prompt before serving: closing %s", what)
	return true
}

// openRuntimePoller makes the Go runtime open now, before the server has
// any fd of its own, the two it needs for its timers: an epoll instance
// and an eventfd (strace shows epoll_create1 and eventfd2 here; the trace
// does not, since the server does not make them). Otherwise it opens them
// the first time any timer is armed, the memory scavenger's perhaps, and
// if the server has used up every fd it may have by then, the runtime
// cannot go on and stops the program ("fatal error: runtime: netpollinit
// failed"). Opened first, they also always take the same numbers, just
// below the listener's, instead of two fds a client would have had.
func openRuntimePoller() { time.AfterFunc(time.Hour, func() {}).Stop() }

// clock is the time deadlines are counted in: Config.Now, less the time
// the server spent waiting at a step prompt, so that a request paused in
// class does not time out. Date headers and the access log use Config.Now
// itself.
func (s *Server) clock() time.Time { return s.k.clock(s.cfg) }

// clock is Server.clock for every model.
func (k sys) clock(cfg Config) time.Time { return cfg.Now().Add(-k.t.Paused()) }

// Serve runs the server until it is stopped by a signal (see Interrupt) or
// select itself fails. Every accept, read, write and close happens here,
// on one goroutine, one turn at a time.
//
// Serve also locks that goroutine to its OS thread. Otherwise the Go
// scheduler may resume it on another thread after each blocking call, and
// strace -f would show the loop hopping between threads; locked, it shows
// what the loop is: one thread.
func (s *Server) Serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := s.k.holdSIGCONT(unix.SIG_BLOCK); err != nil { // only the signal pipe wakes select
		return err
	}
	defer s.k.holdSIGCONT(unix.SIG_UNBLOCK)
	for !s.stopped() {
		if err := s.turn(); err != nil {
			return err
		}
		s.yield()
	}
	return s.sig.err
}

// yield gives way to the Go scheduler once every yieldEvery.
//
// To the Go runtime, a goroutine that has not given way for 10 ms is
// running too long, however much of that time it slept in system calls.
// Its monitor thread (sysmon) then steps in. If the loop is asleep in
// select, sysmon takes its processor away, so that select's return must
// win one back, and then wakes itself every 20 µs for the next
// millisecond or so. If the loop is running, sysmon interrupts it with a
// signal (SIGURG) and the loop gives way at its next function call. Under
// load that costs the slowest requests tens of µs, on a machine whose
// cores are shared with the clients (docs/performance.md). Giving way
// first, which is a pair of thread wake-ups on a locked thread, costs
// far less, and sysmon stays asleep. None of it is a system call the loop
// makes, so none of it is in the trace.
func (s *Server) yield() {
	if now := time.Now(); now.Sub(s.yielded) >= yieldEvery {
		gosched()
		s.yielded = now
	}
}

// gosched is runtime.Gosched, in a variable so that a test can count calls.
var gosched = runtime.Gosched

// turn is one trip around the loop: ask select which fds are ready, then
// serve them.
func (s *Server) turn() error {
	// 0. Clients whose time is up: answer 408 or close (expire).
	now := s.clock()
	s.expire(now)
	if s.sig.count > 0 && s.open() == 0 {
		return nil // shutting down, and the last one just timed out: stop now
	}
	// 1. Rebuild the sets: select overwrote last turn's (select_tut(2)).
	var readable, writable unix.FdSet
	readable.Set(s.sig.r)
	maxfd := s.sig.r
	if s.accepting(now) {
		readable.Set(s.fd)
		maxfd = max(maxfd, s.fd)
	}
	// The nearest deadline, now that accepting has forgotten a pause that is over.
	wake := s.wakeAt()
	for fd, c := range s.conns[:s.top] { // indexed by fd: lowest first
		switch {
		case c == nil:
			continue
		case c.state == stateWriting:
			writable.Set(fd)
		default: // reading a request, or draining after an early or long answer
			readable.Set(fd)
		}
		maxfd, wake = max(maxfd, fd), earliest(wake, c.deadline)
	}
	// 2. Sleep until an fd is ready or the nearest deadline, timed from now.
	if _, err := s.sleep(maxfd+1, &readable, &writable, wake, s.clock); err != nil {
		return err
	}
	// 3. Serve each ready fd once, lowest number first; a signal last, so
	// that a request that came with it is read, not dropped.
	if s.fd >= 0 && readable.IsSet(s.fd) {
		s.accept()
	}
	for fd := 0; fd <= maxfd; fd++ {
		switch c := s.conns[fd]; {
		case c == nil:
		case readable.IsSet(fd) && c.state == stateDraining:
			s.drain(c)
		case readable.IsSet(fd):
			s.read(c)
		case writable.IsSet(fd):
			s.write(c)
		}
	}
	if readable.IsSet(s.sig.r) {
		s.signaled()
	}
	return nil
}

// accept takes the connections waiting on the listener, until none is
// left (EAGAIN) or acceptBatch have come, and reads each one's request at
// once, without waiting for select to say it has arrived.
//
// That is a bet. A lone client sends its request as soon as it is
// connected, and it is nearly always there by the time the loop has woken
// up and accepted: the read saves a select round. A client busy with many
// connections sends later, so under load the read mostly says EAGAIN, and
// select then watches the fd as any other. A lost bet costs one quick
// call; a bet not made costs a select round, which walks every fd
// watched, so the bet is made every time (docs/performance.md has the
// counts, and the other rules tried).
func (s *Server) accept() {
	for range acceptBatch {
		c := s.acceptOne()
		if c == nil {
			return
		}
		s.read(c)
	}
}

// outOfFDs reports whether accept failed for want of an fd or of kernel
// memory: the connection is still waiting, so the listener stays readable.
func outOfFDs(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) || errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM)
}

// acceptBatch is the most connections accept takes in one turn, so that a
// flood of new ones cannot keep the loop from those it already has.
const acceptBatch = 64

// acceptOne takes one waiting connection off the listener. It returns nil
// when there is none to serve: none waiting, an error, or one refused.
func (s *Server) acceptOne() *conn {
	fd, sa, err := s.k.accept(s.fd, s.lastID+1, unix.SOCK_NONBLOCK)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ECONNABORTED):
		return nil // none left, or the client gave up before we got to it
	case outOfFDs(err):
		// The listener would stay readable and select would return at once,
		// forever: stop watching it for a moment instead.
		s.acceptAt = s.clock().Add(acceptPause)
		s.note(0, "out of file descriptors: not accepting for %v, or until a connection closes", acceptPause)
		return nil
	case err != nil:
		return nil // traced by accept (or, after q at its prompt, not made); the listener is still fine
	}
	s.lastID++
	c := s.newConn(fd, s.lastID, sa)
	if fd >= len(s.conns) {
		s.refuse(c)
		return nil
	}
	s.conns[fd] = c
	s.top = max(s.top, fd+1)
	c.deadline = s.clock().Add(s.cfg.HeadTimeout)
	s.k.connected(c)
	return c
}

// refuse answers a connection whose fd is too big for select's fd_set
// (FdSet.Set would panic, and nfds > FD_SETSIZE overruns it) with a 503,
// and closes it.
func (s *Server) refuse(c *conn) {
	s.k.serviceUnavailable(c, fmt.Sprintf("server full: fd %d does not fit in select's fd_set (FD_SETSIZE %d)", c.fd, unix.FD_SETSIZE), s.cfg.Now(), s.buf[:])
	s.k.close(c.fd, c.id)
	s.spare = append(s.spare, c.reuse())
}

// serviceUnavailable answers c, which the server cannot serve, with 503 and
// msg, in one write, which a fresh socket's buffer always takes whole.
// Then it shuts its sending side and reads, into buf, what the client may
// already have sent, so that the close to come does not reset the
// connection under the answer. c's socket must not block.
func (k sys) serviceUnavailable(c *conn, msg string, now time.Time, buf []byte) {
	k.note(c.id, "%s", msg)
	resp := http10.Refuse(&http10.ProtocolError{Status: http10.StatusServiceUnavailable, Msg: msg}, now)
	k.narrateResponse(c, resp)
	k.write(c.fd, c.id, resp.Append(nil))
	k.shutdown(c.fd, c.id)
	k.read(c.fd, c.id, buf)
}

// read takes what the client has sent and tries to parse a request.
func (s *Server) read(c *conn) {
	n, err := s.k.read(c.fd, c.id, s.buf[:])
	switch {
	case errors.Is(err, unix.EAGAIN):
		return // not ready after all: wait for select again
	case err != nil:
		s.close(c) // ECONNRESET and friends: traced by read
		return
	case n == 0 && len(c.in) == 0:
		s.note(c.id, "end of file: the client closed without sending anything")
		s.close(c)
		return
	case n == 0:
		// It can still read: tell it what went wrong (RFC 1945 7.2.2: a
		// close cannot end a request).
		msg := "the client closed its side before the request was complete"
		s.note(c.id, "end of file: %s; answering 400", msg)
		s.respond(c, c.cutShort(http10.StatusBadRequest, msg, s.cfg.Now()))
		return
	}
	if s.k.received(c, s.buf[:n]) {
		s.parse(c)
	}
}

// received adds the bytes just read to what c has sent, and reports
// whether they are worth parsing (worthParsing); if not, the trace says
// what the parser waits for.
func (k sys) received(c *conn, fresh []byte) bool {
	c.in = append(c.in, fresh...)
	if worthParsing(fresh, len(c.in), c.pending) {
		return true
	}
	if c.pending.HeadDone {
		k.note(c.id, "request incomplete after %d bytes: the body ends at byte %d, waiting for more", len(c.in), c.pending.Next)
	} else {
		k.note(c.id, "request incomplete after %d bytes: no line ended, waiting for more", len(c.in))
	}
	return false
}

// parse runs the parser over everything received so far. A complete or
// refused request gets its response queued in c.out; otherwise the loop
// waits for more bytes.
func (s *Server) parse(c *conn) {
	headDone := c.pending.HeadDone
	resp := s.k.answer(s.cfg, s.cfg.FS, c)
	switch {
	case resp != nil:
		s.respond(c, resp)
	case c.pending.HeadDone && !headDone:
		c.deadline = s.clock().Add(s.cfg.BodyTimeout)
	}
}

// answer parses c.in and returns the response to send, or nil if the
// request is not complete yet. Every model parses with it.
func (k sys) answer(cfg Config, fsys fs.FS, c *conn) *http10.Response {
	req, n, err := c.pending.Parse(c.in, cfg.Limits)
	switch {
	case err != nil:
		k.narrateRefusal(c, err)
		c.linger = true // the client may still be sending what we refused
		return http10.Refuse(err, cfg.Now())
	case req == nil:
		k.note(c.id, "request incomplete after %d bytes: waiting for more", len(c.in))
		return nil
	}
	k.narrateRequest(c, req, len(c.in)-n)
	resp := http10.Respond(fsys, req, cfg.Now())
	k.noteText(c.id, "route", resp.Note)
	c.linger = n < len(c.in) // more bytes than the request: a reset could cut our answer
	return resp
}

// tooLate is the answer to a request that did not arrive in time, in
// every model: 408, and a lingering close, since the client may still be
// sending.
func (k sys) tooLate(cfg Config, c *conn) *http10.Response {
	msg := "the request head did not arrive in time"
	if c.pending.HeadDone {
		msg = "the request body did not arrive in time"
	}
	k.note(c.id, "timeout: %s; answering 408", msg)
	c.linger = true
	return c.cutShort(http10.StatusRequestTimeout, msg, cfg.Now())
}

// respond queues a response and starts writing it.
func (s *Server) respond(c *conn, resp *http10.Response) {
	s.narrateResponse(c, resp)
	if s.cfg.AccessLog != nil {
		c.answered(resp)
	}
	c.send(resp)
	c.in = c.in[:0]
	c.deadline = s.clock().Add(s.cfg.WriteTimeout)
	s.setState(c, stateWriting)
	// Write at once rather than wait for select to say the socket is
	// writable: a socket that has sent nothing yet has room in its buffer,
	// so the first write nearly always goes through whole, and the
	// connection is closed in the same turn it was read in.
	s.write(c)
}

// write sends what the socket takes of the response: the bytes in c.out
// (the head, and the body when it is in memory), then a large file a piece
// at a time. It stops when the socket is full (EAGAIN: select says when
// there is room again), when all is sent, or after writeTurn bytes, so
// that one quick client of a big file cannot keep the others waiting.
func (s *Server) write(c *conn) {
	for sent := 0; sent < writeTurn; {
		n, err := s.writeSome(c, writeTurn-sent)
		sent += max(n, 0)
		switch {
		case errors.Is(err, unix.EAGAIN):
			s.waitForRoom(c, sent)
			return
		case err != nil:
			s.close(c) // EPIPE or ECONNRESET: the client left; or the file failed
			return
		case len(c.out) > 0:
			s.note(c.id, "partial write: %d bytes sent, %d left for when the socket drains", n, len(c.out))
			s.waitForRoom(c, sent)
			return
		case c.fileLeft == 0 && (c.linger || c.slow):
			s.linger(c)
			return
		case c.fileLeft == 0:
			s.close(c) // HTTP/1.0: the server closes after each response
			return
		}
	}
	s.note(c.id, "%d bytes of the file left: the rest in later turns, so the other clients are not kept waiting", c.fileLeft)
	s.waitForRoom(c, writeTurn)
}

// waitForRoom leaves c writing until select says its socket has room
// again: an answer that takes more than one go, whose close will linger.
// If this turn sent some of it (sent bytes), its write deadline starts
// again. WriteTimeout is how long the server waits for room to write
// more, as a blocking model's SO_SNDTIMEO and nginx's send_timeout are:
// a big file to a slow but steady client is not cut short, and a client
// that stops taking it is still let go (writeTimeoutNote).
func (s *Server) waitForRoom(c *conn, sent int) {
	c.slow = true
	if sent > 0 {
		c.deadline = s.clock().Add(s.cfg.WriteTimeout)
	}
}

// writeTurn is about how many bytes write sends to one client in one turn.
const writeTurn = 4 * pieceBytes

// writeSome makes one call that sends the next bytes of c's response:
// write(2) of c.out, or, once c.out is sent, the next bytes of the file:
// with sendfile(2) when it is one of a Root's files, up to budget bytes
// (the kernel sends what the socket takes, and no buffer of ours holds
// them), else a piece read into c.out and written. A failed call is in
// the trace; a file that fails is noted.
func (s *Server) writeSome(c *conn, budget int) (int, error) {
	if len(c.out) == 0 && c.fileLeft > 0 {
		if f, ok := c.file.(*file); ok {
			n, err := s.k.sendfile(c.fd, c.id, f.fd, int(min(c.fileLeft, int64(budget))))
			if err == nil && n == 0 {
				err = fmt.Errorf("the file ended %d bytes short of its size", c.fileLeft)
				s.note(c.id, "%v: closing", err)
			}
			c.fileLeft -= int64(max(n, 0))
			c.sent += int64(max(n, 0))
			return n, err
		}
		if err := c.nextPiece(); err != nil {
			s.note(c.id, "%v: closing", err)
			return 0, err
		}
	}
	n, err := s.k.write(c.fd, c.id, c.out)
	c.out = c.out[max(n, 0):]
	c.sent += int64(max(n, 0))
	return n, err
}

// linger is a polite close (RFC 1945 9.4): after answering a request it
// did not read to the end, or after an answer that took more than one
// turn, the server shuts its sending side and reads what the client still
// sends, until the client closes. Closing at once with unread bytes would
// make the kernel reset the connection, and a reset can destroy the
// answer before the client reads it (lingerNote).
func (s *Server) linger(c *conn) {
	if err := s.k.shutdown(c.fd, c.id); err != nil {
		s.close(c)
		return
	}
	s.note(c.id, "%s", lingerNote(c, s.cfg))
	now := s.clock()
	c.deadline, c.takeBy = now.Add(s.cfg.LingerTimeout), now.Add(s.cfg.WriteTimeout)
	s.setState(c, stateDraining)
}

// lingerOn decides what a lingering close does when its time is up: it
// asks the kernel (ioctl SIOCOUTQ) whether the client has acknowledged all
// of the answer. If it has, or the answer's write timeout has passed too,
// it says why the connection closes now and returns false. If the end of
// the answer is still on its way to a client that takes it slowly, it
// returns when to ask again, and true: closing now would not lose those
// bytes by itself (the kernel sends them after the close), but a byte the
// client sent after it would make the kernel reset the connection, and
// the reset would throw them away.
//
// The count includes the FIN the shutdown queued after the answer. A
// client's kernel is slow to acknowledge a FIN on its own (it waits to
// send the ACK with something else), so a count of 1 means the answer
// itself has all arrived.
func (k sys) lingerOn(cfg Config, c *conn, now time.Time) (time.Time, bool) {
	n, err := k.queued(c.fd, c.id)
	n-- // the FIN
	switch {
	case err != nil: // in the trace
		return now, false
	case n <= 0:
		k.note(c.id, "timeout: the client has all of the answer and has not closed its side; closing")
		return now, false
	case !now.Before(c.takeBy):
		k.note(c.id, "timeout: the client has not taken the end of the response %v after the last write (%d bytes still queued); closing", cfg.WriteTimeout, n)
		return now, false
	}
	until := now.Add(cfg.LingerTimeout)
	if c.takeBy.Before(until) {
		until = c.takeBy
	}
	k.note(c.id, "lingering on: the client has not yet acknowledged the end of the answer (%d bytes queued), and a byte from it after a close would reset the connection and lose them; asking again in %v", n, until.Sub(now).Round(time.Millisecond))
	return until, true
}

// drain reads and throws away what a client sends after its answer.
func (s *Server) drain(c *conn) {
	n, err := s.k.read(c.fd, c.id, s.buf[:])
	switch {
	case errors.Is(err, unix.EAGAIN):
	case err != nil, n == 0:
		s.close(c) // the client has closed too (or reset): done
	}
	// Anything else read is thrown away; LingerTimeout bounds how long.
}

// expire deals with the clients whose deadline has passed.
func (s *Server) expire(now time.Time) {
	for _, c := range s.conns[:s.top] {
		if c == nil || now.Before(c.deadline) {
			continue
		}
		switch {
		case c.state == stateReading && len(c.in) > 0:
			s.respond(c, s.k.tooLate(s.cfg, c))
		case c.state == stateReading:
			s.note(c.id, "timeout: connected %v ago and sent nothing; closing", s.cfg.HeadTimeout)
			s.close(c)
		case c.state == stateWriting:
			s.note(c.id, "%s", writeTimeoutNote(s.cfg.WriteTimeout, int64(len(c.out))+c.fileLeft))
			s.close(c)
		default: // draining
			if until, on := s.k.lingerOn(s.cfg, c, now); on {
				c.deadline = until
				continue
			}
			s.close(c)
		}
	}
}

// close closes a connection and forgets it.
func (s *Server) close(c *conn) {
	c.closeFile()
	s.k.logAccess(s.cfg, c)
	s.k.close(c.fd, c.id)
	s.conns[c.fd] = nil
	for s.top > 0 && s.conns[s.top-1] == nil {
		s.top--
	}
	s.setState(c, stateClosed)
	s.acceptAt = time.Time{} // an fd is free: accepting may work again
	s.spare = append(s.spare, c.reuse())
}

// newConn returns the conn for a new connection: a spare one if there is
// one, else a new one. As nginx keeps its free connections, the server
// keeps those it closed, with their buffers for the request and the
// response: a request then allocates no conn and no buffers, and the
// garbage collector has less to do (docs/performance.md). There are never
// more spares than connections once open at the same time, and reuse drops
// big buffers, so what is kept stays small.
func (s *Server) newConn(fd, id int, peer netip.AddrPort) *conn {
	if n := len(s.spare); n > 0 {
		c := s.spare[n-1]
		s.spare[n-1] = nil
		s.spare = s.spare[:n-1]
		c.fd, c.id, c.peer = fd, id, peer
		return c
	}
	return &conn{fd: fd, id: id, peer: peer}
}

// Close closes the listener, the signal pipe and every open connection.
func (s *Server) Close() error {
	for _, c := range s.conns[:s.top] {
		if c != nil {
			s.close(c)
		}
	}
	s.closeAll()
	return s.k.t.Flush()
}

// wakeAt is when select must return even if no fd is ready, apart from
// the connections' deadlines: when accepting resumes, or when a shutdown
// runs out of time. Zero: never.
func (s *Server) wakeAt() time.Time {
	return earliest(s.acceptAt, s.sig.stopAt)
}

// earliest returns the earlier of two times, a zero time meaning never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// timeval is select's timeout for sleeping until wake: nil, forever, if
// wake is zero.
func timeval(wake, now time.Time) *unix.Timeval {
	if wake.IsZero() {
		return nil
	}
	// Round up to the millisecond: waking a little late is fine, but a
	// timeout rounded down to zero would spin the loop until the deadline.
	d := (max(wake.Sub(now), 0) + time.Millisecond - 1).Truncate(time.Millisecond)
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return &tv
}

func (s *Server) setState(c *conn, st state) { s.k.setState(c, st) }

// who names an fd for the trace: "listener", "c1", ...
func (s *Server) who(fd int) string {
	if fd >= 0 && fd < len(s.conns) && s.conns[fd] != nil {
		return trace.Label(s.conns[fd].id)
	}
	return s.selector.who(fd)
}

// listenError says why the server could not start, and what to do.
func listenError(addr string, err error) error {
	var hint string
	switch {
	case errors.Is(err, unix.EADDRINUSE):
		hint = inUseHint(addr)
	case errors.Is(err, unix.EACCES):
		hint = "ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port from 1024 up"
	case errors.Is(err, unix.EADDRNOTAVAIL):
		hint = "that address is not one of this machine's"
	}
	if hint != "" {
		return fmt.Errorf("listen on %s: %w (%s)", addr, err, hint)
	}
	return fmt.Errorf("listen on %s: %w", addr, err)
}

// inUseHint says what to do when addr's port is taken: find out who holds
// it, as conventions.md's servers say, or pick another port, the next one
// say.
func inUseHint(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	port, err := strconv.Atoi(addr[i+1:])
	if i < 0 || err != nil || port < 1 || port >= 65535 {
		return "another process is listening on that port; pick another one, or port 0 to let the kernel choose"
	}
	return fmt.Sprintf("another process is listening on port %d, which ss -ltnp 'sport = :%d' names; pick another port, %s say, or port 0 to let the kernel choose",
		port, port, addr[:i+1]+strconv.Itoa(port+1))
}

// CheckAddr reports what is wrong with addr as Config.Addr, before any
// socket is made: a command can then call it a mistake on its command
// line, not a failure to start.
func CheckAddr(addr string) error {
	_, err := parseAddr(addr)
	return err
}

// parseAddr turns "host:port" into a socket address. An empty host means
// every interface; "localhost" means 127.0.0.1.
func parseAddr(addr string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 || strings.HasPrefix(addr, "[") && !strings.Contains(addr, "]:") {
		return netip.AddrPort{}, fmt.Errorf("address %q: want host:port, e.g. 127.0.0.1:8080 or [::1]:8080", addr)
	}
	host, portStr := addr[:i], addr[i+1:]
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("address %q: port %q is not a number from 0 to 65535", addr, portStr)
	}
	switch host {
	case "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: host %q is not an IP address or localhost", addr, host)
	}
	return netip.AddrPortFrom(ip.WithZone(""), uint16(port)), nil
}
