package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"stepwise/cmd/internal/client"
)

// A session is one run of the client: a scenario, the settings it runs
// with, and where it prints. Each scenario is a method that reads top to
// bottom: connect, send, read, report, and say what to notice.
type session struct {
	scenario string
	addr     string        // a loopback host:port, checked by loopback
	delay    time.Duration // slow: the pause between bytes
	idleFor  time.Duration // idle: how long to wait for the server to hang up
	timeout  time.Duration // every other wait
	strSize  int           // show at most this many bytes of a byte string
	json     bool          // one JSON object per client instead of text
	out      io.Writer
	start    time.Time // when the scenario began; every time counts from it
}

// begin starts the scenario's clock and says what the scenario shows.
func (s *session) begin(format string, args ...any) {
	s.start = time.Now()
	s.printf("* "+format, args...)
}

// exchange is one connection that sends req in one write and reads until
// the server closes. Its error is only for a failed connect, when there is
// nothing to show; other failures are in the client, to report.
func (s *session) exchange(name string, req []byte) (*client.Conn, error) {
	c := client.New(name, s.start)
	if err := c.Dial(s.addr, s.timeout); err != nil {
		return nil, err
	}
	c.Send(req, s.timeout)
	c.Receive(time.Now().Add(s.timeout), false)
	return c, nil
}

// failed is the error of a scenario whose clients' failures have been
// shown already: it only counts them, for the exit status.
func failed(clients ...*client.Conn) error {
	var bad []string
	for _, c := range clients {
		if c.Err != nil {
			bad = append(bad, c.Name)
		}
	}
	switch {
	case len(bad) == 0:
		return nil
	case len(clients) == 1:
		return fmt.Errorf("%s failed (see above)", bad[0])
	}
	n := len(bad)
	if n > 10 {
		bad = append(bad[:10], "...") // the table above lists them all
	}
	return fmt.Errorf("%d of %d connections failed: %s (see above)", n, len(clients), strings.Join(bad, " "))
}

// expect says whether c's status is the one RFC 1945 asks for.
func (s *session) expect(c *client.Conn, want int) {
	a := client.ParseAnswer(c.Got)
	if a.Code() == want {
		s.printf("* as expected: %s", a.Short())
		return
	}
	s.printf("* UNEXPECTED: %s; want %d", a.Short(), want)
}

// one sends req on one connection, c1, and reports what came back: what
// most scenarios do before checking the answer.
func (s *session) one(req []byte) (*client.Conn, error) {
	c, err := s.exchange("c1", req)
	if err == nil {
		s.report(c, false)
	}
	return c, err
}

func (s *session) get(path string) error {
	s.begin("get: one ordinary GET; an HTTP/1.0 server answers and closes")
	c, err := s.one([]byte("GET " + path + " HTTP/1.0\r\n\r\n"))
	if err != nil {
		return err
	}
	return failed(c)
}

func (s *session) slow(path string) error {
	req := []byte("GET " + path + " HTTP/1.0\r\n\r\n")
	s.begin("slow: %d bytes, one every %v; a select server wakes for each byte and serves others in between; a blocking one serves no one else until the last", len(req), s.delay)
	c := client.New("c1", s.start)
	if err := c.Dial(s.addr, s.timeout); err != nil {
		return err
	}
	progress := io.Discard
	if !s.json {
		progress = s.out
		fmt.Fprint(progress, "* sending: ")
	}
	c.SendSlowly(req, s.delay, s.timeout, progress)
	c.Receive(time.Now().Add(s.timeout), false)
	s.report(c, false)
	if c.FirstGot != client.Never {
		s.printf("* the answer began %s ms after the last byte: the server waited for the whole head", ms(c.FirstGot-c.LastSent))
	}
	return failed(c)
}

// readPiece is how much slowread takes at a time, and about the size of
// its socket's receive buffer.
const readPiece = 64 << 10

func (s *session) slowread(path string) error {
	req := []byte("GET " + path + " HTTP/1.0\r\n\r\n")
	s.begin("slowread: the answer read %d KiB every %v; the server can send only as fast as we read, and a blocking one serves no one else meanwhile", readPiece>>10, s.delay)
	c := client.New("c1", s.start)
	if err := c.Dial(s.addr, s.timeout); err != nil {
		return err
	}
	c.Send(req, s.timeout)
	c.ReceiveSlowly(readPiece, s.delay, s.timeout)
	s.report(c, false)
	if c.FirstGot != client.Never && c.Closed != client.Never {
		s.printf("* %d bytes in %d reads, over %s ms", c.Received, c.Reads, ms(c.Closed-c.FirstGot))
	}
	return failed(c)
}

func (s *session) idle() error {
	s.begin("idle: connect and send nothing; how long does the server keep a silent client? (we wait up to %v)", s.idleFor)
	c := client.New("c1", s.start)
	if err := c.Dial(s.addr, s.timeout); err != nil {
		return err
	}
	c.Receive(time.Now().Add(s.idleFor), true)
	s.report(c, false)
	if c.ClosedBy == "the server" {
		s.printf("* the server hung up %s ms after we connected", ms(c.Closed-c.Connected))
	} else if c.Err == nil {
		s.printf("* after %v the server still held the connection: one of its fds, spent on a client that says nothing", s.idleFor)
	}
	return failed(c)
}

// many opens n connections, then sends one request on each, then reads
// each answer in turn, c1 first, all on this one goroutine.
//
// No goroutines are needed for the server to see n clients at once, which
// is the point. Each connect completes in the kernel (the listen backlog
// holds it until the server calls accept), each small request lands in a
// socket buffer, and each answer waits in our receive buffer until we
// read it. So the client stays as easy to follow as the server, and the
// server's trace comes out in a steady order: accepts, then reads, then
// writes. The price: "first byte back" is when we got round to reading
// that client, so for c2 onwards it is an upper bound. It still shows who
// the server made wait: a server that serves one client at a time sends
// c2's answer only after c1's, however we read them. A goroutine per
// client would time each arrival exactly, but the trace would interleave
// differently on every run.
func (s *session) many(n int) error {
	req := []byte("GET / HTTP/1.0\r\n\r\n")
	s.begin("many: %d clients connect, then each sends %s, then each answer is read in turn", n, quote(req, s.strSize))
	clients := make([]*client.Conn, n)
	for i := range clients {
		c := client.New(fmt.Sprintf("c%d", i+1), s.start)
		if err := c.Dial(s.addr, s.timeout); i == 0 && err != nil {
			return err // no server: nothing to show
		}
		clients[i] = c
	}
	for _, c := range clients {
		c.Send(req, s.timeout)
	}
	deadline := time.Now().Add(s.timeout)
	for _, c := range clients {
		c.Receive(deadline, false)
	}
	s.table(clients)

	var order []string // statuses in the order they first came back
	count := map[string]int{}
	last := client.Never // the latest first byte back
	for _, c := range clients {
		st := status(c)
		if count[st] == 0 {
			order = append(order, st)
		}
		count[st]++
		last = max(last, c.FirstGot)
	}
	var parts []string
	for _, status := range order {
		parts = append(parts, fmt.Sprintf("%d × %s", count[status], status))
	}
	if last == client.Never {
		s.printf("* %d clients: %s; no answer came", n, strings.Join(parts, ", "))
	} else {
		s.printf("* %d clients: %s; the last answer began %s ms after the start", n, strings.Join(parts, ", "), ms(last))
	}
	return failed(clients...)
}

func (s *session) http09(path string) error {
	s.begin("http09: a request line with no version is an HTTP/0.9 Simple-Request; the answer must be the body alone (RFC 1945 §4.1, §5)")
	c, err := s.one([]byte("GET " + path + "\r\n"))
	if err != nil {
		return err
	}
	switch a := client.ParseAnswer(c.Got); {
	case len(c.Got) == 0:
		s.printf("* UNEXPECTED: nothing came back")
	case a.Status == "":
		s.printf("* as expected: no status line, no headers, %d bytes of body, then the server closed", len(c.Got))
	default:
		s.printf("* UNEXPECTED: a status line came back, %q; a Simple-Request gets a Simple-Response", a.Status)
	}
	return failed(c)
}

func (s *session) nolength() error {
	s.begin("nolength: a POST with a body but no Content-Length; the server cannot tell where the body ends, so RFC 1945 §7.2.2 and §8.3 want 400")
	c, err := s.one([]byte("POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\n\r\nhello, server\n"))
	if err != nil {
		return err
	}
	s.expect(c, 400)
	return failed(c)
}

func (s *session) fold() error {
	s.begin("fold: a header continued on a line that starts with a space; the server must read the two lines as one (RFC 1945 §2.2, §4.2)")
	c, err := s.one([]byte("GET / HTTP/1.0\r\nX-Folded: first half,\r\n second half\r\n\r\n"))
	if err != nil {
		return err
	}
	s.expect(c, 200)
	return failed(c)
}

func (s *session) traversal() error {
	// Ways to leave the document root: plainly, with the dots
	// percent-encoded, with the slash percent-encoded, and from inside a
	// directory.
	paths := []string{
		"/../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd",
		"/..%2fetc/passwd",
		"/static/../../etc/passwd",
	}
	s.begin("traversal: %d paths that climb out of the document root, one connection each; none may be answered 200 (RFC 1945 §12.5)", len(paths))
	var clients []*client.Conn
	var served []string
	for i, path := range paths {
		c, err := s.exchange(fmt.Sprintf("c%d", i+1), []byte("GET "+path+" HTTP/1.0\r\n\r\n"))
		if err != nil {
			return err
		}
		s.report(c, true)
		if client.ParseAnswer(c.Got).Code() == 200 {
			served = append(served, path)
		}
		clients = append(clients, c)
	}
	if len(served) == 0 {
		s.printf("* as expected: none answered 200; nothing outside the root was served")
	} else {
		s.printf("* UNEXPECTED: 200 for %s", strings.Join(served, " "))
	}
	return failed(clients...)
}

func (s *session) pipelined() error {
	s.begin("pipelined: two requests in one write; an HTTP/1.0 server answers the first and closes (RFC 1945 §1.3)")
	c, err := s.one([]byte("GET / HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n"))
	if err != nil {
		return err
	}
	switch a := client.ParseAnswer(c.Got); {
	case len(c.Got) == 0:
		s.printf("* UNEXPECTED: nothing came back")
	case bytes.HasPrefix(a.Extra, []byte("HTTP/")):
		s.printf("* UNEXPECTED: a second answer followed; this server kept the connection open for the second request")
	case len(a.Extra) > 0:
		s.printf("* UNEXPECTED: %d bytes after the first answer's Content-Length", len(a.Extra))
	case a.Length < 0:
		s.printf("* one answer, with no Content-Length: it ended where the server closed")
	default:
		s.printf("* as expected: one answer for two requests, then the server closed; the second request was never answered")
	}
	return failed(c)
}

func (s *session) raw(name string, data []byte) error {
	if len(data) == 0 {
		return errors.New("raw " + name + ": nothing to send (to connect and send nothing, use idle)")
	}
	if name == "-" {
		name = "standard input"
	}
	s.begin("raw: %d bytes from %s, sent as they are in one write", len(data), name)
	c, err := s.one(data)
	if err != nil {
		return err
	}
	return failed(c)
}
