//go:build linux

package multiplex

import (
	"errors"
	"fmt"
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
)

// Config says what a Server serves, where, and who watches.
type Config struct {
	Addr   string           // "host:port"; port 0 lets the kernel choose
	FS     fs.FS            // the files to serve
	Trace  *trace.Tracer    // nil: no trace
	Limits http10.Limits    // zero fields: http10's defaults
	Now    func() time.Time // the clock for Date headers; nil: time.Now
}

// A Server is one listening socket and the connections accepted from it,
// all served by one goroutine calling select.
type Server struct {
	cfg      Config
	k        sys
	fd       int    // the listening socket
	addr     string // its real address, "127.0.0.1:8080"
	conns    [unix.FD_SETSIZE]*conn
	top      int       // one past the highest fd in conns
	lastID   int       // the id of the last connection accepted
	acceptAt time.Time // after running out of fds: do not accept before this
	buf      [readBufSize]byte
}

// Listen creates the listening socket: socket, setsockopt, bind, listen.
func Listen(cfg Config) (*Server, error) {
	sa, err := parseAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, fd: -1}
	s.k = sys{t: cfg.Trace, who: s.who}
	family := unix.AF_INET
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		family = unix.AF_INET6
	}
	if s.fd, err = s.k.socket(family); err != nil {
		return nil, err
	}
	err = s.k.reuseAddr(s.fd)
	if err == nil {
		err = s.k.bind(s.fd, sa)
	}
	if err == nil {
		err = s.k.listen(s.fd, backlog)
	}
	if err == nil {
		sa, err = s.k.getsockname(s.fd)
	}
	if err != nil {
		s.k.close(s.fd, 0)
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s.addr = addrString(sa)
	return s, nil
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// Addr returns the address the server listens on, with the real port.
func (s *Server) Addr() string { return s.addr }

// Serve runs the server until select itself fails. Every accept, read,
// write and close happens here, on one goroutine, one turn at a time.
//
// Serve also locks that goroutine to its OS thread. Otherwise the Go
// scheduler may resume it on another thread after each blocking call, and
// strace -f would show the loop hopping between threads; locked, it shows
// what the loop is: one thread.
func (s *Server) Serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		if err := s.turn(); err != nil {
			return err
		}
	}
}

// turn is one trip around the loop: ask select which fds are ready, then
// serve them.
func (s *Server) turn() error {
	// 1. Rebuild the sets: select overwrote last turn's (select_tut(2)).
	var readable, writable unix.FdSet
	maxfd := -1
	if s.accepting() {
		readable.Set(s.fd)
		maxfd = s.fd
	}
	for fd, c := range s.conns[:s.top] { // indexed by fd: lowest first
		switch {
		case c == nil:
			continue
		case c.state == stateReading:
			readable.Set(fd)
		case c.state == stateWriting:
			writable.Set(fd)
		}
		maxfd = max(maxfd, fd)
	}
	// 2. Sleep until the kernel says at least one fd is ready.
	if _, err := s.k.pselect(maxfd+1, &readable, &writable, s.timeout()); err != nil {
		return err
	}
	// 3. Serve each ready fd once, lowest number first.
	if readable.IsSet(s.fd) {
		s.accept()
	}
	for fd := 0; fd <= maxfd; fd++ {
		switch c := s.conns[fd]; {
		case c == nil:
		case readable.IsSet(fd):
			s.read(c)
		case writable.IsSet(fd):
			s.write(c)
		}
	}
	return nil
}

// accept takes one waiting connection off the listener.
func (s *Server) accept() {
	fd, sa, err := s.k.accept(s.fd, s.lastID+1)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ECONNABORTED):
		return // the client gave up before we got to it: nothing to do
	case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE), errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
		// The listener would stay readable and select would return at once,
		// forever: stop watching it for a moment instead.
		s.acceptAt = time.Now().Add(acceptPause)
		s.note(0, "out of file descriptors: not accepting for %v, or until a connection closes", acceptPause)
		return
	case err != nil:
		return // traced by accept; the listener is still fine
	}
	s.lastID++
	c := &conn{fd: fd, id: s.lastID, peer: addrString(sa)}
	if fd >= len(s.conns) {
		s.refuse(c)
		return
	}
	s.conns[fd] = c
	s.top = max(s.top, fd+1)
	if s.k.t.On() {
		s.k.t.Emit(trace.Event{Kind: trace.State, Conn: c.id, Text: "new connection from " + c.peer + " -> " + stateReading.String()})
	}
}

// refuse answers a connection whose fd is too big for select's fd_set
// (FdSet.Set would panic, and nfds > FD_SETSIZE overruns it) with a 503,
// in one write that a fresh socket's buffer always takes, and closes it.
func (s *Server) refuse(c *conn) {
	msg := fmt.Sprintf("server full: fd %d does not fit in select's fd_set (FD_SETSIZE %d)", c.fd, unix.FD_SETSIZE)
	s.note(c.id, "%s", msg)
	resp := http10.Refuse(&http10.ProtocolError{Status: http10.StatusServiceUnavailable, Msg: msg}, false, s.now())
	s.narrateResponse(c, resp)
	s.k.write(c.fd, c.id, resp.Append(nil))
	s.k.close(c.fd, c.id)
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
	case n == 0:
		s.note(c.id, "end of file: the client closed its side before the request was complete")
		s.close(c)
		return
	}
	c.in = append(c.in, s.buf[:n]...)
	s.parse(c)
}

// parse runs the parser over everything received so far. A complete or
// refused request gets its response queued in c.out; otherwise the loop
// waits for more bytes.
func (s *Server) parse(c *conn) {
	req, n, err := http10.ParseRequest(c.in, s.cfg.Limits)
	var resp *http10.Response
	switch {
	case err != nil:
		s.narrateRefusal(c, err)
		resp = http10.Refuse(err, false, s.now())
	case req == nil:
		s.note(c.id, "request incomplete after %d bytes: waiting for more", len(c.in))
		return
	default:
		s.narrateRequest(c, req, len(c.in)-n)
		resp = http10.Respond(s.cfg.FS, req, s.now())
		s.note(c.id, "%s", resp.Note)
	}
	s.narrateResponse(c, resp)
	c.out = resp.Append(nil)
	c.in = nil
	s.setState(c, stateWriting)
}

// write sends as much of the response as the socket takes.
func (s *Server) write(c *conn) {
	n, err := s.k.write(c.fd, c.id, c.out)
	switch {
	case errors.Is(err, unix.EAGAIN):
		return
	case err != nil:
		s.close(c) // EPIPE or ECONNRESET: the client left; traced by write
		return
	}
	c.out = c.out[n:]
	if len(c.out) > 0 {
		s.note(c.id, "partial write: %d bytes sent, %d left for when the socket drains", n, len(c.out))
		return
	}
	s.close(c) // HTTP/1.0: the server closes after each response
}

// close closes a connection and forgets it.
func (s *Server) close(c *conn) {
	s.k.close(c.fd, c.id)
	s.conns[c.fd] = nil
	for s.top > 0 && s.conns[s.top-1] == nil {
		s.top--
	}
	s.setState(c, stateClosed)
	s.acceptAt = time.Time{} // an fd is free: accepting may work again
}

// Close closes the listener and every open connection.
func (s *Server) Close() error {
	for _, c := range s.conns[:s.top] {
		if c != nil {
			s.close(c)
		}
	}
	err := s.k.close(s.fd, 0)
	s.k.t.Flush()
	return err
}

// accepting reports whether the listener belongs in this turn's read set.
func (s *Server) accepting() bool {
	if !s.acceptAt.IsZero() && time.Now().Before(s.acceptAt) {
		return false
	}
	s.acceptAt = time.Time{}
	return true
}

// timeout is how long select may sleep: until accepting resumes, or
// forever.
func (s *Server) timeout() *unix.Timeval {
	if s.acceptAt.IsZero() {
		return nil
	}
	tv := unix.NsecToTimeval(max(time.Until(s.acceptAt), 0).Nanoseconds())
	return &tv
}

func (s *Server) setState(c *conn, st state) {
	if s.k.t.On() {
		s.k.t.Emit(trace.Event{Kind: trace.State, Conn: c.id, Text: c.state.String() + " -> " + st.String()})
	}
	c.state = st
}

// who names an fd for the trace: "listener", "c1", ...
func (s *Server) who(fd int) string {
	if fd == s.fd {
		return "listener"
	}
	if fd >= 0 && fd < len(s.conns) && s.conns[fd] != nil {
		return trace.Label(s.conns[fd].id)
	}
	return "?"
}

// parseAddr turns "host:port" into a socket address. An empty host means
// every interface; "localhost" means 127.0.0.1.
func parseAddr(addr string) (unix.Sockaddr, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return nil, fmt.Errorf("address %q: want host:port, e.g. 127.0.0.1:8080", addr)
	}
	host, portStr := addr[:i], addr[i+1:]
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("address %q: port %q is not a number from 0 to 65535", addr, portStr)
	}
	switch host {
	case "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return nil, fmt.Errorf("address %q: host %q is not an IP address or localhost", addr, host)
	}
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: ip.As4()}, nil
	}
	return &unix.SockaddrInet6{Port: port, Addr: ip.As16()}, nil
}

func addrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return "?"
}
