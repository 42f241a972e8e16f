package main

// The client runs as a subprocess (this test binary re-executed with
// STEPWISE_CLIENT_TEST_MAIN=1), so the test goroutine is free to be the
// server: it calls Accept, Read and Write on a loopback listener, one at a
// time, and checks the bytes the client sent and the lines it printed. No
// goroutine and no sleep: every wait is a blocking call with a deadline.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"stepwise/cmd/internal/client"
)

func TestMain(m *testing.M) {
	if os.Getenv("STEPWISE_CLIENT_TEST_MAIN") == "1" {
		main() // returns only on success or -h; errors exit inside main
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ioTimeout bounds every wait of the test server, so that a client that
// never connects or never sends fails the test instead of hanging it.
const ioTimeout = 10 * time.Second

// A proc is the client, running.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           bool
}

// startClient runs the client with args, and stdin as its standard input.
// It is killed when the test ends if it has not exited by then.
func startClient(t *testing.T, stdin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(os.Args[0], args...)}
	p.cmd.Env = append(os.Environ(), "STEPWISE_CLIENT_TEST_MAIN=1")
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !p.done {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait waits for the client to exit and returns its exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	p.done = true
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	t.Fatalf("client: %v", err)
	return -1
}

// runClient runs the client with no server to talk to: for usage errors.
func runClient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	p := startClient(t, "", args...)
	code = p.wait(t)
	return code, p.stdout.String(), p.stderr.String()
}

// listen opens the test server's listener on 127.0.0.1.
func listen(t *testing.T) *net.TCPListener {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept takes the next connection the client made.
func accept(t *testing.T, ln *net.TCPListener) net.Conn {
	t.Helper()
	ln.SetDeadline(time.Now().Add(ioTimeout))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(ioTimeout))
	return conn
}

// readUntil reads from conn until what it has read ends with end.
func readUntil(t *testing.T, conn net.Conn, end string) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(got, []byte(end)) {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("read after %q: %v; want bytes ending in %q", got, err, end)
		}
	}
	return string(got)
}

// readN reads exactly n bytes from conn.
func readN(t *testing.T, conn net.Conn, n int) string {
	t.Helper()
	got := make([]byte, n)
	for i := 0; i < n; {
		m, err := conn.Read(got[i:])
		i += m
		if err != nil {
			t.Fatalf("read after %q: %v; want %d bytes", got[:i], err, n)
		}
	}
	return string(got)
}

// reply writes resp on conn and closes it, as an HTTP/1.0 server does.
func reply(t *testing.T, conn net.Conn, resp string) {
	t.Helper()
	if _, err := conn.Write([]byte(resp)); err != nil {
		t.Fatalf("write: %v", err)
	}
	conn.Close()
}

// checkOutput checks that the client exited 0 and printed each of want
// as a whole line.
func checkOutput(t *testing.T, p *proc, want ...string) {
	t.Helper()
	if code := p.wait(t); code != 0 {
		t.Fatalf("client exited %d; stderr:\n%s\nstdout:\n%s", code, &p.stderr, &p.stdout)
	}
	lines := strings.Split(p.stdout.String(), "\n")
	for _, w := range want {
		re := regexp.MustCompile(`^` + w + `$`)
		found := false
		for _, line := range lines {
			found = found || re.MatchString(line)
		}
		if !found {
			t.Errorf("no line matching %s in the output:\n%s", w, &p.stdout)
		}
	}
}

// sends runs the client with args against a test server of its own, and
// returns it and the connection it made, once that connection has sent
// what ends with end, which must be want.
func sends(t *testing.T, want, end string, args ...string) (*proc, net.Conn) {
	t.Helper()
	ln := listen(t)
	p := startClient(t, "", append([]string{"-addr", ln.Addr().String()}, args...)...)
	conn := accept(t, ln)
	if got := readUntil(t, conn, end); got != want {
		t.Errorf("%s sent %q; want %q", args[0], got, want)
	}
	return p, conn
}

const (
	hello    = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n"
	notFound = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
)

// number matches a time in milliseconds.
const number = `[0-9]+\.[0-9]{2}`

func TestGet(t *testing.T) {
	p, conn := sends(t, "GET /hello.txt HTTP/1.0\r\n\r\n", "\r\n\r\n", "get", "/hello.txt")
	reply(t, conn, hello)
	checkOutput(t, p,
		regexp.QuoteMeta(`c1 > "GET /hello.txt HTTP/1.0\r\n\r\n" (27 bytes)`),
		`c1 < HTTP/1.0 200 OK`,
		`c1 < Content-Length: 6`,
		`c1 <`,
		regexp.QuoteMeta(`c1 * body: 6 bytes "hello\n"`),
		`c1 \* ms: connected `+number+`, sent `+number+`, first byte back `+number+`, closed by the server `+number,
	)
}

func TestSlow(t *testing.T) {
	p, conn := sends(t, "GET / HTTP/1.0\r\n\r\n", "\r\n\r\n", "slow", "-delay", "1ms")
	reply(t, conn, hello)
	checkOutput(t, p,
		regexp.QuoteMeta(`* sending: GET / HTTP/1.0\r\n\r\n`),
		regexp.QuoteMeta(`c1 > "GET / HTTP/1.0\r\n\r\n" (18 bytes in 18 writes)`),
		`c1 \* ms: connected `+number+`, sent `+number+` to `+number+`, first byte back `+number+`, closed by the server `+number,
	)
}

// slowread asks for /numbers.txt unless told otherwise, and takes a
// megabyte in 64 KiB reads: at least 16 of them, and one for the end.
func TestSlowRead(t *testing.T) {
	p, conn := sends(t, "GET /numbers.txt HTTP/1.0\r\n\r\n", "\r\n\r\n", "slowread", "-delay", "1ms")
	const head = "HTTP/1.0 200 OK\r\nContent-Length: 1048576\r\n\r\n"
	reply(t, conn, head+strings.Repeat("x", 1<<20))
	checkOutput(t, p,
		`c1 < Content-Length: 1048576`,
		regexp.QuoteMeta(`c1 * body: 1048576 bytes "xxxx`)+`.*`,
		regexp.QuoteMeta(fmt.Sprintf("* %d bytes in ", len(head)+1<<20))+`(1[7-9]|[2-9][0-9]|[0-9]{3,}) reads, over `+number+` ms`,
	)
}

// slowread takes all of an answer bigger than what it keeps (16 MiB),
// with no pause too, and says so: not that the body fell short of its
// Content-Length. -json counts every byte received.
func TestSlowReadBig(t *testing.T) {
	const size = 17 << 20
	head := fmt.Sprintf("HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n", size)
	for _, json := range []bool{false, true} {
		ln := listen(t)
		args := []string{"-addr", ln.Addr().String(), "slowread", "-delay", "0", "/big"}
		if json {
			args = append([]string{"-json"}, args...)
		}
		p := startClient(t, "", args...)
		conn := accept(t, ln)
		readUntil(t, conn, "\r\n\r\n")
		reply(t, conn, head+strings.Repeat("x", size))
		if json {
			checkOutput(t, p, fmt.Sprintf(`\{.*"received_bytes":%d,"body_bytes":%d,.*"closed_by":"the server"\}`, len(head)+size, size))
			continue
		}
		checkOutput(t, p,
			regexp.QuoteMeta(fmt.Sprintf(`c1 * body: %d bytes (the first %d kept) "xxxx`, size, 16<<20-len(head)))+`.*`,
			regexp.QuoteMeta(fmt.Sprintf("* %d bytes in ", len(head)+size))+`[0-9]+ reads, over `+number+` ms`,
		)
	}
}

func TestIdle(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "idle")
	accept(t, ln).Close() // hang up at once: the client sees end of file
	checkOutput(t, p,
		`c1 > \(nothing sent\)`,
		`c1 \* nothing came back`,
		`c1 \* ms: connected `+number+`, sent nothing, nothing back, closed by the server `+number,
		`\* the server hung up `+number+` ms after we connected`,
	)
}

func TestMany(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "many", "3")
	// The client connects all three before it sends anything, so the
	// three accepts succeed before any read; and it reads the answers in
	// the order it connected, so the writes cannot block.
	conns := []net.Conn{accept(t, ln), accept(t, ln), accept(t, ln)}
	for i, conn := range conns {
		if got, want := readUntil(t, conn, "\r\n\r\n"), "GET / HTTP/1.0\r\n\r\n"; got != want {
			t.Errorf("many: client %d sent %q; want %q", i+1, got, want)
		}
	}
	reply(t, conns[0], hello)
	reply(t, conns[1], notFound)
	reply(t, conns[2], hello)
	checkOutput(t, p,
		` *client +status +bytes back +connected +sent +first byte back +closed \(ms\)`,
		` *c1 +200 OK +`+strconv.Itoa(len(hello))+` +`+number+` +`+number+` +`+number+` +`+number,
		` *c2 +404 Not Found +`+strconv.Itoa(len(notFound))+` .*`,
		` *c3 +200 OK .*`,
		`\* 3 clients: 2 × 200 OK, 1 × 404 Not Found; the last answer began `+number+` ms after the start`,
	)
}

func TestHTTP09(t *testing.T) {
	p, conn := sends(t, "GET /\r\n", "\r\n", "http09")
	reply(t, conn, "hello\n") // a Simple-Response: the body alone
	checkOutput(t, p,
		regexp.QuoteMeta(`c1 > "GET /\r\n" (7 bytes)`),
		`c1 \* no status line and no headers: .*`,
		regexp.QuoteMeta(`c1 * body: 6 bytes "hello\n"`),
		`\* as expected: no status line, no headers, 6 bytes of body, then the server closed`,
	)
}

func TestNoLength(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "nolength")
	conn := accept(t, ln)
	want := "POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\n\r\nhello, server\n"
	got := readN(t, conn, len(want))
	if got != want {
		t.Errorf("nolength sent %q; want %q", got, want)
	}
	if strings.Contains(strings.ToLower(got), "content-length") {
		t.Errorf("nolength sent %q, with a Content-Length", got)
	}
	reply(t, conn, "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	checkOutput(t, p,
		`c1 < HTTP/1.0 400 Bad Request`,
		`c1 \* body: 0 bytes`,
		`\* as expected: 400 Bad Request`,
	)
}

func TestFold(t *testing.T) {
	p, conn := sends(t, "GET / HTTP/1.0\r\nX-Folded: first half,\r\n second half\r\n\r\n", "\r\n\r\n", "fold")
	reply(t, conn, "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	checkOutput(t, p, `\* UNEXPECTED: 400 Bad Request; want 200`)
}

func TestTraversal(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "traversal")
	want := []string{
		"GET /../etc/passwd HTTP/1.0\r\n\r\n",
		"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.0\r\n\r\n",
		"GET /..%2fetc/passwd HTTP/1.0\r\n\r\n",
		"GET /static/../../etc/passwd HTTP/1.0\r\n\r\n",
	}
	for i, w := range want {
		conn := accept(t, ln)
		if got := readUntil(t, conn, "\r\n\r\n"); got != w {
			t.Errorf("traversal connection %d sent %q; want %q", i+1, got, w)
		}
		if i == 2 { // a server that lets one through: the client must say so
			reply(t, conn, hello)
		} else {
			reply(t, conn, notFound)
		}
	}
	checkOutput(t, p,
		regexp.QuoteMeta(`c1 > "GET /../etc/passwd HTTP/1.0\r\n\r\n" (31 bytes)`),
		`c1 < HTTP/1.0 404 Not Found`,
		`c3 < HTTP/1.0 200 OK`,
		`c4 < HTTP/1.0 404 Not Found`,
		regexp.QuoteMeta(`* UNEXPECTED: 200 for /..%2fetc/passwd`),
	)
}

func TestPipelined(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "pipelined")
	conn := accept(t, ln)
	buf := make([]byte, 4096)
	n, err := conn.Read(buf) // one write of a few bytes on loopback: one read
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(buf[:n]), "GET / HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n"; got != want {
		t.Errorf("pipelined: first read got %q; want both requests, %q", got, want)
	}
	reply(t, conn, hello)
	checkOutput(t, p,
		regexp.QuoteMeta(`c1 > "GET / HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n" (45 bytes)`),
		`\* as expected: one answer for two requests, then the server closed; the second request was never answered`,
	)
}

func TestRaw(t *testing.T) {
	data := "PUT /x HTTP/1.0\r\nContent-Length: 3\r\n\r\na\x01b"
	file := filepath.Join(t.TempDir(), "request")
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, arg, stdin, from string }{
		{"file", file, "", file},
		{"stdin", "-", data, "standard input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			p := startClient(t, tt.stdin, "-addr", ln.Addr().String(), "raw", tt.arg)
			conn := accept(t, ln)
			if got := readN(t, conn, len(data)); got != data {
				t.Errorf("raw sent %q; want %q", got, data)
			}
			reply(t, conn, "HTTP/1.0 501 Not Implemented\r\nContent-Length: 0\r\n\r\n")
			checkOutput(t, p,
				regexp.QuoteMeta(`* raw: 41 bytes from `+tt.from+`, sent as they are in one write`),
				regexp.QuoteMeta(`c1 > "PUT /x HTTP/1.0\r\nContent-Length: 3\r\n\r\na\x01b" (41 bytes)`),
				`c1 < HTTP/1.0 501 Not Implemented`,
			)
		})
	}
}

func TestJSON(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "-json", "get")
	conn := accept(t, ln)
	readUntil(t, conn, "\r\n\r\n")
	reply(t, conn, hello)
	checkOutput(t, p,
		`\{"scenario":"get","client":"c1","addr":"127\.0\.0\.1:[0-9]+","sent":"GET / HTTP/1\.0\\r\\n\\r\\n","sent_bytes":18,"writes":1,"status":"HTTP/1\.0 200 OK",.*"body_bytes":6,.*"closed_by":"the server"\}`,
	)
	if lines := strings.Count(p.stdout.String(), "\n"); lines != 1 {
		t.Errorf("-json printed %d lines; want 1 object:\n%s", lines, &p.stdout)
	}
}

// A server's answer reaches the terminal escaped under -json as in the
// text: no C1 control (U+009B, CSI), bidirectional override or DEL as it
// is, and the line is still JSON that gives back the same text.
func TestJSONEscapesControls(t *testing.T) {
	ln := listen(t)
	p := startClient(t, "", "-addr", ln.Addr().String(), "-json", "get")
	conn := accept(t, ln)
	readUntil(t, conn, "\r\n\r\n")
	status := "HTTP/1.0 200 \x1b[2J\u009b31m\u202eKO\x7f \U0001F600"
	reply(t, conn, status+"\r\nContent-Length: 0\r\n\r\n")
	p.wait(t)
	out := p.stdout.String()
	for _, raw := range []string{"\x1b", "\u009b", "\u202e", "\x7f"} {
		if strings.Contains(out, raw) {
			t.Errorf("-json printed %q as it is:\n%s", raw, out)
		}
	}
	var r struct{ Status string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != status {
		t.Errorf("-json's status is %q (%v); want %q", r.Status, err, status)
	}
}

// An answer the server ends early fails, as curl's "transfer closed with
// N bytes remaining" does (exit 18): a body short of its Content-Length,
// or a head with no end. An answer to HEAD, or a 304, has no body whatever
// its Content-Length says, and an HTTP/0.9 answer ends with the connection.
func TestCutShort(t *testing.T) {
	for _, tt := range []struct {
		name, request, answer string
		code                  int
		want                  string
	}{
		{"short body", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1,
			"c1 * failed: the server closed the connection 7 bytes short of the body's Content-Length (10)"},
		{"one byte short", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nabc", 1,
			"c1 * failed: the server closed the connection 1 bytes short of the body's Content-Length (4)"},
		{"no end of head", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Len", 1,
			"c1 * failed: the server closed the connection before the end of the head"},
		{"whole body", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0, "c1 * body: 3 bytes \"abc\""},
		{"HEAD", "HEAD / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n", 0,
			"c1 * body: 0 bytes (an answer to HEAD: Content-Length 10 is what GET would send)"},
		{"304", "GET / HTTP/1.0\r\nIf-Modified-Since: Sat, 21 Nov 2026 14:41:27 GMT\r\n\r\n", "HTTP/1.0 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0,
			"c1 * body: 0 bytes (Content-Length said 10)"},
		{"HTTP/0.9", "GET /\r\n", "abc", 0, "c1 * body: 3 bytes \"abc\""},
		{"204", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 204 No Content\r\nContent-Length: 10\r\n\r\n", 0, "c1 * body: 0 bytes (Content-Length said 10)"},
		{"1xx", "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 100 Continue\r\nContent-Length: 10\r\n\r\n", 0, "c1 * body: 0 bytes (Content-Length said 10)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			p := startClient(t, tt.request, "-addr", ln.Addr().String(), "raw", "-")
			conn := accept(t, ln)
			readN(t, conn, len(tt.request))
			reply(t, conn, tt.answer)
			code := p.wait(t)
			if stdout := p.stdout.String(); code != tt.code || !strings.Contains(stdout, "\n"+tt.want+"\n") {
				t.Errorf("exit %d, stdout:\n%s\nwant exit %d and the line %q", code, &p.stdout, tt.code, tt.want)
			}
			if wantErr := tt.code != 0; strings.Contains(p.stderr.String(), "c1 failed (see above)") != wantErr {
				t.Errorf("stderr %q; want \"c1 failed (see above)\": %v", &p.stderr, wantErr)
			}
		})
	}
}

func TestNoServer(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connect is refused
	code, _, stderr := runClient(t, "-addr", addr, "get")
	if code != 1 || !strings.Contains(stderr, "connection refused; is the server running?") {
		t.Errorf("get with no server: exit %d, stderr %q; want 1 and a hint", code, stderr)
	}
}

// A server that accepts and never answers: many says no answer came,
// not that the last one began at 0 ms.
func TestManyNoAnswer(t *testing.T) {
	ln := listen(t) // the kernel accepts into its queue; no one reads
	code, stdout, _ := runClient(t, "-addr", ln.Addr().String(), "-timeout", "200ms", "many", "3")
	if code != 1 || !strings.Contains(stdout, "; no answer came") || strings.Contains(stdout, "the last answer began") {
		t.Errorf("many 3 against a silent server: exit %d, stdout:\n%s\nwant 1 and \"no answer came\"", code, stdout)
	}
}

// A long list of failed connections is cut short in the one-line error;
// the table above it names them all.
func TestFailedList(t *testing.T) {
	var clients []*client.Conn
	for i := range 12 {
		c := client.New(fmt.Sprintf("c%d", i+1), time.Now())
		c.Err = errors.New("boom")
		clients = append(clients, c)
	}
	if err := failed(clients...); err == nil || err.Error() != "12 of 12 connections failed: c1 c2 c3 c4 c5 c6 c7 c8 c9 c10 ... (see above)" {
		t.Errorf("failed(12 clients) = %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "no scenario"},
		{[]string{"dance"}, `unknown scenario "dance"`},
		{[]string{"-nope", "get"}, "flag provided but not defined: -nope"},
		{[]string{"get", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"get", "hello.txt"}, `path "hello.txt": want a path starting with /`},
		{[]string{"get", "/a b"}, `path "/a b": byte 2 is ' '`},
		{[]string{"get", "/", "/"}, "get takes at most one PATH"},
		{[]string{"many"}, "many takes one argument"},
		{[]string{"many", "0"}, `many "0": want a number of clients from 1 to 1000`},
		{[]string{"many", "-1"}, `many "-1": want a number of clients from 1 to 1000`}, // not a flag
		{[]string{"many", "1001"}, `many "1001"`},
		{[]string{"idle", "now"}, "idle takes no arguments"},
		{[]string{"raw"}, "raw takes one argument"},
		{[]string{"-delay", "-1s", "slow"}, "-delay -1s: want 0 to 10s"},
		{[]string{"-for", "0s", "idle"}, "-for 0s"},
		{[]string{"-s", "-1", "get"}, "-s -1: want 0 or more"},
		{[]string{"-addr", "127.0.0.1", "get"}, `-addr "127.0.0.1": want host:port`},
		{[]string{"-addr", "127.0.0.1:0", "get"}, `port "0"`},
		// Flags after the scenario's arguments are flags too.
		{[]string{"get", "/hello.txt", "-addr", "127.0.0.1"}, `-addr "127.0.0.1": want host:port`},
		{[]string{"many", "5", "-delay", "-1s"}, "-delay -1s: want 0 to 10s"},
		{[]string{"get", "/", "-s", "1", "/"}, "get takes at most one PATH"},
	} {
		code, stdout, stderr := runClient(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || stdout != "" {
			t.Errorf("stepwise-client %q: exit %d, stdout %q, stderr %q; want exit 2, no output and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

func TestNotLoopback(t *testing.T) {
	for _, addr := range []string{"192.0.2.1:8080", "10.0.0.1:80", "0.0.0.0:8080", "[2001:db8::1]:80", "example.com:80", "localhost.example.com:80"} {
		code, stdout, stderr := runClient(t, "-addr", addr, "get")
		want := "stepwise-client: -addr " + addr + ": not a loopback address; stepwise-client talks only to 127.0.0.0/8 or [::1] (try -addr 127.0.0.1:8080)\n"
		if code != 2 || stderr != want || stdout != "" {
			t.Errorf("-addr %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", addr, code, stdout, stderr, want)
		}
	}
}

func TestLoopback(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"127.1.2.3:80", "127.1.2.3:80"},
		{"localhost:8080", "127.0.0.1:8080"},
		{":8080", "127.0.0.1:8080"},
		{"[::1]:8080", "[::1]:8080"},
		{"[::ffff:127.0.0.1]:8080", "127.0.0.1:8080"},
	} {
		if got, err := loopback(tt.in); got != tt.want || err != nil {
			t.Errorf("loopback(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"GET / HTTP/1.0\r\n\r\n", 64, `"GET / HTTP/1.0\r\n\r\n"`},
		{"GET / HTTP/1.0\r\n\r\n", 5, `"GET /"...`},
		{"a\x00\xff", 64, `"a\x00\xff"`},
		{"", 0, `""`},
	} {
		if got := quote([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("quote(%q, %d) = %s; want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

// A head of thousands of lines, or one line of megabytes, is not poured
// onto the terminal: the first lines are shown, a long line is cut, and
// the client says how much it left out.
func TestLongHead(t *testing.T) {
	p, conn := sends(t, "GET / HTTP/1.0\r\n\r\n", "\r\n\r\n", "get")
	long := "X-Long: " + strings.Repeat("y", 5000)
	reply(t, conn, "HTTP/1.0 200 OK\r\n"+long+"\r\n"+strings.Repeat("X-Junk: zzz\r\n", 500)+"Content-Length: 0\r\n\r\n")
	checkOutput(t, p,
		regexp.QuoteMeta(`c1 < "X-Long: `+strings.Repeat("y", 1024-len("X-Long: "))+`"...`),
		`c1 < X-Junk: zzz`,
		regexp.QuoteMeta(`c1 * ... and 403 more lines of head (4439 bytes), not shown`),
	)
	if n := strings.Count(p.stdout.String(), "c1 < X-Junk: zzz"); n != 98 {
		t.Errorf("%d X-Junk lines shown; want 98, for 100 lines of head in all", n)
	}
}
