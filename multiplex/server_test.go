//go:build linux

package multiplex

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// The tests below drive the server one turn at a time from the test's own
// goroutine. A client's blocking connect completes through the listen
// backlog and its small writes land in the socket buffer, so no goroutine
// is needed: the test sends, then runs the turns that answer.

var clock = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

var site = fstest.MapFS{
	"index.html":      {Data: []byte("<h1>hi</h1>\n"), ModTime: clock.Add(-time.Hour)},
	"hello.txt":       {Data: []byte("hello\n"), ModTime: clock.Add(-time.Hour)},
	"docs/index.html": {Data: []byte("<p>docs</p>\n"), ModTime: clock.Add(-time.Hour)},
}

type testServer struct {
	*Server
	buf *bytes.Buffer
}

// log returns the trace so far.
func (s *testServer) log() string {
	s.k.t.Flush()
	return s.buf.String()
}

func newServer(t *testing.T, fsys fs.FS) *testServer {
	t.Helper()
	var buf bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: fsys, Trace: trace.New(&buf, trace.Options{}), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testServer{s, &buf}
}

func (s *testServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// turns runs n turns of the loop.
func (s *testServer) turns(t *testing.T, n int) {
	t.Helper()
	for range n {
		if err := s.turn(); err != nil {
			t.Fatalf("turn: %v", err)
		}
	}
}

// drain runs turns until the server holds no connection.
func (s *testServer) drain(t *testing.T) {
	t.Helper()
	for s.open() > 0 {
		s.turns(t, 1)
	}
}

func send(t *testing.T, c net.Conn, b string) {
	t.Helper()
	if _, err := io.WriteString(c, b); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// get sends one request on a new connection and returns the response.
// Like a real client it reads to end of file and then closes, which is
// what a lingering close waits for.
func (s *testServer) get(t *testing.T, req string) string {
	t.Helper()
	c := s.dial(t)
	send(t, c, req)
	s.turns(t, 1) // accept, and read the request at once
	s.answered(t)
	resp := readAll(t, c)
	c.Close()
	s.drain(t)
	return resp
}

// answered runs turns until the server has sent every answer: each
// connection is closed, or draining after a lingering close.
func (s *testServer) answered(t *testing.T) {
	t.Helper()
	for {
		waiting := false
		for _, c := range s.conns[:s.top] {
			waiting = waiting || c != nil && c.state != stateDraining
		}
		if !waiting {
			return
		}
		s.turns(t, 1)
	}
}

// normalise replaces what changes from run to run (fd numbers, ports) in
// a trace, so it can be compared with a golden file. Fds are renumbered in
// the order they first appear: the listener becomes 3, the first accepted
// connection 4, and so on (the kernel's own numbers depend on what else
// the test process has open, such as its clients' sockets).
func normalise(trace string) string {
	fds := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:(?:socket|accept4)\(.*\) = (\d+)|pipe2\(\[(\d+), (\d+)\])`).FindAllStringSubmatch(trace, -1) {
		for _, n := range m[1:] {
			if _, ok := fds[n]; n != "" && !ok {
				fds[n] = strconv.Itoa(3 + len(fds))
			}
		}
	}
	fd := func(s string) string {
		if n, ok := fds[s]; ok {
			return n
		}
		return s
	}
	trace = regexp.MustCompile(`htons\(\d+\)`).ReplaceAllString(trace, "htons(PORT)")
	trace = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(trace, "127.0.0.1:PORT")
	// The time select had left when it returned is the kernel's, measured
	// on the real clock: rounded to the nearest second, as the lessons'
	// transcripts round it (a whole-second timeout with a few µs gone
	// shows as the whole timeout).
	trace = regexp.MustCompile(`left \{tv_sec=(\d+), tv_nsec=(\d+)\}`).ReplaceAllStringFunc(trace, func(s string) string {
		var sec, nsec int64
		fmt.Sscanf(s, "left {tv_sec=%d, tv_nsec=%d}", &sec, &nsec)
		if nsec >= 500_000_000 {
			sec++
		}
		return "left {tv_sec=" + strconv.FormatInt(sec, 10) + ", tv_nsec=0}"
	})
	// The fd each call acts on, and the fd socket and accept4 return.
	trace = regexp.MustCompile(`(?m)^(\w+\()(\d+)`).ReplaceAllStringFunc(trace, func(s string) string {
		i := strings.IndexByte(s, '(')
		return s[:i+1] + fd(s[i+1:])
	})
	trace = regexp.MustCompile(`(?m)^pipe2\(\[\d+, \d+\]`).ReplaceAllStringFunc(trace, func(s string) string {
		return regexp.MustCompile(`\d+`).ReplaceAllStringFunc(s, fd)
	})
	trace = regexp.MustCompile(`(?m)^((?:socket|accept4)\(.*\) = )(\d+)`).ReplaceAllStringFunc(trace, func(s string) string {
		i := strings.LastIndexByte(s, ' ')
		return s[:i+1] + fd(s[i+1:])
	})
	// select: the fds in its sets and comment, and nfds, which is one more
	// than the highest fd in the sets.
	digits := regexp.MustCompile(`\d+`)
	return regexp.MustCompile(`(?m)^pselect6\(\d+, (\[[\d ]*\]), (\[[\d ]*\]), (.*)$`).ReplaceAllStringFunc(trace, func(line string) string {
		line = regexp.MustCompile(`\[[\d ]*\]|\d+=`).ReplaceAllStringFunc(line, func(s string) string {
			return digits.ReplaceAllStringFunc(s, fd)
		})
		top := -1
		sets := line[strings.IndexByte(line, '['):strings.Index(line, "], NULL")]
		for _, n := range digits.FindAllString(sets, -1) {
			v, _ := strconv.Atoi(n)
			top = max(top, v)
		}
		_, rest, _ := strings.Cut(line, ", ")
		return "pselect6(" + strconv.Itoa(top+1) + ", " + rest
	})
}

// checkTranscript compares the trace and response of a scenario with
// testdata/name.txt (txtar form), or rewrites it with -update.
func checkTranscript(t *testing.T, name, request, trace, response string) {
	t.Helper()
	got := "-- request --\n" + request + "\n-- trace --\n" + normalise(trace) + "-- response --\n" + response
	file := filepath.Join("testdata", name+".txt")
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./multiplex -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: transcript differs from %s (run go test ./multiplex -update and read the diff)\n%s", name, file, diffLines(string(want), got))
	}
}

// diffLines shows the first line where want and got differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, wl, gl)
		}
	}
	return ""
}

// quoted shows a request in a transcript with \r and \n visible.
func quoted(req string) string {
	return trace.Quote([]byte(req), len(req))
}

func TestTranscripts(t *testing.T) {
	for _, tc := range []struct {
		name, request string
	}{
		{"get", "GET /hello.txt HTTP/1.0\r\nUser-Agent: test\r\n\r\n"},
		{"index", "GET / HTTP/1.0\r\n\r\n"},
		{"bare-lf", "GET /hello.txt HTTP/1.0\nHost: localhost:8080\n\n"},
		{"http11", "GET /hello.txt HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"},
		{"http09", "GET /hello.txt\r\n"},
		{"head", "HEAD /hello.txt HTTP/1.0\r\n\r\n"},
		{"not-found", "GET /missing.html HTTP/1.0\r\n\r\n"},
		{"bad-request", "GET / HTTP/1.0 extra\r\n\r\n"},
		{"not-implemented", "DELETE /hello.txt HTTP/1.0\r\n\r\n"},
		{"traversal", "GET /../etc/passwd HTTP/1.0\r\n\r\n"},
		{"post-echo", "POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"},
		{"post-no-length", "POST /echo HTTP/1.0\r\n\r\n"},
		{"folded", "GET /hello.txt HTTP/1.0\r\nX-Long: one\r\n two\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, site)
			resp := s.get(t, tc.request)
			checkTranscript(t, tc.name, quoted(tc.request), s.log(), resp)
		})
	}
}

// A request may arrive one byte at a time: each byte is one read, and the
// answer is the same as for the whole request.
func TestOneByteAtATime(t *testing.T) {
	const req = "GET /hello.txt HTTP/1.0\r\nHost: x\r\n\r\n"
	whole := newServer(t, site).get(t, req)

	s := newServer(t, site)
	c := s.dial(t)
	for i := range len(req) {
		send(t, c, req[i:i+1])
		s.turns(t, 1) // the first accepts, and reads at once
	}
	s.drain(t)
	if got := readAll(t, c); got != whole {
		t.Errorf("response to a request sent byte by byte:\n%q\nwant the one to the whole request:\n%q", got, whole)
	}
	if got, want := strings.Count(s.log(), "\nread("), len(req); got != want {
		t.Errorf("trace shows %d reads; want %d, one per byte", got, want)
	}
	if got, want := strings.Count(s.log(), "request incomplete"), len(req)-1; got != want {
		t.Errorf("trace shows %d 'request incomplete' notes; want %d", got, want)
	}
}

// A body that arrives in pieces is parsed once, when its last byte comes:
// the bytes before it cannot change the answer, line feeds or not, and
// parsing the whole head again for each piece would cost a client sending
// a large head and a dripping body the square of it.
func TestBodyInPieces(t *testing.T) {
	const head = "POST /echo HTTP/1.0\r\nContent-Length: 14\r\n\r\n"
	s := newServer(t, site)
	c := s.dial(t)
	for _, piece := range []string{head + "hel", "\nlo, w", "o\n", "rl", "d"} {
		send(t, c, piece)
		s.turns(t, 1)
	}
	s.drain(t)
	if got := readAll(t, c); !strings.HasSuffix(got, "\r\n\r\nhel\nlo, wo\nrld") {
		t.Errorf("got %q; want the body echoed", got)
	}
	want := fmt.Sprintf("request incomplete after %%d bytes: the body ends at byte %d, waiting for more", len(head)+14)
	for _, n := range []int{len(head) + 9, len(head) + 11, len(head) + 13} {
		if !strings.Contains(s.log(), fmt.Sprintf(want, n)) {
			t.Errorf("no note %q in the trace:\n%s", fmt.Sprintf(want, n), s.log())
		}
	}
}

// A request that goes wrong in its second read is refused in that turn,
// not left to time out: the byte that decides can be an ordinary one.
func TestRefusedInALaterRead(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second string
		status        string
	}{
		{"bare CR", "GET /hello.txt HTTP/1.0\r", "X-Foo: bar", "400 Bad Request"},
		{"a field past the limit", "GET / HTTP/1.0\r\n" + strings.Repeat("H: v\r\n", 100), "H100: v", "431 Request Header Fields Too Large"},
		{"request line past the limit, after empty lines", strings.Repeat("\r\n", 100) + "GET /" + strings.Repeat("a", 8100), strings.Repeat("a", 200), "414 URI Too Long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, site)
			c := s.dial(t)
			send(t, c, tc.first)
			s.turns(t, 1) // accept and read: incomplete
			if s.open() != 1 {
				t.Fatal("the first read was answered already")
			}
			send(t, c, tc.second)
			s.turns(t, 1)
			if fd := s.fdOf(1); s.conns[fd] != nil && s.conns[fd].state == stateReading {
				t.Fatalf("still reading after the second read; trace:\n%s", s.log())
			}
			s.answered(t)
			if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 "+tc.status+"\r\n") {
				t.Errorf("got %.60q; want %s", got, tc.status)
			}
		})
	}
}

// Two clients interleaved: the second is served while the first is still
// sending its request.
func TestInterleaved(t *testing.T) {
	s := newServer(t, site)
	c1 := s.dial(t)
	s.turns(t, 1) // accept c1; its read finds nothing yet (EAGAIN)
	send(t, c1, "GET /hello.txt HTTP/1.0\r\n")
	s.turns(t, 1) // c1: incomplete
	c2 := s.dial(t)
	send(t, c2, "GET / HTTP/1.0\r\n\r\n")
	s.turns(t, 1) // accept c2, read, answer and close it in one turn
	if s.conns[s.fdOf(1)] == nil {
		t.Fatal("c1 was closed while its request was incomplete")
	}
	if got := readAll(t, c2); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") || !strings.HasSuffix(got, "<h1>hi</h1>\n") {
		t.Errorf("c2 got %q; want 200 with index.html", got)
	}
	send(t, c1, "\r\n")
	s.drain(t)
	if got := readAll(t, c1); !strings.HasSuffix(got, "\r\n\r\nhello\n") {
		t.Errorf("c1 got %q; want hello.txt", got)
	}
	checkTranscript(t, "interleaved", "c1: "+quoted("GET /hello.txt HTTP/1.0\r\n")+" ... "+quoted("\r\n")+"\nc2: "+quoted("GET / HTTP/1.0\r\n\r\n"), s.log(), "")
}

// fdOf returns the fd of connection id.
func (s *testServer) fdOf(id int) int {
	for fd, c := range s.conns[:s.top] {
		if c != nil && c.id == id {
			return fd
		}
	}
	return -1
}

// A client that hangs up early, or resets the connection, is traced and
// closed, and the next client is served.
func TestClientGoesAway(t *testing.T) {
	for _, tc := range []struct {
		name  string
		leave func(c *net.TCPConn)
		want  string // in the trace
	}{
		{"hang-up", func(c *net.TCPConn) { c.Close() }, "end of file"},
		{"half-close", func(c *net.TCPConn) { c.CloseWrite() }, "answering 400"},
		{"reset", func(c *net.TCPConn) { c.SetLinger(0); c.Close() }, "ECONNRESET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, site)
			before := openFDs(t)
			c := s.dial(t).(*net.TCPConn)
			s.turns(t, 1)
			send(t, c, "GET /hello.txt HT")
			s.turns(t, 1)
			tc.leave(c)
			s.answered(t)
			if tc.name == "half-close" {
				// It closed only its sending side: it can read why.
				if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 400 Bad Request\r\n") {
					t.Errorf("half-closed client got %q; want 400", got)
				}
			}
			c.Close()
			s.drain(t)
			if !strings.Contains(s.log(), tc.want) {
				t.Errorf("trace does not mention %q:\n%s", tc.want, s.log())
			}
			if got := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") {
				t.Errorf("next client got %q; want 200", got)
			}
			c.Close()
			if after := openFDs(t); after != before {
				t.Errorf("open fds: %d before, %d after; want no change", before, after)
			}
		})
	}
}

// A client that leaves while its response is being written makes the next
// write fail with EPIPE or ECONNRESET: traced, closed, and the server goes
// on.
func TestClientLeavesMidResponse(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 16<<20)
	s := newServer(t, fstest.MapFS{"big.bin": {Data: big, ModTime: clock}, "hello.txt": site["hello.txt"]})
	before := openFDs(t)
	c := s.dial(t).(*net.TCPConn)
	s.turns(t, 1)
	send(t, c, "GET /big.bin HTTP/1.0\r\n\r\n")
	s.turns(t, 1) // read and parse
	c.SetLinger(0)
	c.Close() // reset: the server's next write fails
	s.drain(t)
	if log := s.log(); !strings.Contains(log, "= -1 EPIPE") && !strings.Contains(log, "= -1 ECONNRESET") {
		t.Errorf("trace shows no failed write after the client left:\n%s", log)
	}
	if got := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") {
		t.Errorf("next client got %q; want 200", got)
	}
	if after := openFDs(t); after != before {
		t.Errorf("open fds: %d before, %d after; want no change", before, after)
	}
}

// A large file is sent a piece at a time as the client takes it: the
// connection never holds more than a piece, however big the file. From a
// directory (a Root) the pieces go by sendfile, and never pass through the
// server's memory at all.
func TestPartialWrites(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: more than any socket buffer
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	for _, tc := range []struct {
		name string
		fsys fs.FS
		call string // the call that sends each piece
		most int    // the most bytes one call may ask to send
	}{
		{"memory", fstest.MapFS{"big.bin": {Data: big, ModTime: clock}}, "write", pieceBytes},
		{"directory", root, "sendfile", writeTurn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.fsys)
			c := s.dial(t)
			send(t, c, "GET /big.bin HTTP/1.0\r\n\r\n")
			s.turns(t, 1) // accept, read, parse, and write what the socket takes
			fd := s.fdOf(1)
			var got []byte
			buf := make([]byte, 1<<20)
			for {
				// Run a turn only when it will not block: the server is writing
				// and its socket has room. Otherwise its send buffer holds data
				// on its way to the client, so the client's read returns. Once
				// all is written, the long answer's close lingers, and the
				// client reads to the end of file.
				if sc := s.conns[fd]; sc != nil && sc.state == stateWriting && writable(t, fd) {
					s.turns(t, 1)
					if sc := s.conns[fd]; sc != nil && len(sc.out) > pieceBytes {
						t.Fatalf("the connection holds %d bytes of the response; want a piece (%d) at most", len(sc.out), pieceBytes)
					}
					continue
				}
				n, err := c.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			i := bytes.Index(got, []byte("\r\n\r\n"))
			if i < 0 || !bytes.Equal(got[i+4:], big) {
				t.Fatalf("body: got %d bytes after the head; want the %d bytes of big.bin", len(got)-i-4, len(big))
			}
			c.Close()
			s.turns(t, 1) // the lingering close reads the client's end of file
			if s.open() != 0 || !strings.Contains(s.log(), "lingering close: a long answer sent") || !strings.Contains(s.log(), "for 2s, and on while the answer's end is still queued, up to 30s after the last write") {
				t.Errorf("after the client closed: %d connections open; want none, closed after a lingering close:\n%s", s.open(), s.log())
			}
			if !strings.Contains(s.log(), "partial write") && !strings.Contains(s.log(), "bytes of the file left") {
				t.Error("trace shows no piece of the file left for later for a 16 MiB response")
			}
			// A call's last argument is how many bytes it asks to send.
			calls := regexp.MustCompile(`\n`+tc.call+`\(.*, (\d+)\) = `).FindAllStringSubmatch(s.log(), -1)
			if len(calls) < len(big)/tc.most {
				t.Errorf("%d %s calls for %d bytes; want one per %d bytes at least", len(calls), tc.call, len(big), tc.most)
			}
			for _, m := range calls {
				if n, _ := strconv.Atoi(m[1]); n > tc.most {
					t.Errorf("%s asked to send %d bytes; want %d at most, so that other clients get their turn", tc.call, n, tc.most)
					break
				}
			}
		})
	}
}

// A large file not from a Root is read a piece at a time, and its last
// piece is what is left of it, however short: a file whose size is not a
// whole number of pieces arrives whole.
func TestLastPieceIsShort(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*pieceBytes/16)
	big = append(big, "the end"...)
	s := newServer(t, fstest.MapFS{"big.bin": {Data: big, ModTime: clock}})
	c := s.dial(t)
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(c)
		c.Close() // as a client does at end of file: the lingering close ends
		got <- b
	}()
	send(t, c, "GET /big.bin HTTP/1.0\r\n\r\n")
	s.turns(t, 1)
	s.drain(t)
	b := <-got
	if i := bytes.Index(b, []byte("\r\n\r\n")); i < 0 || !bytes.Equal(b[i+4:], big) {
		t.Errorf("the client got %d bytes; want the head and the %d bytes of big.bin\n%s", len(b), len(big), s.log())
	}
}

// A file that shrinks while sendfile sends it ends short of the size its
// Content-Length promised: sendfile then returns 0, and the server closes
// the connection (the client sees a body cut short) instead of asking
// sendfile again, for ever, in one turn that never ends.
func TestFileShrinksWhileSent(t *testing.T) {
	const size, shrunk = 16 << 20, 1 << 20
	dir := t.TempDir()
	name := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(name, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	s := newServer(t, root)
	c := s.dial(t)
	send(t, c, "GET /big.bin HTTP/1.0\r\n\r\n")
	s.turns(t, 1) // accept, read, open the file, and send what the socket takes
	fd := s.fdOf(1)
	if sc := s.conns[fd]; sc == nil || sc.state != stateWriting {
		t.Fatalf("after the first turn the connection is not still writing a 16 MiB answer:\n%s", s.log())
	}
	if err := os.Truncate(name, shrunk); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 1<<20)
	for {
		// As in TestPartialWrites: a turn only when it will not block.
		if sc := s.conns[fd]; sc != nil && sc.state == stateWriting && writable(t, fd) {
			s.turns(t, 1)
			continue
		}
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break // end of file, or a reset: either way the answer has ended
		}
	}
	if s.open() != 0 || !strings.Contains(s.log(), "bytes short of its size: closing") {
		t.Errorf("%d connections open; want the connection closed, and the trace saying the file ended short:\n%s", s.open(), s.log())
	}
	if i := bytes.Index(got, []byte("\r\n\r\n")); i < 0 || len(got)-i-4 > shrunk {
		t.Errorf("the client got %d bytes; want the head and at most the %d bytes the file still has", len(got), shrunk)
	}
}

// writable asks, without waiting, whether fd has room to write.
func writable(t *testing.T, fd int) bool {
	t.Helper()
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	n, err := unix.Poll(p, 0)
	if err != nil && err != unix.EINTR {
		t.Fatal(err)
	}
	return n > 0
}

// Past FD_SETSIZE a connection is answered 503 and closed: FdSet.Set would
// panic on it. The server keeps serving the others.
func TestFDSetSizeRefused(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < unix.FD_SETSIZE+16 {
		t.Fatalf("RLIMIT_NOFILE hard limit %d: this test needs fds above %d", lim.Max, unix.FD_SETSIZE)
	}
	s := newServer(t, site)
	// Fill every fd below FD_SETSIZE so that the next accept gets one above.
	filler := fillFDs(t, unix.FD_SETSIZE)
	c := s.dial(t) // the client's own fd is above 1024 too: fine, it is not in a select
	s.turns(t, 1)
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.0 503 Service Unavailable\r\n") {
		t.Errorf("connection past FD_SETSIZE got %q; want 503", got)
	}
	if !strings.Contains(s.log(), "does not fit in select's fd_set") {
		t.Errorf("trace does not say why the connection was refused:\n%s", s.log())
	}
	// Free some fds: the next client is served normally.
	filler.release(8)
	if got := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") {
		t.Errorf("next client got %q; want 200", got)
	}
}

// A burst of connections and requests leaves the fd count where it began.
func TestNoFDLeak(t *testing.T) {
	s := newServer(t, site)
	before := openFDs(t)
	for i := range 50 {
		req := []string{"GET / HTTP/1.0\r\n\r\n", "GET /nope HTTP/1.0\r\n\r\n", "BREW / HTTP/1.0\r\n\r\n", "GET /\r\n"}[i%4]
		s.get(t, req)
	}
	if after := openFDs(t); after != before {
		t.Errorf("open fds: %d before, %d after 50 requests; want no change", before, after)
	}
}

// fds holds fds a test keeps open (dups of stdin) to use up fd numbers;
// the test's cleanup closes those not released.
type fds struct{ open []int }

// fillFDs takes every free fd below n, so that the next fd opened is n or
// more.
func fillFDs(t *testing.T, n int) *fds {
	t.Helper()
	f := &fds{}
	t.Cleanup(func() { f.release(len(f.open)) })
	for {
		fd, err := unix.Dup(0)
		if err != nil {
			t.Fatal(err)
		}
		f.open = append(f.open, fd)
		if fd >= n-1 {
			return f
		}
	}
}

// release closes the k fds taken last.
func (f *fds) release(k int) {
	for _, fd := range f.open[len(f.open)-k:] {
		unix.Close(fd)
	}
	f.open = f.open[:len(f.open)-k]
}

// noMoreFDs sets RLIMIT_NOFILE to the lowest free fd, so that the next
// fd opened fails with EMFILE; restore puts the limit back (the test's
// cleanup does too).
func noMoreFDs(t *testing.T) (restore func()) {
	t.Helper()
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	free, err := unix.Dup(0) // the lowest free fd: where the next one would go
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(free)
	low := lim
	low.Cur = uint64(free)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	restore = func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) }
	t.Cleanup(restore)
	return restore
}

// openFDs counts this process's open fds.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// An IPv6 address is served as an IPv4 one is, and traced as strace
// shows it.
func TestIPv6(t *testing.T) {
	var buf bytes.Buffer
	s, err := Listen(Config{Addr: "[::1]:0", FS: site, Trace: trace.New(&buf, trace.Options{}), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := &testServer{s, &buf}
	if !strings.HasPrefix(ts.Addr(), "[::1]:") {
		t.Fatalf("Addr() = %q; want [::1]:PORT", ts.Addr())
	}
	if got := ts.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); !strings.HasSuffix(got, "\r\n\r\nhello\n") {
		t.Errorf("got %q; want hello.txt", got)
	}
	if tr := ts.log(); !strings.Contains(tr, `bind(`) || !strings.Contains(tr, `{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`) {
		t.Errorf("trace has no IPv6 bind:\n%s", tr)
	}
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means an error
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"localhost:0", "127.0.0.1:0"},
		{":80", "0.0.0.0:80"},
		{"[::1]:8080", "[::1]:8080"},
		{"127.0.0.1", ""},
		{"127.0.0.1:http", ""},
		{"127.0.0.1:70000", ""},
		{"127.0.0.1:65535", "127.0.0.1:65535"},
		{"127.0.0.1:65536", ""}, // would wrap to port 0 in a uint16: a port the kernel picks
		{"example.com:80", ""},
	} {
		sa, err := parseAddr(tc.in)
		got := ""
		if err == nil {
			got = sa.String()
		}
		if got != tc.want {
			t.Errorf("parseAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// An IPv6 address with no port is told what is missing, not that "1]"
	// is no port.
	if _, err := parseAddr("[::1]"); err == nil || !strings.Contains(err.Error(), "want host:port, e.g. 127.0.0.1:8080 or [::1]:8080") {
		t.Errorf("parseAddr(\"[::1]\"): %v; want the form asked for", err)
	}
}

// The README shows an excerpt of the get transcript. Every line of it must
// appear in testdata/get.txt, in order ("..." stands for lines left out),
// so a change to the trace fails here until the README is brought up to
// date; -update rewrites the excerpt too.
func TestREADMEExcerpt(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	before, after, ok := strings.Cut(string(readme), "multiplex/testdata/get.txt")
	if !ok {
		t.Fatal("README.md no longer cites multiplex/testdata/get.txt")
	}
	intro, rest, _ := strings.Cut(after, "```\n")
	block, tail, _ := strings.Cut(rest, "```")
	golden, err := os.ReadFile("testdata/get.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(golden), "\n")
	if *update {
		// From the first select to the status line, then from the state
		// change to writing to the end of the trace.
		var ex []string
		in, skipped := false, false
		for _, l := range lines {
			switch {
			case l == "-- response --":
				in = false
			case strings.HasPrefix(l, "pselect6("):
				in = true
			}
			if !in {
				continue
			}
			if skipped && !strings.HasPrefix(l, "--- c1 reading request") && len(ex) > 0 && ex[len(ex)-1] == "..." {
				continue
			}
			if strings.HasPrefix(l, "c1 < ") && !strings.HasPrefix(l, "c1 < HTTP/") {
				if !skipped {
					ex, skipped = append(ex, "..."), true
				}
				continue
			}
			ex = append(ex, l)
		}
		out := before + "multiplex/testdata/get.txt" + intro + "```\n" + strings.Join(ex, "\n") + "\n```" + tail
		if err := os.WriteFile("../README.md", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	i := 0
	for _, want := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if want == "..." {
			continue
		}
		for i < len(lines) && lines[i] != want {
			i++
		}
		if i == len(lines) {
			t.Fatalf("README.md excerpt line %q is not in testdata/get.txt (in order); run go test ./multiplex -update", want)
		}
		i++
	}
}

// Every code block in docs/*.md marked <!-- excerpt: FILE --> must be in
// FILE: each of its lines within a line of FILE, in the same order. A
// change to the trace that the docs show fails here until the docs are
// copied again.
func TestDocExcerpts(t *testing.T) {
	docs, err := filepath.Glob("../docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs found (%v)", err)
	}
	marker := regexp.MustCompile("<!-- excerpt: (\\S+) -->\n```\n((?s:.*?))```")
	checked := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range marker.FindAllStringSubmatch(string(b), -1) {
			src, err := os.ReadFile(filepath.Join("..", m[1]))
			if err != nil {
				t.Errorf("%s: excerpt from %s: %v", doc, m[1], err)
				continue
			}
			lines := strings.Split(string(src), "\n")
			i := 0
			for _, want := range strings.Split(strings.TrimSuffix(m[2], "\n"), "\n") {
				for i < len(lines) && !strings.Contains(lines[i], want) {
					i++
				}
				if i == len(lines) {
					t.Errorf("%s: line %q is not in %s (in order); copy the excerpt again", doc, want, m[1])
					break
				}
				i++
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("only %d excerpts checked in docs/; the markers may be broken", checked)
	}
}

// The loop gives way to the Go scheduler once every yieldEvery: on its
// first turn, and then not again until yieldEvery has passed.
func TestYield(t *testing.T) {
	n := 0
	gosched = func() { n++ }
	defer func() { gosched = runtime.Gosched }()
	var s Server
	s.yield()
	s.yield()
	if n != 1 {
		t.Fatalf("two turns in a row gave way %d times; want 1", n)
	}
	s.yielded = s.yielded.Add(-yieldEvery)
	s.yield()
	if n != 2 {
		t.Errorf("a turn yieldEvery after the last gave way %d times in all; want 2", n)
	}
}

// Serve gives way after its turns: here, one turn (the signal's), one yield.
func TestServeYields(t *testing.T) {
	n := 0
	gosched = func() { n++ }
	defer func() { gosched = runtime.Gosched }()
	s := newServer(t, site)
	s.Interrupt(os.Interrupt) // one turn, then Serve stops
	if err := s.Serve(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("Serve gave way %d times in one turn; want 1", n)
	}
}

// A port another process holds gets a hint that names the port, how to
// find out who holds it, and another port to try.
func TestListenAddressInUse(t *testing.T) {
	first, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(io.Discard, trace.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	addr := first.Addr()
	port, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	_, err = Listen(Config{Addr: addr, FS: site, Trace: trace.New(io.Discard, trace.Options{})})
	want := fmt.Sprintf("listen on %s: bind: address already in use (another process is listening on port %d, which ss -ltnp 'sport = :%d' names; pick another port, 127.0.0.1:%d say, or port 0 to let the kernel choose)", addr, port, port, port+1)
	if err == nil || err.Error() != want {
		t.Errorf("Listen on a port in use: %v; want %s", err, want)
	}
}
