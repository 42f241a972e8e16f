package main

// Loopback integration tests: the real command, run as a subprocess (this
// test binary re-executed with STEPWISE_TEST_MAIN=1), driven by real
// clients: Go's net/http, curl, Python's http.client, raw sockets, and
// strace watching it from outside.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"stepwise/trace"
)

func TestMain(m *testing.M) {
	if os.Getenv("STEPWISE_TEST_MAIN") == "1" {
		main() // returns only after -h; errors exit inside main
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ioTimeout bounds every client operation, so that a server that never
// answers fails the test instead of hanging it. It is a deadline, not a wait.
const ioTimeout = 10 * time.Second

// A server is a running stepwise process.
type server struct {
	addr    string // "127.0.0.1:PORT"
	pid     int    // the server's pid (under strace, not cmd's)
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	stdout  *bufio.Reader // what it prints after the "serving" line
	pipe    *os.File      // stdout's read end, for a read deadline
	stopped bool
}

// start runs stepwise with -addr 127.0.0.1:0 and args, and returns once it
// has printed the address it listens on.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	return startCmd(t, os.Args[0], append([]string{"-addr", "127.0.0.1:0"}, args...)...)
}

// selfCmd is this test binary run as stepwise with args (see TestMain).
func selfCmd(args ...string) *exec.Cmd { return testMainCmd(os.Args[0], args...) }

// testMainCmd runs name with args and STEPWISE_TEST_MAIN=1: stepwise
// itself, or strace running it.
func testMainCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "STEPWISE_TEST_MAIN=1")
	return cmd
}

// startCmd runs name with args and STEPWISE_TEST_MAIN=1, reads the
// "stepwise: serving ... on http://ADDR/" line from its stdout, and
// captures its stderr. The process is killed when the test ends.
func startCmd(t *testing.T, name string, args ...string) *server {
	t.Helper()
	cmd := testMainCmd(name, args...)
	s := &server{cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = s.stderr
	// With -access-log the serving line comes on stderr, among the trace.
	var onStderr chan string
	if slices.Contains(args, "-access-log") {
		onStderr = make(chan string, 1)
		cmd.Stderr = io.MultiWriter(s.stderr, &servingLine{found: onStderr})
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	s.pid = cmd.Process.Pid
	t.Cleanup(s.stop)
	s.stdout = bufio.NewReader(stdout)
	s.pipe, _ = stdout.(*os.File)
	serving := s.stdout
	if onStderr != nil {
		select {
		case line := <-onStderr:
			serving = bufio.NewReader(strings.NewReader(line))
		case <-time.After(ioTimeout):
			serving = bufio.NewReader(strings.NewReader(""))
		}
	}
	line, addr, err := readServing(serving)
	if err != nil {
		t.Fatalf("%s %q: first stdout line %q (%v); want \"stepwise: serving ... on http://ADDR/\"; stderr:\n%s", name, args, line, err, s.trace())
	}
	s.addr = addr
	return s
}

// servingLine watches what a server writes to stderr for its serving line,
// and sends it on found, once.
type servingLine struct {
	buf   []byte
	found chan string
}

func (w *servingLine) Write(p []byte) (int, error) {
	if w.found == nil {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i+1])
		w.buf = w.buf[i+1:]
		if strings.HasPrefix(line, "stepwise: serving ") {
			w.found <- line
			w.found, w.buf = nil, nil
			return len(p), nil
		}
	}
}

// stop kills the server and waits for it; it may be called more than once.
func (s *server) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	// Under strace, s.pid is the server's: once it is dead, strace writes
	// its last lines and exits by itself.
	syscall.Kill(s.pid, syscall.SIGKILL)
	s.cmd.Wait()
}

// trace stops the server and returns everything it wrote to stderr.
func (s *server) trace() string {
	s.stop()
	return s.stderr.String()
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// dial opens a client connection with a deadline.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(ioTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends req on a new connection and reads the answer to EOF. The
// error is the read's, with whatever came before it.
func exchange(t *testing.T, addr string, req string) (string, error) {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("write %.40q: %v", req, err)
	}
	resp, err := io.ReadAll(c)
	return string(resp), err
}

// statusLine returns the first line of resp, without its CRLF.
func statusLine(resp string) string {
	line, _, _ := strings.Cut(resp, "\r\n")
	return line
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httpClient() *http.Client {
	return &http.Client{
		Timeout:   ioTimeout,
		Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// do sends req and returns the response with its body read.
func do(t *testing.T, c *http.Client, method, url, ctype, body string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	checkCommon(t, method+" "+url, resp)
	return resp, b
}

// checkCommon checks what every response carries: HTTP/1.0, Date, Server.
func checkCommon(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if resp.Proto != "HTTP/1.0" {
		t.Errorf("%s: proto %q; want HTTP/1.0", what, resp.Proto)
	}
	if d := resp.Header.Get("Date"); d == "" {
		t.Errorf("%s: no Date header", what)
	} else if _, err := time.Parse(http.TimeFormat, d); err != nil {
		t.Errorf("%s: Date %q: %v", what, d, err)
	}
	if sv := resp.Header.Get("Server"); sv != "stepwise" {
		t.Errorf("%s: Server %q; want stepwise", what, sv)
	}
}

// mediaType returns the media type of a Content-Type, parameters dropped.
func mediaType(ctype string) string {
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		return "invalid: " + ctype
	}
	return mt
}

func checkStatus(t *testing.T, what string, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Errorf("%s: status %d; want %d", what, resp.StatusCode, want)
	}
}

func checkType(t *testing.T, what string, resp *http.Response, want string) {
	t.Helper()
	if got := mediaType(resp.Header.Get("Content-Type")); got != want {
		t.Errorf("%s: Content-Type %q; want %s", what, resp.Header.Get("Content-Type"), want)
	}
}

func checkLength(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("%s: Content-Length %q; body has %d bytes", what, cl, len(body))
	}
}

// 1. The demo site, with Go's own HTTP client.
func TestDemoSite(t *testing.T) {
	s := start(t)
	c := httpClient()

	resp, index := do(t, c, "GET", s.url("/"), "", "")
	checkStatus(t, "GET /", resp, 200)
	checkType(t, "GET /", resp, "text/html")
	checkLength(t, "GET /", resp, index)
	for _, want := range []string{`href="/style.css"`, `src="/fdset.png"`, `<form method="post" action="/echo"`} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("GET /: body has no %s:\n%s", want, index)
		}
	}

	resp, css := do(t, c, "GET", s.url("/style.css"), "", "")
	checkStatus(t, "GET /style.css", resp, 200)
	checkType(t, "GET /style.css", resp, "text/css")
	checkLength(t, "GET /style.css", resp, css)

	resp, png := do(t, c, "GET", s.url("/fdset.png"), "", "")
	checkStatus(t, "GET /fdset.png", resp, 200)
	checkType(t, "GET /fdset.png", resp, "image/png")
	if want := readFile(t, "site/fdset.png"); !bytes.Equal(png, want) {
		t.Errorf("GET /fdset.png: %d bytes differing from site/fdset.png (%d bytes)", len(png), len(want))
	}

	resp, hello := do(t, c, "GET", s.url("/hello.txt"), "", "")
	checkStatus(t, "GET /hello.txt", resp, 200)
	checkType(t, "GET /hello.txt", resp, "text/plain")
	if want := readFile(t, "site/hello.txt"); !bytes.Equal(hello, want) {
		t.Errorf("GET /hello.txt: body %q; want %q", hello, want)
	}

	nresp, numbers := do(t, c, "GET", s.url("/numbers.txt"), "", "")
	checkStatus(t, "GET /numbers.txt", nresp, 200)
	checkType(t, "GET /numbers.txt", nresp, "text/plain")
	checkLength(t, "GET /numbers.txt", nresp, numbers)
	if want := wantNumbers(); !bytes.Equal(numbers, want) {
		t.Errorf("GET /numbers.txt: %d bytes, differing from the %d of 000001 to 131072", len(numbers), len(want))
	}

	// HEAD, on a raw socket so that a body sent by mistake is seen.
	get := resp
	raw, err := exchange(t, s.addr, "HEAD /hello.txt HTTP/1.0\r\n\r\n")
	if err != nil {
		t.Fatalf("HEAD /hello.txt: %v", err)
	}
	head, rest, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok || rest != "" {
		t.Errorf("HEAD /hello.txt: want headers and no body; got %q", raw)
	}
	hresp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head+"\r\n\r\n")), &http.Request{Method: "HEAD"})
	if err != nil {
		t.Fatalf("HEAD /hello.txt: %v in %q", err, raw)
	}
	checkStatus(t, "HEAD /hello.txt", hresp, 200)
	checkCommon(t, "HEAD /hello.txt", hresp)
	for name := range get.Header {
		if name != "Date" && hresp.Header.Get(name) != get.Header.Get(name) {
			t.Errorf("HEAD /hello.txt: %s %q; GET had %q", name, hresp.Header.Get(name), get.Header.Get(name))
		}
	}
	if len(hresp.Header) != len(get.Header) {
		t.Errorf("HEAD /hello.txt: headers %v; GET had %v", hresp.Header, get.Header)
	}
	resp, body := do(t, c, "HEAD", s.url("/"), "", "")
	checkStatus(t, "HEAD /", resp, 200)
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(index)) || len(body) != 0 {
		t.Errorf("HEAD /: Content-Length %q and %d body bytes; want %d and none", cl, len(body), len(index))
	}

	const msg = "message=hello, server\r\n"
	resp, echo := do(t, c, "POST", s.url("/echo"), "text/plain", msg)
	checkStatus(t, "POST /echo", resp, 200)
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("POST /echo: Content-Type %q; want text/plain, as sent", ct)
	}
	if string(echo) != msg {
		t.Errorf("POST /echo: body %q; want %q", echo, msg)
	}
	checkLength(t, "POST /echo", resp, echo)

	resp, page := do(t, c, "GET", s.url("/nope"), "", "")
	checkStatus(t, "GET /nope", resp, 404)
	checkType(t, "GET /nope", resp, "text/html")
	checkLength(t, "GET /nope", resp, page)
	if !bytes.Contains(page, []byte("<html")) || !bytes.Contains(page, []byte("404")) {
		t.Errorf("GET /nope: body %q; want an HTML page saying 404", page)
	}
}

// lookPath fails the test if a tool the integration tests use is missing.
func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%v: the integration tests need %s (apt-get install %s)", err, name, name)
	}
	return p
}

// runTool runs a client to completion and returns its stdout and stderr.
func runTool(t *testing.T, name string, args ...string) (string, string) {
	t.Helper()
	lookPath(t, name)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v (apt-get install %s if it is missing); stderr:\n%s", name, args, err, name, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// 2. curl, as the README tells people to use it.
func TestCurl(t *testing.T) {
	s := start(t)
	out, errs := runTool(t, "curl", "-sS", "-v", "--max-time", "10", s.url("/hello.txt"))
	if want := string(readFile(t, "site/hello.txt")); out != want {
		t.Errorf("curl %s: stdout %q; want %q", s.url("/hello.txt"), out, want)
	}
	if !strings.Contains(errs, "< HTTP/1.0 200 OK") {
		t.Errorf("curl -v %s: stderr has no \"< HTTP/1.0 200 OK\":\n%s", s.url("/hello.txt"), errs)
	}

	const js = `{"hello":"server"}`
	out, errs = runTool(t, "curl", "-sS", "-v", "--max-time", "10", "-d", js, "-H", "Content-Type: application/json", s.url("/echo"))
	if out != js {
		t.Errorf("curl -d %s %s: stdout %q; want %q", js, s.url("/echo"), out, js)
	}
	if !strings.Contains(errs, "< Content-Type: application/json") {
		t.Errorf("curl -d %s %s: stderr has no \"< Content-Type: application/json\":\n%s", js, s.url("/echo"), errs)
	}
}

// 3. Python's http.client.
func TestPython(t *testing.T) {
	s := start(t)
	const script = `
import http.client, sys
host, port = sys.argv[1], int(sys.argv[2])
c = http.client.HTTPConnection(host, port, timeout=10)
c.request("GET", "/")
r = c.getresponse(); b = r.read()
print(r.status, r.version, len(b), r.getheader("Content-Length"))
c.close()
c = http.client.HTTPConnection(host, port, timeout=10)
c.request("POST", "/echo", body=b"ping from python", headers={"Content-Type": "text/plain"})
r = c.getresponse(); b = r.read()
print(r.status, r.version, len(b), b.decode())
c.close()
`
	host, port, _ := strings.Cut(s.addr, ":")
	out, _ := runTool(t, "python3", "-c", script, host, port)
	n := len(readFile(t, "site/index.html"))
	want := fmt.Sprintf("200 10 %d %d\n200 10 16 ping from python\n", n, n)
	if out != want {
		t.Errorf("python3 http.client: printed %q; want %q (status, version 10 = HTTP/1.0, body length)", out, want)
	}
}

// 4. HTTP/0.9: a Simple-Request gets the body alone.
func TestHTTP09(t *testing.T) {
	s := start(t)
	want := string(readFile(t, "site/hello.txt"))
	for _, req := range []string{"GET /hello.txt\r\n", "GET /hello.txt\n"} {
		got, err := exchange(t, s.addr, req)
		if err != nil {
			t.Errorf("%q: read: %v", req, err)
		}
		if got != want {
			t.Errorf("%q: got %q; want the file alone, %q", req, got, want)
		}
	}
}

// 5. Bad and hostile input: each gets its status, and the server lives on.
func TestHostileInput(t *testing.T) {
	s := start(t)
	var manyHeaders strings.Builder
	manyHeaders.WriteString("GET / HTTP/1.0\r\n")
	for i := range 200 {
		fmt.Fprintf(&manyHeaders, "X-Header-%d: %d\r\n", i, i)
	}
	manyHeaders.WriteString("\r\n")
	tests := []struct {
		name, req, want string
	}{
		{"unknown method", "BREW /pot HTTP/1.0\r\n\r\n", "HTTP/1.0 501 "},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", "HTTP/1.0 505 "},
		{"HEAD without version", "HEAD /\r\n\r\n", "HTTP/1.0 400 "},
		{"dot-dot", "GET /../../etc/passwd HTTP/1.0\r\n\r\n", "HTTP/1.0 400 "},
		{"escaped dot-dot", "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.0\r\n\r\n", "HTTP/1.0 400 "},
		{"NUL in request line", "GET /\x00 HTTP/1.0\r\n\r\n", "HTTP/1.0 400 "},
		{"20 KiB request line", "GET /" + strings.Repeat("a", 20<<10) + " HTTP/1.0\r\n\r\n", "HTTP/1.0 414 "},
		{"200 headers", manyHeaders.String(), "HTTP/1.0 431 "},
		{"POST without Content-Length", "POST /echo HTTP/1.0\r\n\r\nhello", "HTTP/1.0 400 "},
		{"Content-Length -1", "POST /echo HTTP/1.0\r\nContent-Length: -1\r\n\r\n", "HTTP/1.0 400 "},
		{"two Content-Lengths", "POST /echo HTTP/1.0\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "HTTP/1.0 400 "},
		{"Content-Length over 1 MiB", "POST /echo HTTP/1.0\r\nContent-Length: 2000000\r\n\r\n", "HTTP/1.0 413 "},
		{"chunked on HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "HTTP/1.0 400 "},
		{"TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.0 400 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := exchange(t, s.addr, tt.req)
			line := statusLine(resp)
			switch {
			case err != nil && errors.Is(err, syscall.ECONNRESET) && strings.HasPrefix(line, "HTTP/1.0 "):
				t.Logf("%.40q: connection reset after %q (the server closed with unread input: issue #4's polite close)", tt.req, line)
			case err != nil:
				t.Errorf("%.40q: read: %v after %q", tt.req, err, resp)
			}
			if !strings.HasPrefix(line, tt.want) {
				t.Errorf("%.40q: status line %q; want %q...", tt.req, line, tt.want)
			}
			if strings.Contains(resp, "root:") {
				t.Errorf("%.40q: response shows /etc/passwd:\n%s", tt.req, resp)
			}
		})
	}
	resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n")
	if line := statusLine(resp); err != nil || line != "HTTP/1.0 200 OK" {
		t.Errorf("GET /hello.txt after the bad requests: status line %q (%v); want HTTP/1.0 200 OK", line, err)
	}
}

// fdCount returns how many fds process pid has open.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// 6. Fifty clients at once, twenty times over, and no fd leaked.
func TestManyClients(t *testing.T) {
	s := start(t)
	before := fdCount(t, s.pid)
	want := string(readFile(t, "site/hello.txt"))
	const clients, rounds = 50, 20
	for round := range rounds {
		conns := make([]net.Conn, clients)
		for i := range conns {
			conns[i] = dial(t, s.addr)
		}
		for i, c := range conns {
			if _, err := fmt.Fprintf(c, "GET /hello.txt?round=%d&client=%d HTTP/1.0\r\n\r\n", round, i); err != nil {
				t.Fatalf("round %d, client %d: write: %v", round, i, err)
			}
		}
		for i, c := range conns {
			b, err := io.ReadAll(c)
			c.Close()
			if err != nil {
				t.Fatalf("round %d, client %d: read: %v after %q", round, i, err, b)
			}
			head, body, _ := strings.Cut(string(b), "\r\n\r\n")
			if line := statusLine(head); line != "HTTP/1.0 200 OK" || body != want {
				t.Fatalf("round %d, client %d: status line %q, body %q; want HTTP/1.0 200 OK and %q", round, i, line, body, want)
			}
		}
	}
	// Every client read EOF, so the server has closed every connection.
	t.Logf("server fds: %d before, %d after", before, fdCount(t, s.pid))
	if after := fdCount(t, s.pid); after != before {
		t.Errorf("server has %d fds open after %d requests; %d before", after, clients*rounds, before)
	}
}

// 7. -root DIR: types, dates, conditional GET, redirects, symlinks.
func TestRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notes := write("notes.txt", "some notes\n")
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 654321000, time.UTC)
	if err := os.Chtimes(notes, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	write("data.json", `{"a":1}`)
	write("sub/index.html", "<p>sub</p>\n")
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP SECRET outside the root\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", filepath.Base(outside), "secret.txt"), filepath.Join(root, "escape2.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("notes.txt", filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}

	s := start(t, "-root", root)
	c := httpClient()

	resp, body := do(t, c, "GET", s.url("/notes.txt"), "", "")
	checkStatus(t, "GET /notes.txt", resp, 200)
	checkType(t, "GET /notes.txt", resp, "text/plain")
	if string(body) != "some notes\n" {
		t.Errorf("GET /notes.txt: body %q; want %q", body, "some notes\n")
	}
	lastMod := mtime.Truncate(time.Second).Format(http.TimeFormat)
	if lm := resp.Header.Get("Last-Modified"); lm != lastMod {
		t.Errorf("GET /notes.txt: Last-Modified %q; want %q (the file's mtime)", lm, lastMod)
	}

	resp, _ = do(t, c, "GET", s.url("/data.json"), "", "")
	checkStatus(t, "GET /data.json", resp, 200)
	checkType(t, "GET /data.json", resp, "application/json")

	raw, err := exchange(t, s.addr, "GET /notes.txt HTTP/1.0\r\nIf-Modified-Since: "+lastMod+"\r\n\r\n")
	if err != nil {
		t.Errorf("GET /notes.txt If-Modified-Since: read: %v", err)
	}
	head, rest, _ := strings.Cut(raw, "\r\n\r\n")
	if line := statusLine(head); line != "HTTP/1.0 304 Not Modified" || rest != "" {
		t.Errorf("GET /notes.txt If-Modified-Since %s: status line %q, body %q; want 304 and no body", lastMod, line, rest)
	}

	resp, _ = do(t, c, "GET", s.url("/sub"), "", "")
	checkStatus(t, "GET /sub", resp, 301)
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/sub/") {
		t.Errorf("GET /sub: Location %q; want it to end in /sub/", loc)
	}
	resp, body = do(t, c, "GET", s.url("/sub/"), "", "")
	checkStatus(t, "GET /sub/", resp, 200)
	checkType(t, "GET /sub/", resp, "text/html")
	if string(body) != "<p>sub</p>\n" {
		t.Errorf("GET /sub/: body %q; want sub/index.html", body)
	}

	for _, p := range []string{"/escape.txt", "/escape2.txt"} {
		resp, body = do(t, c, "GET", s.url(p), "", "")
		if resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("GET %s (symlink out of the root): status %d; want 403 or 404", p, resp.StatusCode)
		}
		if bytes.Contains(body, []byte("TOP SECRET")) {
			t.Errorf("GET %s (symlink out of the root): served the outside file: %q", p, body)
		}
	}
	resp, body = do(t, c, "GET", s.url("/link.txt"), "", "")
	checkStatus(t, "GET /link.txt (symlink inside the root)", resp, 200)
	if string(body) != "some notes\n" {
		t.Errorf("GET /link.txt: body %q; want the target's, %q", body, "some notes\n")
	}
	if tr := s.trace(); strings.Contains(tr, "TOP SECRET") {
		t.Errorf("the trace shows the outside file's content:\n%s", tr)
	}
}

// 8. Flags and exit statuses.
func TestTraceNone(t *testing.T) {
	s := start(t, "-trace", "none")
	if resp, err := exchange(t, s.addr, "GET / HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /: status line %q (%v); want HTTP/1.0 200 OK", statusLine(resp), err)
	}
	if tr := s.trace(); tr != "" {
		t.Errorf("-trace none: stderr %q; want nothing", tr)
	}
}

func TestTraceDefault(t *testing.T) {
	s := start(t)
	for _, req := range []string{"GET / HTTP/1.0\r\n\r\n", "GET /hello.txt HTTP/1.0\r\n\r\n"} {
		if resp, err := exchange(t, s.addr, req); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
			t.Fatalf("%q: status line %q (%v); want HTTP/1.0 200 OK", req, statusLine(resp), err)
		}
	}
	// The trace is written out when the server is about to sleep in
	// select, which may come after a client has its answer: the second
	// request can be accepted in the same round as the first, and then
	// nothing is written before the answers. A graceful stop writes out
	// everything; a kill might not.
	sendSignal(t, s, syscall.SIGTERM)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("SIGTERM: exit status %d; want 0; stderr:\n%s", code, s.stderr)
	}
	tr := s.stderr.String()
	for _, want := range []string{"\naccept4(", "\npselect6(", "\nread(", "\nwrite(", "\nclose(", "\nc1 > GET / HTTP/1.0\n", "\nc1 < HTTP/1.0 200 OK\n"} {
		if !strings.Contains(tr, want) {
			t.Errorf("default trace has no line starting %q:\n%s", strings.TrimPrefix(want, "\n"), tr)
		}
	}
}

// mustFail runs stepwise with args, expecting it to exit without serving,
// and returns its exit status and stderr.
func mustFail(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := selfCmd(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("stepwise %q: printed %q and served; want an error exit", args, line)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("stepwise %q: %v; want an error exit", args, err)
	}
	return ee.ExitCode(), stderr.String()
}

func TestBadFlag(t *testing.T) {
	code, stderr := mustFail(t, "-bogus")
	if code != 2 {
		t.Errorf("stepwise -bogus: exit status %d; want 2; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "bogus") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-h lists the flags") {
		t.Errorf("stepwise -bogus: stderr %q; want one line that names the flag and says where the flags are listed", stderr)
	}
}

func TestAddrInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	code, stderr := mustFail(t, "-addr", addr, "-trace", "none")
	if code != 1 {
		t.Errorf("stepwise -addr %s (in use): exit status %d; want 1", addr, code)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.Contains(stderr, addr) {
		t.Errorf("stepwise -addr %s (in use): stderr %q; want one line naming the address", addr, stderr)
	}
}

func TestRootMissing(t *testing.T) {
	code, stderr := mustFail(t, "-addr", "127.0.0.1:0", "-trace", "none", "-root", "/nonexistent")
	if code != 1 {
		t.Errorf("stepwise -root /nonexistent: exit status %d; want 1", code)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.Contains(stderr, "/nonexistent") {
		t.Errorf("stepwise -root /nonexistent: stderr %q; want one line naming the directory", stderr)
	}
}

// A straceCall is one finished system call in strace -f output.
type straceCall struct {
	pid  int
	name string
	fd   int // first argument, -1 if it is not a number
	ret  int // -1 if it failed or is unknown
	line string
}

// straceRet finds a call's result: ") = 5", ")      = -1 EAGAIN (...)".
var straceRet = regexp.MustCompile(`\)\s+= (-?\d+|\?)`)

// parseStrace reads strace -f -o output: "PID name(args) = ret", with calls
// that other threads interrupted split into "name(args <unfinished ...>"
// and "<... name resumed>rest) = ret". Signals and exits are skipped.
func parseStrace(t *testing.T, out string) []straceCall {
	t.Helper()
	var calls []straceCall
	pending := map[int]straceCall{}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		pidStr, rest, _ := strings.Cut(line, " ")
		pid, err := strconv.Atoi(pidStr)
		if err != nil {
			t.Fatalf("strace line without a pid: %q", line)
		}
		rest = strings.TrimSpace(rest)
		var c straceCall
		switch {
		case strings.HasPrefix(rest, "---"), strings.HasPrefix(rest, "+++"):
			continue
		case strings.HasSuffix(rest, "<detached ...>"):
			// "???( <detached ...>": a thread was inside a call when the
			// process exited, and strace could not record which.
			continue
		case strings.HasPrefix(rest, "<... "):
			var ok bool
			if c, ok = pending[pid]; !ok {
				t.Fatalf("strace: resumed call that never started: %q", line)
			}
			delete(pending, pid)
			c.line += " " + rest
		default:
			name, args, ok := strings.Cut(rest, "(")
			if !ok {
				t.Fatalf("strace: cannot parse %q", line)
			}
			c = straceCall{pid: pid, name: name, fd: -1, ret: -1, line: line}
			end := strings.IndexAny(args, ",) ")
			if end < 0 {
				end = len(args)
			}
			if fd, err := strconv.Atoi(args[:end]); err == nil {
				c.fd = fd
			}
			if strings.HasSuffix(rest, "<unfinished ...>") {
				pending[pid] = c
				continue
			}
		}
		// strace pads before "= ret" to line results up in a column.
		if m := straceRet.FindAllStringSubmatch(rest, -1); m != nil {
			if n, err := strconv.Atoi(m[len(m)-1][1]); err == nil {
				c.ret = n
			}
		}
		calls = append(calls, c)
	}
	return calls
}

// startStrace runs stepwise under strace -f, writing the calls in filter
// to a file, and returns the server and the file's name.
func startStrace(t *testing.T, filter string, args ...string) (*server, string) {
	t.Helper()
	lookPath(t, "strace")
	out := filepath.Join(t.TempDir(), "strace.out")
	sargs := append([]string{"-f", "-qq", "-o", out, "-e", "trace=" + filter, "--", os.Args[0], "-addr", "127.0.0.1:0"}, args...)
	s := startCmd(t, "strace", sargs...)
	// The server is strace's child; it has printed its address, so it exists.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", s.pid, s.pid))
	f := strings.Fields(string(b))
	if err != nil || len(f) != 1 {
		t.Fatalf("strace (pid %d): children %q (%v); want the server's pid", s.pid, b, err)
	}
	if s.pid, err = strconv.Atoi(f[0]); err != nil {
		t.Fatal(err)
	}
	return s, out
}

// straceClients makes the requests the strace tests watch: two interleaved
// clients and an HTTP/0.9 one.
func straceClients(t *testing.T, s *server) {
	t.Helper()
	a, b := dial(t, s.addr), dial(t, s.addr)
	if _, err := io.WriteString(a, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(b, "GET /style.css HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// b is answered while a's request is still unfinished.
	if resp, err := io.ReadAll(b); err != nil || statusLine(string(resp)) != "HTTP/1.0 200 OK" {
		t.Fatalf("client b, while a is half-sent: status line %q (%v); want HTTP/1.0 200 OK", statusLine(string(resp)), err)
	}
	if _, err := io.WriteString(a, "\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, err := io.ReadAll(a); err != nil || statusLine(string(resp)) != "HTTP/1.0 200 OK" {
		t.Fatalf("client a: status line %q (%v); want HTTP/1.0 200 OK", statusLine(string(resp)), err)
	}
	want := string(readFile(t, "site/hello.txt"))
	if resp, err := exchange(t, s.addr, "GET /hello.txt\r\n"); err != nil || resp != want {
		t.Fatalf("HTTP/0.9 GET /hello.txt: %q (%v); want %q", resp, err, want)
	}
}

// 9. strace's view: select, every network call on one thread, and no
// socket ever in an epoll set. (The Go runtime has an epoll instance of
// its own, for its timers, which the server has it make at start; it
// registers only its own eventfd there. What the server promises is that
// none of its sockets goes through epoll.)
func TestStraceOneThreadNoEpoll(t *testing.T) {
	s, out := startStrace(t, "%network,pselect6,select,epoll_create,epoll_create1,epoll_ctl,epoll_wait,epoll_pwait,read,write,close", "-trace", "none")
	straceClients(t, s)
	s.stop()
	calls := parseStrace(t, string(readFile(t, out)))

	sockets := map[int]bool{}
	threads := map[int]string{} // pid -> first network call it made
	accepts, selects, runtimeEpoll := 0, 0, 0
	for _, c := range calls {
		network := false
		switch c.name {
		case "epoll_ctl":
			// epoll_ctl(epfd, op, fd, ...): the fd registered is the third argument.
			if f := strings.Split(c.line, ", "); len(f) > 2 {
				if fd, err := strconv.Atoi(f[2]); err == nil && sockets[fd] {
					t.Errorf("strace shows a socket registered with epoll: %s", c.line)
				}
			}
			runtimeEpoll++
		case "epoll_create", "epoll_create1", "epoll_wait", "epoll_pwait":
			runtimeEpoll++
		case "socket":
			if c.ret >= 0 {
				sockets[c.ret] = true
			}
		case "accept4":
			network = true
			accepts++
			if c.ret >= 0 {
				sockets[c.ret] = true
			}
		case "pselect6", "select":
			network = true
			selects++
		case "read", "write":
			network = sockets[c.fd]
		case "close":
			network = sockets[c.fd]
			delete(sockets, c.fd)
		}
		if _, seen := threads[c.pid]; network && !seen {
			threads[c.pid] = c.line
		}
	}
	t.Logf("strace: %d calls, %d accept4, %d select, network calls on %d thread(s), %d epoll calls by the Go runtime for itself", len(calls), accepts, selects, len(threads), runtimeEpoll)
	if selects == 0 {
		t.Errorf("strace shows no pselect6 or select call")
	}
	if accepts < 3 {
		t.Errorf("strace shows %d accept4 calls; want at least 3, one per client", accepts)
	}
	if len(threads) != 1 {
		t.Errorf("network calls made on %d threads; want 1:", len(threads))
		for pid, line := range threads {
			t.Errorf("  thread %d first made: %s", pid, line)
		}
	}
}

// Honest by construction (issue 3): for a session, the network system
// calls in the trace, each with its fd and result, are exactly those
// strace records for the process, in the same order: the trace neither
// invents a call nor hides one.
func TestStraceMatchesTrace(t *testing.T) {
	s, out := startStrace(t, "%network,pselect6,read,write,close", "-color", "never")
	straceClients(t, s)
	sendSignal(t, s, syscall.SIGINT) // a graceful stop writes the whole trace
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("server under strace exited %d after SIGINT; want 0", code)
	}
	fromStrace := networkCalls(parseStrace(t, string(readFile(t, out))))
	fromTrace := networkCalls(parseTraceCalls(s.stderr.String()))
	if len(fromStrace) < 10 {
		t.Fatalf("strace recorded only %d network calls", len(fromStrace))
	}
	if err := matchCalls(fromStrace, fromTrace); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d network calls, the same in strace and in the trace", len(fromStrace))
}

// The same session, line by line: each network call's arguments and result
// as the trace prints them are the ones strace prints, down to the time
// select had left and the bytes of each string (both cut at 32), but for
// what docs/trace-format.md says the trace leaves out: an address strace
// prints in hex is 0x..., and a call the kernel restarted is one line.
func TestStraceLinesMatchTrace(t *testing.T) {
	s, out := startStrace(t, "%network,pselect6,read,write,close", "-color", "never")
	straceClients(t, s)
	if lefts := matchStraceLines(t, s, out, false); lefts == 0 {
		t.Errorf("no select with a timeout returned a ready fd; want one that shows the time left")
	}
}

// The blocking model's calls, setsockopt's timeouts among them, line by
// line as strace prints them. (The shutdown that wakes its accept is made
// on another thread, and the trace only names it: only the server's own
// thread is compared.)
func TestStraceLinesMatchTraceBlocking(t *testing.T) {
	s, out := startStrace(t, "%network,read,write,close", "-color", "never", "-model", "blocking")
	if resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /hello.txt: status line %q (%v); want HTTP/1.0 200 OK", statusLine(resp), err)
	}
	matchStraceLines(t, s, out, true)
	if !strings.Contains(s.stderr.String(), "SO_RCVTIMEO_OLD") {
		t.Errorf("the blocking model set no SO_RCVTIMEO:\n%s", s.stderr.String())
	}
}

// matchStraceLines stops s, which runs under strace writing to out, and
// compares the lines of its network calls with strace's (only those of
// the server's main thread if mainOnly). It returns how many selects
// showed the time they had left.
func matchStraceLines(t *testing.T, s *server, out string, mainOnly bool) int {
	t.Helper()
	sendSignal(t, s, syscall.SIGINT)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("server under strace exited %d after SIGINT; want 0", code)
	}
	calls := parseStrace(t, string(readFile(t, out)))
	if mainOnly {
		calls = slices.DeleteFunc(calls, func(c straceCall) bool { return c.pid != s.pid })
	}
	fromStrace := networkCalls(calls)
	fromTrace := networkCalls(parseTraceCalls(s.stderr.String()))
	if err := matchCalls(fromStrace, fromTrace); err != nil {
		t.Fatal(err)
	}
	lefts := 0
	for i, j := 0, 0; i < len(fromStrace) && j < len(fromTrace); i, j = i+1, j+1 {
		st, tr := straceText(fromStrace[i].line), traceText(fromTrace[j].line)
		if strings.Contains(st, "= ? ERESTART") {
			if !strings.Contains(tr, "EINTR") {
				j-- // restarted by the kernel: one call for the program
			}
			continue
		}
		if st != tr {
			t.Errorf("network call %d:\n strace: %s\n  trace: %s", i+1, st, tr)
		}
		if strings.Contains(tr, ", left {") {
			lefts++
		}
	}
	return lefts
}

// With -access-log, the log's local times make Go read the time zone
// (/etc/localtime, or the zone file TZ names) the first time one is
// formatted. That happens before the trace begins, with the rest of the
// setup, not in the middle of the first request, in calls strace shows
// and the trace would not.
func TestTimeZoneReadBeforeServing(t *testing.T) {
	s, out := startStrace(t, "openat,socket", "-color", "never", "-access-log")
	if resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /hello.txt: status line %q (%v); want HTTP/1.0 200 OK", statusLine(resp), err)
	}
	if line, err := s.stdout.ReadString('\n'); err != nil || !strings.Contains(line, "GET /hello.txt") {
		t.Fatalf("access log: %q (%v); want the request's line", line, err)
	}
	sendSignal(t, s, syscall.SIGINT)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("server under strace exited %d after SIGINT; want 0", code)
	}
	serving := false
	for _, c := range parseStrace(t, string(readFile(t, out))) {
		serving = serving || c.name == "socket"
		if serving && c.name == "openat" && (strings.Contains(c.line, "localtime") || strings.Contains(c.line, "zoneinfo")) {
			t.Errorf("the time zone is read while serving, in a call the trace does not show: %s", c.line)
		}
	}
}

// straceText is a call's line as strace -f printed it, without the pid,
// joined again if another thread split it, with one space before "=" and
// each address in hex shown as 0x..., as the trace shows it.
func straceText(line string) string {
	_, line, _ = strings.Cut(line, " ")
	line = strings.TrimSpace(line)
	line = regexp.MustCompile(` <unfinished \.\.\.> <\.\.\. \w+ resumed>`).ReplaceAllString(line, "")
	line = regexp.MustCompile(`\)\s+= `).ReplaceAllString(line, ") = ")
	return regexp.MustCompile(`\b0x[0-9a-f]+\b`).ReplaceAllString(line, "0x...")
}

// traceText is a call's line in the trace, without its comment.
func traceText(line string) string {
	return regexp.MustCompile(` /\* [^*]* \*/$`).ReplaceAllString(line, "")
}

// matchCalls checks that the trace's calls are strace's, one for one: the
// same name, fd and result, in the same order.
func matchCalls(fromStrace, fromTrace []straceCall) error {
	for i, j := 0, 0; i < len(fromStrace) || j < len(fromTrace); i, j = i+1, j+1 {
		var st, tr straceCall
		if i < len(fromStrace) {
			st = fromStrace[i]
		}
		if j < len(fromTrace) {
			tr = fromTrace[j]
		}
		// A signal wakes the loop's thread out of pselect6 even when
		// another thread handles it; the kernel then restarts the call
		// itself, and strace shows "= ? ERESTARTNOHAND" and the call
		// again, while the program saw one call. Only when the handler
		// ran on this thread does the program see EINTR, and the trace
		// show it.
		if strings.Contains(st.line, "= ? ERESTART") && !strings.Contains(tr.line, "EINTR") {
			j--
			continue
		}
		if st.name != tr.name || st.fd != tr.fd || st.ret != tr.ret {
			return fmt.Errorf("network call %d differs:\n strace: %s\n  trace: %s\n(%d calls in strace, %d in the trace)", i+1, st.line, tr.line, len(fromStrace), len(fromTrace))
		}
	}
	return nil
}

// The comparison, on the lines of a real run where SIGINT woke the loop's
// thread but was handled on another (the kernel restarted pselect6), and
// of one where it was handled on the loop's thread (EINTR, retried).
func TestMatchCalls(t *testing.T) {
	st := func(lines ...string) []straceCall { return parseStrace(t, strings.Join(lines, "\n")) }
	tr := func(lines ...string) []straceCall { return parseTraceCalls(strings.Join(lines, "\n")) }
	restarted := st(
		"5678  pselect6(7, [5 6], [], NULL, NULL, NULL <unfinished ...>",
		"5678  <... pselect6 resumed>)           = ? ERESTARTNOHAND (To be restarted if no handler)",
		"5678  pselect6(7, [5 6], [], NULL, NULL, NULL) = 1 (in [6])",
		"5678  close(5)                          = 0")
	interrupted := st(
		"5678  pselect6(7, [5 6], [], NULL, NULL, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)",
		"5678  pselect6(7, [5 6], [], NULL, NULL, NULL) = 1 (in [6])")
	oneCall := tr(
		"pselect6(7, [5 6], [], NULL, NULL, NULL) = 1 (in [6]) /* 5=listener 6=signals */",
		"close(5) = 0")
	eintr := tr(
		"pselect6(7, [5 6], [], NULL, NULL, NULL) = -1 EINTR (Interrupted system call) /* 5=listener 6=signals */",
		"pselect6(7, [5 6], [], NULL, NULL, NULL) = 1 (in [6]) /* 5=listener 6=signals */")
	if err := matchCalls(restarted, oneCall); err != nil {
		t.Errorf("a restart the program never saw: %v", err)
	}
	if err := matchCalls(interrupted, eintr); err != nil {
		t.Errorf("an EINTR the program saw and retried: %v", err)
	}
	if err := matchCalls(st("5678  close(5) = 0", "5678  close(6) = 0"), tr("close(5) = 0")); err == nil {
		t.Error("a call in strace that the trace hides: matchCalls = nil; want an error")
	}
	if err := matchCalls(st("5678  close(5) = 0"), tr("close(5) = 0", "close(6) = 0")); err == nil {
		t.Error("a call in the trace that strace never saw: matchCalls = nil; want an error")
	}
}

// parseTraceCalls reads the system call lines of a text trace:
// "name(args) = ret ..." or "name(args) = -1 ERRNO (...)".
func parseTraceCalls(tr string) []straceCall {
	var calls []straceCall
	for line := range strings.Lines(tr) {
		line = strings.TrimSpace(line)
		name, args, ok := strings.Cut(line, "(")
		i := strings.LastIndex(line, ") = ")
		if !ok || i < 0 || strings.ContainsAny(name, " -*<>") {
			continue
		}
		c := straceCall{name: name, fd: -1, ret: -1, line: line}
		end := strings.IndexAny(args, ",)")
		if fd, err := strconv.Atoi(args[:max(end, 0)]); err == nil {
			c.fd = fd
		}
		r, _, _ := strings.Cut(line[i+len(") = "):], " ")
		if n, err := strconv.Atoi(r); err == nil {
			c.ret = n
		}
		calls = append(calls, c)
	}
	return calls
}

// networkCalls keeps the calls that touch the network: the socket calls,
// select, and read, write and close on a socket's fd (not on files, pipes
// or the terminal).
func networkCalls(calls []straceCall) []straceCall {
	sockets := map[int]bool{}
	var keep []straceCall
	for _, c := range calls {
		switch c.name {
		case "socket", "accept4":
			if c.ret >= 0 {
				sockets[c.ret] = true
			}
		case "read", "write":
			if !sockets[c.fd] {
				continue
			}
		case "close":
			if !sockets[c.fd] {
				continue
			}
			delete(sockets, c.fd)
		case "pipe2", "openat", "openat2", "fstat", "rt_sigprocmask":
			continue // in the trace, but not network calls: strace's filter leaves them out
		}
		keep = append(keep, c)
	}
	return keep
}

// A failed start still shows, with the trace on, the call that failed.
func TestRootMissingTraced(t *testing.T) {
	code, stderr := mustFail(t, "-addr", "127.0.0.1:0", "-root", "/nonexistent")
	if code != 1 {
		t.Errorf("stepwise -root /nonexistent: exit status %d; want 1", code)
	}
	if !strings.Contains(stderr, `openat(AT_FDCWD, "/nonexistent"`) || !strings.Contains(stderr, "ENOENT") {
		t.Errorf("stepwise -root /nonexistent (trace on): stderr %q; want the failed openat line, ENOENT and all, before the error", stderr)
	}
}

// wait waits, for at most ioTimeout, for the server to exit by itself, and
// returns its exit status and what it printed on stdout after the
// "serving" line. Its stdout reaches end of file when it exits.
func wait(t *testing.T, s *server) (code int, stdout string) {
	t.Helper()
	if s.pipe == nil {
		t.Fatal("wait: the server's stdout is not a pipe")
	}
	s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
	rest, err := io.ReadAll(s.stdout)
	if err != nil {
		t.Fatalf("the server has not exited %v later: reading its stdout: %v; stderr:\n%s", ioTimeout, err, s.trace())
	}
	s.stopped = true // nothing left to kill
	err = s.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("wait for the server: %v", err)
	}
	return code, string(rest)
}

// sendSignal sends sig to the server.
func sendSignal(t *testing.T, s *server, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(s.pid, sig); err != nil {
		t.Fatalf("kill -%v %d: %v", sig, s.pid, err)
	}
}

// halfRequest opens a client that sends half a request, and returns once
// the server has read that half: a second client's full round trip, which
// the server answers only after a turn of its loop that also read the
// first client's bytes (they arrived, and it accepted the first client,
// before the second).
func halfRequest(t *testing.T, s *server) net.Conn {
	t.Helper()
	c := dial(t, s.addr)
	if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
		t.Fatal(err)
	}
	if resp, err := exchange(t, s.addr, "GET / HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /: status line %q (%v); want HTTP/1.0 200 OK", statusLine(resp), err)
	}
	return c
}

// listenerClosed dials the server until the connection is refused, at
// most 200 times, each failed attempt a full round trip, and returns the
// number of attempts.
func listenerClosed(t *testing.T, s *server) int {
	t.Helper()
	for i := 1; i <= 200; i++ {
		c, err := net.DialTimeout("tcp", s.addr, ioTimeout)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return i
		}
		if errors.Is(err, syscall.ECONNRESET) {
			continue // queued as the listener closed: reset
		}
		if err != nil {
			t.Fatalf("dial %s after the signal: %v; want ECONNREFUSED", s.addr, err)
		}
		// Still accepting, or queued before the listener closed: one more
		// round trip, whatever its answer, gives the signal time to arrive.
		c.SetDeadline(time.Now().Add(ioTimeout))
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		io.Copy(io.Discard, c)
		c.Close()
	}
	t.Fatalf("the server still accepts connections 200 attempts after the signal; stderr:\n%s", s.trace())
	return 0
}

// 10. Signals: SIGTERM on an idle server stops it gracefully.
func TestSignalSIGTERMIdle(t *testing.T) {
	s := start(t, "-trace", "none")
	// A round trip: the server answers only from its loop, so it is past
	// its start (see TestSignalAtStartup) and idle again.
	get(t, s, "/hello.txt")
	sendSignal(t, s, syscall.SIGTERM)
	code, out := wait(t, s)
	if code != 0 || out != "stepwise: stopped\n" {
		t.Errorf("SIGTERM: exit status %d, stdout %q; want 0 and \"stepwise: stopped\\n\"; stderr:\n%s", code, out, s.stderr)
	}
}

// SIGINT stops accepting and lets the request in flight finish.
func TestSignalSIGINTInFlight(t *testing.T) {
	s := start(t, "-trace", "none")
	c := halfRequest(t, s)
	sendSignal(t, s, syscall.SIGINT)
	tries := listenerClosed(t, s)
	t.Logf("listener closed: dial refused at attempt %d", tries)
	finishInFlight(t, s, c)
}

// finishInFlight sends the rest of c's half request after SIGINT: it must
// be answered 200, and the server must then stop with status 0.
func finishInFlight(t *testing.T, s *server, c net.Conn) {
	t.Helper()
	if _, err := io.WriteString(c, "\r\n"); err != nil {
		t.Fatalf("in-flight client, after SIGINT: write: %v", err)
	}
	resp, err := io.ReadAll(c)
	if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
		t.Errorf("in-flight client, after SIGINT: status line %q (%v); want HTTP/1.0 200 OK", line, err)
	}
	code, out := wait(t, s)
	if code != 0 || out != "stepwise: stopped\n" {
		t.Fatalf("SIGINT: exit status %d, stdout %q; want 0 and \"stepwise: stopped\\n\"; stderr:\n%s", code, out, s.stderr)
	}
}

// A second SIGINT stops at once: exit status 1, and the request in flight
// is dropped.
func TestSignalSecondSIGINT(t *testing.T) {
	s := start(t, "-trace", "none", "-shutdown-timeout", "30s")
	c := halfRequest(t, s)
	sendSignal(t, s, syscall.SIGINT)
	listenerClosed(t, s) // the first has arrived: the second cannot merge with it
	sendSignal(t, s, syscall.SIGINT)
	resp, err := io.ReadAll(c)
	if err != nil || len(resp) != 0 {
		t.Errorf("in-flight client, after two SIGINTs: read %q (%v); want end of file and nothing", resp, err)
	}
	code, out := wait(t, s)
	if stderr := s.stderr.String(); code != 1 || !strings.Contains(stderr, "second interrupt") {
		t.Errorf("two SIGINTs: exit status %d, stderr %q; want 1 and a line about the second interrupt", code, stderr)
	}
	if out != "" {
		t.Errorf("two SIGINTs: stdout %q; want nothing after the serving line", out)
	}
}

// After a stop and a fg (SIGSTOP or Ctrl-Z's SIGTSTP, then SIGCONT), the
// select loop wakes from the select the kernel made again with the time
// that was left before the stop (multiplex.SelectSignals), and goes on
// serving: SIGCONT is no request to stop, so the SIGINT after it is the
// first, and stops gracefully.
func TestSignalSIGCONT(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace.txt")
	s := start(t, "-color", "never", "-o", file)
	c := halfRequest(t, s) // select now waits for its head deadline
	inTimedSelect(t, s.pid)
	sendSignal(t, s, syscall.SIGSTOP)
	sendSignal(t, s, syscall.SIGCONT)
	// SIGCONT's handler runs on another thread than the loop's, which
	// blocks it, and its byte in the signal pipe wakes select. Without
	// SIGCONT in signal.Notify, the kernel made select again, with the
	// time that was left, and nothing shows. Nothing else wakes the loop
	// meanwhile, and it writes its trace out before its next select.
	woke := []byte("\n--- SIGCONT {si_signo=SIGCONT, ...} ---\n")
	for i := 0; ; i++ {
		tr, _ := os.ReadFile(file)
		if bytes.Contains(tr, []byte("EINTR")) {
			t.Fatalf("SIGCONT ended select with EINTR; want the signal pipe to wake it:\n%s", tr)
		}
		if bytes.Contains(tr, woke) {
			break
		}
		if i == 100000 {
			t.Fatalf("after SIGCONT, the trace does not show it:\n%s", tr)
		}
		runtime.Gosched()
	}
	sendSignal(t, s, syscall.SIGINT)
	listenerClosed(t, s)
	finishInFlight(t, s, c) // 200, and exit status 0: SIGINT was the first
}

// inTimedSelect returns once a thread of process pid is in pselect6 with
// a timeout, as /proc/PID/task/TID/syscall shows it: the call's number
// and its arguments, the fifth the timeout's address.
func inTimedSelect(t *testing.T, pid int) {
	t.Helper()
	inSelect(t, pid, true)
}

// inSelect returns the id of a thread of process pid that is in pselect6,
// with a timeout if timed, without one if not, once there is one.
func inSelect(t *testing.T, pid int, timed bool) int {
	t.Helper()
	tasks := fmt.Sprintf("/proc/%d/task", pid)
	for range 100000 {
		dirs, err := os.ReadDir(tasks)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			b, err := os.ReadFile(filepath.Join(tasks, d.Name(), "syscall"))
			if err != nil {
				continue // a thread that has just ended
			}
			if f := strings.Fields(string(b)); len(f) > 5 && f[0] == strconv.Itoa(syscall.SYS_PSELECT6) && (f[5] != "0x0") == timed {
				tid, _ := strconv.Atoi(d.Name())
				return tid
			}
		}
		runtime.Gosched()
	}
	t.Fatalf("no thread of process %d came to wait in pselect6 (with a timeout: %v)", pid, timed)
	return 0
}

// A stop and a fg of an idle server show nothing: SIGCONT's handler never
// runs on the thread asleep in select, which would end that select with
// EINTR though no deadline needs it (the kernel picks the thread; here it
// is sent to that very thread, where it used to land now and then). The
// loop's thread blocks SIGCONT, and the signal waits there, pending.
// (Fork's parent does not: its children would inherit the mask, and
// SIGCHLD ends its select with EINTR at every child's exit anyway.)
func TestSignalSIGCONTIdle(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace.txt")
	s := start(t, "-color", "never", "-o", file)
	tid := inSelect(t, s.pid, false)
	if err := syscall.Tgkill(s.pid, tid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// Either the signal waits on the thread, blocked, or its handler ran
	// there and select ended: the trace is written out before the next.
	status := fmt.Sprintf("/proc/%d/task/%d/status", s.pid, tid)
	for i := 0; ; i++ {
		if tr, _ := os.ReadFile(file); bytes.Contains(tr, []byte("EINTR")) {
			t.Fatalf("an idle select ended with EINTR after SIGCONT:\n%s", tr)
		}
		if b, _ := os.ReadFile(status); sigBit(b, "SigPnd:", syscall.SIGCONT) && sigBit(b, "SigBlk:", syscall.SIGCONT) {
			break
		}
		if i == 100000 {
			b, _ := os.ReadFile(status)
			t.Fatalf("SIGCONT neither held on thread %d nor seen in the trace:\n%s", tid, b)
		}
		runtime.Gosched()
	}
	if resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /hello.txt after SIGCONT: status line %q (%v); want HTTP/1.0 200 OK", statusLine(resp), err)
	}
	sendSignal(t, s, syscall.SIGINT)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("exit status %d after SIGINT; want 0", code)
	}
	tr := string(readFile(t, file))
	if strings.Contains(tr, "SIGCONT {") {
		t.Errorf("the trace shows SIGCONT, which came while select waited for no deadline:\n%s", tr)
	}
}

// sigBit reports whether the hex mask on /proc/PID/status's line that
// begins with field has sig's bit set.
func sigBit(status []byte, field string, sig syscall.Signal) bool {
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && m&(1<<(sig-1)) != 0
		}
	}
	return false
}

// With the trace on, the signal shows as strace shows one, and the loop
// reads it from the self-pipe.
func TestSignalSIGINTTraced(t *testing.T) {
	s := start(t, "-color", "never")
	get(t, s, "/hello.txt") // the server is in its loop
	sendSignal(t, s, syscall.SIGINT)
	if code, out := wait(t, s); code != 0 || out != "stepwise: stopped\n" {
		t.Errorf("SIGINT: exit status %d, stdout %q; want 0 and \"stepwise: stopped\\n\"", code, out)
	}
	tr := s.stderr.String()
	if !strings.Contains(tr, "\n--- SIGINT {si_signo=SIGINT, ...} ---\n") {
		t.Errorf("trace has no line \"--- SIGINT {si_signo=SIGINT, ...} ---\":\n%s", tr)
	}
	// pipe2([R, W], ...) made the signal pipe; the loop reads SIGINT's
	// number, 2, from R.
	_, after, _ := strings.Cut(tr, "\npipe2([")
	r, _, ok := strings.Cut(after, ", ")
	if want := "\nread(" + r + `, "\2", 16) = 1`; !ok || !strings.Contains(tr, want) {
		t.Errorf("trace has no line %q, the read of SIGINT's number from the signal pipe:\n%s", strings.TrimPrefix(want, "\n"), tr)
	}
}

// A signal that comes as soon as the server has said where it listens (a
// supervisor's SIGTERM, a quick Ctrl-C) gets the same graceful stop.
func TestSignalAtStartup(t *testing.T) {
	s := start(t, "-trace", "none")
	sendSignal(t, s, syscall.SIGTERM)
	code, out := wait(t, s)
	if code != 0 || out != "stepwise: stopped\n" {
		t.Errorf("SIGTERM right after the serving line: exit status %d (%v), stdout %q; want 0 and \"stepwise: stopped\\n\"", code, s.cmd.ProcessState, out)
	}
}

// writeSizes records the size of each Write.
type writeSizes []int

func (w *writeSizes) Write(p []byte) (int, error) {
	*w = append(*w, len(p))
	return len(p), nil
}

// Under fork the processes share stderr, so the trace writes at most
// PIPE_BUF (4096) bytes at a time, which a pipe keeps whole; the other
// models write their buffer at once.
func TestForkTraceWritesFitAPipe(t *testing.T) {
	for _, model := range []string{"fork", "select"} {
		var sizes writeSizes
		tr, _, err := openTrace("all", "", "", "none", "never", 32, &sizes, nil, false, model, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 { // some 60 KB of lines
			tr.Emit(trace.Event{Kind: trace.Syscall, Name: "read", Args: fmt.Sprintf("%d, ...", i), Conn: 1, Comment: "c1"})
		}
		tr.Flush()
		if most := slices.Max(sizes); model == "fork" && most > 4096 || model != "fork" && most <= 4096 {
			t.Errorf("-model %s: writes of up to %d bytes; want at most 4096 under fork only", model, most)
		}
	}
}
