//go:build linux

package multiplex

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/http10"
	"stepwise/trace"
)

// newServerAt is newServer with a clock the test moves by hand: a deadline
// passes when the test says so, not after a wait.
func newServerAt(t *testing.T, fsys fstest.MapFS, now *time.Time) *testServer {
	t.Helper()
	var buf bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: fsys, Trace: trace.New(&buf, trace.Options{}), Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testServer{s, &buf}
}

// The head deadline counts from accept: a client that keeps sending a
// header line every few seconds still runs out of time, and gets 408.
func TestSlowlorisGets408(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	c := s.dial(t)
	s.turns(t, 1) // accept
	send(t, c, "GET /hello.txt HTTP/1.0\r\n")
	s.turns(t, 1)
	for i := range 3 {
		now = now.Add(3 * time.Second) // 3s, 6s, 9s after accept: still in time
		send(t, c, "X-Slow: "+strings.Repeat("x", i+1)+"\r\n")
		s.turns(t, 1)
		if s.conns[s.fdOf(1)] == nil || s.conns[s.fdOf(1)].state != stateReading {
			t.Fatalf("%v after accept, with bytes still arriving, the connection is no longer reading", now.Sub(clock))
		}
	}
	now = now.Add(1500 * time.Millisecond) // 10.5s: past the 10s head deadline
	s.expire(now)
	s.answered(t)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 408 Request Timeout\r\n") {
		t.Errorf("slowloris client got %q; want 408", got)
	}
	if !strings.Contains(s.log(), "timeout: the request head did not arrive in time") {
		t.Errorf("trace does not say why:\n%s", s.log())
	}
}

// A HEAD cut short gets its 408, or its 400 at end of file, without a
// body, as every other answer to HEAD (RFC 1945, 8.2).
func TestHeadCutShort(t *testing.T) {
	for _, tc := range []struct {
		name, req, status string
		closeWrite        bool
	}{
		{"head too late", "HEAD /hello.txt HTTP/1.0\r\nX: y", "408 Request Timeout", false},
		{"body too late", "HEAD /hello.txt HTTP/1.0\r\nContent-Length: 5\r\n\r\nab", "408 Request Timeout", false},
		{"end of file", "HEAD /hello.txt HTTP/1.0\r\nContent-Length: 5\r\n\r\nab", "400 Bad Request", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := clock
			s := newServerAt(t, site, &now)
			c := s.dial(t)
			send(t, c, tc.req)
			s.turns(t, 1)
			if tc.closeWrite {
				c.(*net.TCPConn).CloseWrite()
				s.turns(t, 1)
			} else {
				now = now.Add(time.Minute)
				s.expire(now)
			}
			s.answered(t)
			got := readAll(t, c)
			if !strings.HasPrefix(got, "HTTP/1.0 "+tc.status+"\r\n") || !strings.HasSuffix(got, "\r\n\r\n") {
				t.Errorf("got %q; want %s with no body", got, tc.status)
			}
		})
	}
}

// A client that connects and says nothing is closed without an answer.
func TestIdleClientClosed(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	c := s.dial(t)
	s.turns(t, 1)
	now = now.Add(DefaultHeadTimeout)
	s.expire(now)
	if s.open() != 0 {
		t.Fatal("idle connection still open after its deadline")
	}
	if got := readAll(t, c); got != "" {
		t.Errorf("idle client got %q; want nothing, just end of file", got)
	}
}

// The body has its own deadline, counted from the end of the head.
func TestBodyTimeout(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	c := s.dial(t)
	s.turns(t, 1)
	now = now.Add(9 * time.Second) // the head arrives just in time
	send(t, c, "POST /echo HTTP/1.0\r\nContent-Length: 10\r\n\r\nabc")
	s.turns(t, 1)
	now = now.Add(20 * time.Second) // 29s after accept: the body deadline is 30s after the head
	s.expire(now)
	if s.open() != 1 {
		t.Fatal("connection closed before the body deadline")
	}
	now = now.Add(11 * time.Second)
	s.expire(now)
	s.answered(t)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 408 Request Timeout\r\n") || !strings.Contains(got, "request body") {
		t.Errorf("client with a late body got %q; want 408 about the body", got)
	}
}

// The write timeout counts from the last bytes the client took, not from
// the start of the answer: a client that keeps taking a big file gets all
// of it, however long that takes in all. Here each turn of the loop comes
// two thirds of a write timeout after the one before.
func TestSteadyReaderGetsItAll(t *testing.T) {
	now := clock
	big := bytes.Repeat([]byte("z"), 4<<20) // 16 turns of writeTurn
	s := newServerAt(t, fstest.MapFS{"big": {Data: big, ModTime: clock}}, &now)
	c := s.dial(t)
	got := make(chan int, 1)
	go func() {
		b, _ := io.ReadAll(c)
		c.Close() // as a client does at end of file: the lingering close ends
		got <- len(b)
	}()
	s.turns(t, 1) // accept
	send(t, c, "GET /big HTTP/1.0\r\n\r\n")
	s.turns(t, 1) // read the request, answer, write the first turn's bytes
	for turns := 0; s.open() > 0; turns++ {
		if turns > 100 {
			t.Fatalf("still open after %d turns:\n%s", turns, s.log())
		}
		now = now.Add(DefaultWriteTimeout * 2 / 3)
		if s.expire(now); s.open() > 0 { // a turn with nothing open would wait for ever
			s.turns(t, 1)
		}
	}
	if n := <-got; n < len(big) {
		t.Errorf("the client got %d bytes; want the head and all %d of the file\n%s", n, len(big), s.log())
	}
}

// A client that stops reading its response is given up on.
func TestSlowReaderClosed(t *testing.T) {
	now := clock
	big := bytes.Repeat([]byte("z"), 16<<20)
	s := newServerAt(t, fstest.MapFS{"big": {Data: big, ModTime: clock}}, &now)
	c := s.dial(t)
	s.turns(t, 1)
	send(t, c, "GET /big HTTP/1.0\r\n\r\n")
	s.turns(t, 2) // read; the first write fills the socket buffers
	now = now.Add(DefaultWriteTimeout)
	s.expire(now)
	if s.open() != 0 {
		t.Fatal("slow reader still connected after the write deadline")
	}
	// The note says how much of the answer was never sent, the file's
	// unread part included: the client gets all that was sent (the close
	// does not reset the connection), and no more.
	_, after, ok := strings.Cut(s.log(), "timeout: in 30s the client has not taken enough of the response to make room for more (")
	if !ok {
		t.Fatalf("trace does not say why:\n%s", s.log())
	}
	var left int
	if _, err := fmt.Sscanf(after, "%d bytes left)", &left); err != nil {
		t.Fatalf("trace does not say how much was left: %v\n%s", err, s.log())
	}
	_, body, _ := strings.Cut(readAll(t, c), "\r\n\r\n")
	if len(body)+left != len(big) {
		t.Errorf("the client got %d bytes of the file and the trace says %d were left; want %d in all\n%s", len(body), left, len(big), s.log())
	}
	c.Close()
}

// lingering starts a server on the clock now whose one client gets an
// early answer (501), reads it, and then neither sends nor closes: the
// server lingers.
func lingering(t *testing.T, now *time.Time) *testServer {
	t.Helper()
	s := newServerAt(t, site, now)
	c := s.dial(t)
	s.turns(t, 1)
	send(t, c, "BREW / HTTP/1.0\r\n\r\n")
	s.answered(t)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 501 ") {
		t.Fatalf("got %q; want 501", got)
	}
	return s
}

// After an early answer the server lingers, but not forever.
func TestLingerEnds(t *testing.T) {
	now := clock
	s := lingering(t, &now)
	now = now.Add(DefaultLingerTimeout)
	s.expire(now)
	if s.open() != 0 {
		t.Fatalf("still lingering after the linger deadline\n%s", s.log())
	}
	// It read the whole answer: the kernel holds none of it (TIOCOUTQ
	// counts at most the FIN), so nothing is lost by closing.
	if want := "timeout: the client has all of the answer and has not closed its side; closing"; !strings.Contains(s.log(), want) {
		t.Errorf("the trace does not say %q:\n%s", want, s.log())
	}
}

// An answer sent before the request was read to its end reaches the
// client: the server shuts its side and reads on instead of closing, which
// would reset the connection (RFC 1945 9.4).
func TestLingeringCloseKeepsTheAnswer(t *testing.T) {
	s := newServer(t, site)
	c := s.dial(t)
	s.turns(t, 1)
	// A body far over the limit: 413 is decided from the head alone.
	send(t, c, "POST /echo HTTP/1.0\r\nContent-Length: 100000000\r\n\r\n")
	send(t, c, strings.Repeat("b", 200<<10)) // the client keeps sending
	s.answered(t)
	got := readAll(t, c) // would fail with ECONNRESET after a plain close
	if !strings.HasPrefix(got, "HTTP/1.0 413 ") {
		t.Errorf("got %q; want 413", got)
	}
	c.Close()
	s.drain(t)
	if !strings.Contains(s.log(), "shutdown(") {
		t.Errorf("trace shows no shutdown:\n%s", s.log())
	}
}

// select sleeps until the nearest deadline, not forever and not less.
func TestSelectTimeoutIsNearestDeadline(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	s.dial(t)
	s.turns(t, 1) // accept: deadline now+10s
	now = now.Add(2500 * time.Millisecond)
	c2 := s.dial(t)
	s.turns(t, 1) // accept c2: deadline now+10s, c1's is 7.5s away
	send(t, c2, "G")
	s.turns(t, 1)
	if want := "{tv_sec=7, tv_nsec=500000000}"; !strings.Contains(lastLine(s.log(), "pselect6("), want) {
		t.Errorf("last select: %s\nwant timeout %s, c1's deadline", lastLine(s.log(), "pselect6("), want)
	}
}

// select's timeout counts from when select is called. A 408 that expire
// answers sets the lingering close's deadline from the clock of that
// moment, later than the turn's start: the select after it waits the
// linger time, not the linger time and what the answer took.
func TestSelectTimedFromNow(t *testing.T) {
	now := clock
	var buf bytes.Buffer
	tick := func() time.Time { now = now.Add(time.Millisecond); return now } // each reading a little later
	srv, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(&buf, trace.Options{}), Now: tick})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	s := &testServer{srv, &buf}
	c := s.dial(t)
	send(t, c, "GET /hello.txt HTTP/1.0\r\nX: y")
	s.turns(t, 1) // accept and read: incomplete
	c.(*net.TCPConn).CloseWrite()
	now = now.Add(DefaultHeadTimeout)
	s.turns(t, 1) // expire: 408, then linger; select finds the client's end of file at once
	line := lastLine(s.log(), "pselect6(")
	var sec, nsec int64
	if _, err := fmt.Sscanf(line[strings.Index(line, "{tv_sec="):], "{tv_sec=%d, tv_nsec=%d}", &sec, &nsec); err != nil || time.Duration(sec)*time.Second+time.Duration(nsec) > DefaultLingerTimeout {
		t.Errorf("select after the 408: %s (%v)\nwant a timeout of at most the linger time, %v", line, err, DefaultLingerTimeout)
	}
}

func lastLine(log, prefix string) string {
	var last string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, prefix) {
			last = l
		}
	}
	return last
}

// select's timeout is rounded up to the millisecond: a deadline less than
// a millisecond away gives a timeout of one, not of zero, which would make
// select return at once and the loop spin until the deadline.
func TestTimevalRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration // from now to the deadline
		want time.Duration
	}{
		{time.Nanosecond, time.Millisecond},
		{999 * time.Microsecond, time.Millisecond},
		{time.Millisecond, time.Millisecond},
		{1500 * time.Microsecond, 2 * time.Millisecond},
		{7500 * time.Millisecond, 7500 * time.Millisecond},
		{-time.Second, 0}, // past: select polls and returns at once
	} {
		tv := timeval(clock.Add(tc.in), clock)
		if got := time.Duration(tv.Nano()); got != tc.want {
			t.Errorf("timeval(now+%v, now) = %v; want %v", tc.in, got, tc.want)
		}
	}
	if tv := timeval(time.Time{}, clock); tv != nil {
		t.Errorf("timeval(no deadline) = %v; want nil, wait for ever", tv)
	}
}

// Out of fds: accept fails with EMFILE, the server stops watching the
// listener for a moment instead of spinning, and accepts again once an fd
// is free.
func TestEMFILE(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	c1 := s.dial(t)
	s.turns(t, 1) // accept c1
	c2 := s.dial(t)
	restore := noMoreFDs(t) // now c2's accept fails
	s.turns(t, 1)
	if !strings.Contains(s.log(), "EMFILE") || !strings.Contains(s.log(), "out of file descriptors") {
		t.Fatalf("trace shows no EMFILE:\n%s", s.log())
	}
	// The next select leaves the listener out and has a timeout.
	send(t, c1, "GET /hello.txt HTTP/1.0\r\n\r\n")
	s.turns(t, 1)
	line := lastLine(s.log(), "pselect6(")
	if strings.Contains(line, "=listener") || !strings.Contains(line, "tv_nsec=100000000") {
		t.Errorf("select after EMFILE: %s\nwant the listener left out and a 100ms timeout", line)
	}
	// c1 is answered and closed: an fd is free, and c2 is accepted.
	s.answered(t)
	readAll(t, c1)
	restore()
	send(t, c2, "GET /hello.txt HTTP/1.0\r\n\r\n")
	s.turns(t, 1) // accept c2
	s.answered(t)
	if got := readAll(t, c2); !strings.HasPrefix(got, "HTTP/1.0 200 OK") {
		t.Errorf("client accepted after EMFILE got %q; want 200", got)
	}
}

// SIGINT: the listener closes, the response in flight finishes, Serve
// stops. A second one stops at once.
func TestShutdown(t *testing.T) {
	s := newServer(t, site)
	c1 := s.dial(t)
	s.turns(t, 1)
	idle := s.dial(t)
	s.turns(t, 1)
	send(t, c1, "GET /hello.txt HTTP/1.0\r\n") // in flight: half a request
	s.turns(t, 1)
	s.Interrupt(os.Interrupt)
	s.turns(t, 1)
	if s.fd != -1 {
		t.Fatal("listener still open after SIGINT")
	}
	if got := readAll(t, idle); got != "" {
		t.Errorf("idle client got %q; want it closed with nothing", got)
	}
	if s.stopped() {
		t.Fatal("stopped with a request in flight")
	}
	send(t, c1, "\r\n")
	s.answered(t)
	if got := readAll(t, c1); !strings.HasPrefix(got, "HTTP/1.0 200 OK") {
		t.Errorf("request in flight got %q; want 200", got)
	}
	s.drain(t)
	if !s.stopped() || s.sig.err != nil {
		t.Errorf("after the last response: stopped %v, err %v; want true, nil", s.stopped(), s.sig.err)
	}
	if log := s.log(); !strings.Contains(log, "--- SIGINT {si_signo=SIGINT, ...} ---") || !strings.Contains(log, "shutting down") {
		t.Errorf("trace does not show the signal:\n%s", log)
	}

	s2 := newServer(t, site)
	c := s2.dial(t)
	s2.turns(t, 1)
	send(t, c, "GET /hello.txt HTTP/1.0\r\n")
	s2.turns(t, 1)
	s2.Interrupt(os.Interrupt)
	s2.Interrupt(os.Interrupt)
	s2.turns(t, 1)
	if !s2.stopped() || !errors.Is(s2.sig.err, ErrForced) {
		t.Errorf("after two signals: stopped %v, err %v; want true, ErrForced", s2.stopped(), s2.sig.err)
	}
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Errorf("client of a forced stop got %q; want nothing", b)
	}
}

// After SIGINT, a connection still open when ShutdownTimeout is up is
// closed and the server stops, though the connection's own deadline is
// further off: the shutdown deadline is the server's promise.
func TestShutdownDeadline(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	c := s.dial(t)
	s.turns(t, 1)                             // accept: the head deadline is 10s away
	send(t, c, "GET /hello.txt HTTP/1.0\r\n") // in flight: half a request
	s.turns(t, 1)
	s.Interrupt(os.Interrupt)
	s.turns(t, 1)
	if s.stopped() {
		t.Fatal("stopped at once with a request in flight")
	}
	now = now.Add(DefaultShutdownTimeout - time.Millisecond)
	if s.stopped() {
		t.Fatal("stopped before the shutdown deadline")
	}
	now = now.Add(time.Millisecond) // 5s after the signal; 5s before the head deadline
	if !s.stopped() {
		t.Fatalf("still serving at the shutdown deadline:\n%s", s.log())
	}
	if !strings.Contains(s.log(), "shutdown deadline: closing 1 connection still open") {
		t.Errorf("the trace does not say why the connection was closed:\n%s", s.log())
	}
	if got := readAll(t, c); got != "" {
		t.Errorf("the client in flight got %q; want the connection closed", got)
	}
}

// After SIGINT, when the last connection ends by its own deadline (here
// a lingering close), the server stops at once: it does not select again,
// with nothing left to wait for, until the shutdown deadline.
func TestShutdownAfterLastTimeout(t *testing.T) {
	now := clock
	s := lingering(t, &now)
	s.Interrupt(os.Interrupt)
	s.turns(t, 1)
	if s.stopped() {
		t.Fatal("stopped with a connection lingering")
	}
	now = now.Add(DefaultLingerTimeout) // the linger is over; the shutdown deadline is 3s away
	start := time.Now()
	s.turns(t, 1)
	if !s.stopped() {
		t.Fatalf("not stopped once the last connection closed\n%s", s.log())
	}
	log := s.log()
	if after := log[strings.LastIndex(log, "draining -> closed"):]; strings.Contains(after, "pselect6") || time.Since(start) > time.Second {
		t.Errorf("selected again after the last connection closed, in %v:\n%s", time.Since(start), after)
	}
}

// A listener whose fd would not fit in select's fd_set is refused at once,
// with a reason, rather than panicking in the first turn.
func TestListenPastFDSetSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		fill int // every fd below fill-1 taken, fill-1 too
	}{
		{"socket past FD_SETSIZE", unix.FD_SETSIZE + 1},
		// The socket gets FD_SETSIZE-1, the last that fits; the signal
		// pipe's read end FD_SETSIZE, the first that does not.
		{"pipe at FD_SETSIZE", unix.FD_SETSIZE - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			openRuntimePoller() // its fds now, not between the socket and the pipe
			openFDs(t)
			fillFDs(t, tc.fill)
			before := openFDs(t)
			_, err := Listen(Config{Addr: "127.0.0.1:0", FS: site})
			if err == nil || !strings.Contains(err.Error(), "does not fit in select's fd_set") {
				t.Errorf("Listen with fds up to %d taken: %v; want an error about the fd_set", tc.fill-1, err)
			}
			if after := openFDs(t); after != before {
				t.Errorf("open fds: %d before Listen, %d after its failure; want no change", before, after)
			}
		})
	}
}

// A request that arrives in the same turn as SIGINT is read and answered,
// not closed as a silent connection.
func TestSignalWithRequest(t *testing.T) {
	s := newServer(t, site)
	c := s.dial(t)
	s.turns(t, 1) // accept: connected, nothing sent yet
	send(t, c, "GET /hello.txt HTTP/1.0\r\n\r\n")
	s.Interrupt(os.Interrupt) // both ready in the next select
	s.turns(t, 1)
	s.answered(t)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 200 OK") {
		t.Errorf("request sent with SIGINT got %q; want 200", got)
	}
}

// Out of fds, an existing file is 503 (http10.ErrUnavailable), not 404.
func TestRootOutOfFDs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/a.txt", []byte("a"), 0o644)
	r, err := OpenRoot(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	restore := noMoreFDs(t)
	_, err = r.Open("a.txt")
	restore()
	if !errors.Is(err, http10.ErrUnavailable) || !errors.Is(err, unix.EMFILE) && !strings.Contains(err.Error(), "too many open files") {
		t.Errorf("Open out of fds: %v; want EMFILE as http10.ErrUnavailable", err)
	}
}

// Once a pause in accepting (after running out of fds) is over, select
// watches the listener again and no longer wakes for the pause: with no
// client to wait for, it sleeps until something happens, not for 0 s.
func TestAcceptPauseOver(t *testing.T) {
	for _, ago := range []time.Duration{time.Second, 0} { // over a second ago, and over just now
		s := newServer(t, site)
		s.acceptAt = clock.Add(-ago)
		s.dial(t) // so that the turn's select returns
		s.turns(t, 1)
		want := fmt.Sprintf("[%d %d], [], NULL, NULL, NULL)", min(s.fd, s.sig.r), max(s.fd, s.sig.r))
		if !strings.Contains(s.log(), want) {
			t.Errorf("the first select after a pause that ended %v ago: want the listener watched and no timeout, %q:\n%s", ago, want, s.log())
		}
	}
}

// The same with the listener closed (a shutdown under way): a pause that is
// over no longer wakes select at once, turn after turn, while a client is
// still being served.
func TestAcceptPauseOverAfterClose(t *testing.T) {
	s := newServer(t, site)
	c := s.dial(t)
	s.turns(t, 1) // accept: the request is not there yet
	s.acceptAt = clock.Add(-time.Second)
	s.closeListener()
	send(t, c, "GET /hello.txt HTTP/1.0\r\n\r\n")
	s.turns(t, 1)
	if strings.Contains(s.log(), "{tv_sec=0, tv_nsec=0}") {
		t.Errorf("select woke at once for a pause that is over:\n%s", s.log())
	}
	if !strings.Contains(s.log(), "{tv_sec=10, tv_nsec=0}") {
		t.Errorf("select's timeout: want the client's 10 s head deadline:\n%s", s.log())
	}
}

// A signal that interrupts a blocking model's read does not give the
// client its time again: the read after it waits only for the time left,
// and a deadline that passed meanwhile is met with 408. (The read was
// once made again with the same SO_RCVTIMEO, so after a stop and a
// continue, say, a client could hold the server a whole timeout more.)
func TestBlockingReadAfterSignal(t *testing.T) {
	resp, tr := readInterruptedLate(t, "GET /hello.txt HTTP/1.0\r\n") // half a head: the server reads on
	if !strings.HasPrefix(resp, "HTTP/1.0 408 ") {
		t.Errorf("after the deadline passed during an interrupted read, the answer is %q; want 408\n%s", strings.SplitN(resp, "\r\n", 2)[0], tr)
	}
}

// A client that has sent nothing when its deadline passes during an
// interrupted read is closed without a word, as when the read runs out
// of time (EAGAIN), and as the select loop closes one: no 408 for a
// request that never began.
func TestBlockingSilentReadAfterSignal(t *testing.T) {
	resp, tr := readInterruptedLate(t, "")
	if resp != "" || !strings.Contains(tr, "sent nothing; closing") {
		t.Errorf("a client that sent nothing, its deadline passed during an interrupted read, got %q; want a close without an answer\n%s", resp, tr)
	}
}

// readInterruptedLate has a client send sent to a blocking model, which
// gives the head an hour; once the server sleeps in read, the hour passes
// and a signal interrupts the read. It returns what the client read and
// the trace, which must show the interrupted read.
func readInterruptedLate(t *testing.T, sent string) (resp, tr string) {
	t.Helper()
	var mu sync.Mutex
	now := clock
	var out bytes.Buffer
	b, err := ListenBlocking(Config{Addr: "127.0.0.1:0", FS: site, HeadTimeout: time.Hour,
		Trace: trace.New(&out, trace.Options{}), Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.closeListener()
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if sent != "" {
		send(t, c, sent)
	}
	conn, _ := b.accept()
	if conn == nil {
		t.Fatal("no connection accepted")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(b.cfg, b.k, site, conn)
	}()
	tid := blockedInRead(t, conn.fd)
	mu.Lock()
	now = now.Add(2 * time.Hour) // the head's hour is up
	mu.Unlock()
	// SIGURG: the Go runtime's own signal, which it ignores unless it asked
	// for it. The read was given an hour, so only the time left, worked
	// out again, ends it now.
	if err := unix.Tgkill(unix.Getpid(), tid, unix.SIGURG); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(time.Minute)) // fail, not hang, if the read waits its hour again
	resp = readAll(t, c)
	c.Close() // what the lingering close after a 408 waits for
	<-done
	b.k.t.Flush()
	if !strings.Contains(out.String(), "= -1 EINTR") {
		t.Errorf("the trace does not show the interrupted read:\n%s", out.String())
	}
	return resp, out.String()
}

// blockedInRead waits until a thread of this process is asleep in read(2)
// on fd, and returns its id.
func blockedInRead(t *testing.T, fd int) int {
	t.Helper()
	want := fmt.Sprintf("%d 0x%x ", unix.SYS_READ, fd)
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(time.Millisecond) {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/syscall")
			if err == nil && strings.HasPrefix(string(b), want) {
				tid, _ := strconv.Atoi(task.Name())
				return tid
			}
		}
	}
	t.Fatalf("no thread blocked in read(%d) after a minute", fd)
	return 0
}

// SIGCONT, which the process gets when it goes on after a stop (Ctrl-Z,
// then fg), wakes a select that waits for a deadline, and does not ask the
// server to stop: it goes on accepting, and a deadline that passed while
// it was stopped is met at once. (A stop does not end select with EINTR:
// the kernel makes the call again with the time that was left, so without
// the wake-up the 408 came that much late.) An idle server's select, which
// waits for no deadline, is not woken.
func TestSIGCONTWakesWithoutStopping(t *testing.T) {
	now := clock
	s := newServerAt(t, site, &now)
	s.Interrupt(unix.SIGCONT) // idle, and not even in select: nothing to wake
	c := s.dial(t)
	s.turns(t, 1) // accept
	send(t, c, "GET /hello.txt HTTP/1.0\r\n")
	s.turns(t, 1)
	// The next select waits for c1's head deadline, 10 s away: SIGCONT
	// comes while it does.
	done := make(chan error)
	go func() { done <- s.turn() }()
	for !s.sig.timed.Load() {
		select {
		case err := <-done: // its 10 s ran out, with no sign that it waited for a deadline
			t.Fatalf("select returned (%v) and never said it waited for a deadline:\n%s", err, s.log())
		default:
		}
		runtime.Gosched()
	}
	s.Interrupt(unix.SIGCONT)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.fd < 0 || s.sig.count != 0 || s.stopped() {
		t.Fatalf("after SIGCONT: listener fd %d, signals counted %d; want the server still serving\n%s", s.fd, s.sig.count, s.log())
	}
	now = now.Add(time.Minute) // it had been stopped for a minute
	s.expire(now)
	s.answered(t)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 408 Request Timeout\r\n") {
		t.Errorf("client whose deadline passed during the stop got %q; want 408", got)
	}
	c.Close()
	s.drain(t)
	if got := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") {
		t.Errorf("after SIGCONT a new client got %q; want 200", got)
	}
	log := s.log()
	if !strings.Contains(log, "--- SIGCONT {si_signo=SIGCONT, ...} ---") || !strings.Contains(log, "checks every deadline against the clock now") {
		t.Errorf("trace does not show SIGCONT and what it did:\n%s", log)
	}
	if n := strings.Count(log, "--- SIGCONT"); n != 1 {
		t.Errorf("trace shows SIGCONT %d times; want once, for the select that waited for a deadline:\n%s", n, log)
	}
}
