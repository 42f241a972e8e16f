//go:build linux

package multiplex

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

// watcher is the step prompt's input in this test: each time the server
// asks for a command, it notes the step the server is paused before and
// whether the client has received anything yet, then answers "s".
type watcher struct {
	t      *testing.T
	prompt *bytes.Buffer // what the stepper said
	client net.Conn
	seen   []pauseSeen
}

type pauseSeen struct {
	next     string // the line after "next: "
	answered bool   // the client had bytes to read
}

func (w *watcher) Read(p []byte) (int, error) {
	said := w.prompt.String()
	i := strings.LastIndex(said, "next: ")
	next, _, _ := strings.Cut(said[i+len("next: "):], "\n")
	w.seen = append(w.seen, pauseSeen{next, w.client != nil && readable(w.t, w.client)})
	return copy(p, "s\n"), nil
}

func (w *watcher) Discard() error { return nil }

func (w *watcher) Wait(time.Duration) (bool, error) { return false, nil }

// readable asks, without waiting, whether c has bytes to read.
func readable(t *testing.T, c net.Conn) bool {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	raw.Control(func(fd uintptr) {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, _ = unix.Poll(p, 0)
	})
	return n > 0
}

// While the server is paused at the step prompt, it does nothing: the
// client gets no answer until the write is stepped over.
func TestStepHoldsTheServer(t *testing.T) {
	var prompt bytes.Buffer
	w := &watcher{t: t, prompt: &prompt}
	st, err := trace.NewStepper(trace.StepOptions{In: w, Out: &prompt})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(io.Discard, trace.Options{Stepper: st}), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s, &bytes.Buffer{}}
	t.Cleanup(func() { s.Close() })
	c := ts.dial(t)
	w.client = c
	ts.turns(t, 1) // accept
	send(t, c, "GET /hello.txt HTTP/1.0\r\n\r\n")
	ts.answered(t)

	write := -1
	for i, p := range w.seen {
		if strings.HasPrefix(p.next, "write(") {
			write = i
			break
		}
		if p.answered {
			t.Errorf("pause %d (before %s): the client already has an answer", i, p.next)
		}
	}
	switch {
	case write < 0:
		t.Fatalf("never paused before the write; pauses: %v", w.seen)
	case w.seen[write].answered:
		t.Errorf("paused before the write, yet the client already has an answer")
	case write+1 >= len(w.seen) || !w.seen[write+1].answered:
		t.Errorf("the step after the write: the client still has no answer; pauses: %v", w.seen[write:])
	}
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 200 OK") {
		t.Errorf("stepped client got %q; want 200", got)
	}
	if !strings.Contains(prompt.String(), "the whole server is waiting for you") {
		t.Errorf("the prompt does not say the server waits:\n%s", prompt.String())
	}
}

// slowClass is a step prompt where each answer takes the class 20 seconds
// of the clock both the stepper and the server read.
type slowClass struct{ now *time.Time }

func (c slowClass) Read(p []byte) (int, error) {
	*c.now = c.now.Add(20 * time.Second)
	return copy(p, "s\n"), nil
}

func (slowClass) Discard() error { return nil }

func (slowClass) Wait(time.Duration) (bool, error) { return false, nil }

// Time spent at the step prompt does not count towards deadlines: a
// request stepped through slowly, far past its 10 s head deadline by the
// clock, is answered, not timed out.
func TestStepClockStops(t *testing.T) {
	now := clock
	tick := func() time.Time { return now }
	st, err := trace.NewStepper(trace.StepOptions{In: slowClass{&now}, Now: tick})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(io.Discard, trace.Options{Stepper: st}), Now: tick})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s, &bytes.Buffer{}}
	t.Cleanup(func() { s.Close() })
	c := ts.dial(t)
	ts.turns(t, 1)
	send(t, c, "GET /hello.txt HTTP/1.0\r\n\r\n")
	ts.answered(t)
	if now.Sub(clock) < time.Minute {
		t.Fatalf("the class spent only %v at the prompt; the test wants well over the 10 s deadline", now.Sub(clock))
	}
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 200 OK") {
		t.Errorf("after %v at the prompt the client got %q; want 200, not a timeout", now.Sub(clock), got)
	}
}

// quitAt is a step prompt's input that answers q before the call named,
// and s before any other step.
type quitAt struct {
	prompt *bytes.Buffer // what the stepper said
	call   string
}

func (q quitAt) Read(p []byte) (int, error) {
	said := q.prompt.String()
	if strings.HasPrefix(said[strings.LastIndex(said, "next: ")+len("next: "):], q.call+"(") {
		return copy(p, "q\n"), nil
	}
	return copy(p, "s\n"), nil
}

func (quitAt) Discard() error { return nil }

func (quitAt) Wait(time.Duration) (bool, error) { return false, nil }

func quitTrace(t *testing.T, call string, out *bytes.Buffer) *trace.Tracer {
	t.Helper()
	var prompt bytes.Buffer
	st, err := trace.NewStepper(trace.StepOptions{In: quitAt{&prompt, call}, Out: &prompt})
	if err != nil {
		t.Fatal(err)
	}
	return trace.New(out, trace.Options{Stepper: st})
}

// q at a prompt while the server gets ready stops it there: that step is
// made, no later one, and what was opened is closed, in both kinds of
// listener. (Once, the server made every step and began to serve.)
func TestQuitWhileGettingReady(t *testing.T) {
	steps := []string{"socket", "setsockopt", "bind", "listen", "getsockname", "pipe2"}
	for i, call := range steps {
		for _, blocking := range []bool{false, true} {
			if blocking && call == "pipe2" {
				continue // the blocking models have no signal pipe
			}
			t.Run(call+map[bool]string{false: "/select", true: "/blocking"}[blocking], func(t *testing.T) {
				fds := openFDs(t)
				var out bytes.Buffer
				cfg := Config{Addr: "127.0.0.1:0", FS: site, Trace: quitTrace(t, call, &out)}
				var err error
				if blocking {
					_, err = ListenBlocking(cfg)
				} else {
					_, err = Listen(cfg)
				}
				tr := "\n" + out.String() // every line starts after a line feed
				if err != ErrQuit || !strings.Contains(tr, "\n"+call+"(") || !strings.Contains(tr, "quit at the step prompt before serving: closing ") {
					t.Fatalf("q before %s: %v; want ErrQuit, the call made, and a note; trace:\n%s", call, err, tr)
				}
				for _, later := range steps[i+1:] {
					if strings.Contains(tr, "\n"+later+"(") {
						t.Errorf("q before %s, yet %s was made:\n%s", call, later, tr)
					}
				}
				if after := openFDs(t); after != fds {
					t.Errorf("%d fds open after q; want %d, as before:\n%s", after, fds, tr)
				}
			})
		}
	}
}

// q at the prompt of -root's openat, the first step of all, stops the
// server before its first socket: Listen makes no call, in either kind of
// listener. (Once, it made the socket, and closed it at once.)
func TestQuitBeforeListening(t *testing.T) {
	for _, blocking := range []bool{false, true} {
		var out bytes.Buffer
		tr := quitTrace(t, "openat", &out)
		root, err := OpenRoot(t.TempDir(), tr)
		if err != nil {
			t.Fatal(err)
		}
		fds := openFDs(t)
		cfg := Config{Addr: "127.0.0.1:0", FS: root, Trace: tr}
		if blocking {
			_, err = ListenBlocking(cfg)
		} else {
			_, err = Listen(cfg)
		}
		if got := "\n" + out.String(); err != ErrQuit || !strings.Contains(got, "\nopenat(") || strings.Contains(got, "\nsocket(") {
			t.Errorf("q before openat, then Listen (blocking %v): %v; want ErrQuit, and no socket made; trace:\n%s", blocking, err, got)
		}
		if after := openFDs(t); after != fds {
			t.Errorf("%d fds open after Listen; want %d, as before:\n%s", after, fds, out.String())
		}
		root.Close()
	}
}

// q at the prompt before select stops the server without making the call,
// which could sleep until the next client comes: a client already waiting
// is not accepted, and the trace shows no select.
func TestQuitBeforeSelect(t *testing.T) {
	var out bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: quitTrace(t, "pselect6", &out), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	(&testServer{s, &out}).dial(t) // in the backlog: a select made would return at once
	if err := s.Serve(); err != nil {
		t.Fatalf("Serve after q: %v", err)
	}
	if s.lastID != 0 || strings.Contains(out.String(), "pselect6(") {
		t.Errorf("after q before select: %d connections accepted; want none, and no select in the trace:\n%s", s.lastID, out.String())
	}
	if !strings.Contains(out.String(), "quit at the step prompt") {
		t.Errorf("the trace does not say why the server stopped:\n%s", out.String())
	}
}

// In the blocking model, q before accept stops the server without making
// the call, which would sleep until the next client.
func TestQuitBeforeAccept(t *testing.T) {
	var out bytes.Buffer
	b, err := ListenBlocking(Config{Addr: "127.0.0.1:0", FS: site, Trace: quitTrace(t, "accept4", &out), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The client in the backlog: an accept made would return it at once.
	if conn, _ := b.accept(); conn != nil || b.lastID != 0 {
		t.Fatalf("after q before accept: connection c%d accepted; want none:\n%s", b.lastID, out.String())
	}
	if err := b.Serve(); err != nil { // q was typed: it stops at once
		t.Fatalf("Serve after q: %v", err)
	}
	if b.lastID != 0 || b.fd != -1 {
		t.Errorf("Serve after q: %d connections accepted, listener fd %d; want none, and the listener closed:\n%s", b.lastID, b.fd, out.String())
	}
	if !strings.Contains(out.String(), "quit at the step prompt") {
		t.Errorf("the trace does not say why the server stopped:\n%s", out.String())
	}
}
