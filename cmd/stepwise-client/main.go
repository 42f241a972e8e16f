// Command stepwise-client is the classroom's second terminal: it plays the
// clients a lesson needs (a slow one, an idle one, many at once, and a few
// that send what a careless server gets wrong) against a server on this
// machine, and prints what it sent, what came back, and when.
//
// Run stepwise in one terminal and stepwise-client in another, and read the
// two side by side: the server's trace shows each accept, read, write and
// close; the client shows the same conversation from the other end.
//
// Usage:
//
//	stepwise-client [flags] SCENARIO [args] [flags]
//
// The scenarios are:
//
//	get [PATH]     one ordinary GET (default /)
//	slow [PATH]    a GET sent one byte at a time, -delay apart
//	slowread [PATH] a GET whose answer is read 64 KiB every -delay (default /numbers.txt)
//	idle           connect, send nothing, and time how long the server keeps us
//	many N         N clients connect, then all send a GET, then each answer is read
//	http09 [PATH]  "GET /\r\n", a Simple-Request: the answer has no status line
//	nolength       POST /echo with a body but no Content-Length (expect 400)
//	fold           a request with a header folded onto a second line
//	traversal      four paths that try to leave the document root, one per connection
//	pipelined      two requests in one write: HTTP/1.0 answers the first and closes
//	raw FILE       FILE's bytes as they are (- for standard input)
//
// The flags are:
//
//	-addr host:port
//		the server (default 127.0.0.1:8080). Only loopback addresses are
//		accepted: this tool never loads someone else's server.
//	-delay D
//		slow: the pause between bytes; slowread: the time for each 64 KiB (default 200ms)
//	-for D
//		idle: how long to wait for the server to hang up (default 30s)
//	-timeout D
//		every other wait: give up on an answer after D; slowread gives up
//		when no byte comes for D (default 10s)
//	-s N
//		show at most N bytes of each byte string (default 64), as strace -s
//	-json
//		print one JSON object per client instead of text
//
// Bytes are shown as Go quotes them, as strace does: "GET / HTTP/1.0\r\n\r\n",
// followed by ... when cut. Lines read > for what the client sent, < for what
// came back, * for a note, as curl -v does and as the server's trace does.
// Times are milliseconds since the scenario started.
//
// Example session, with stepwise running in the first terminal:
//
//	$ stepwise-client get /hello.txt
//	* get: one ordinary GET; an HTTP/1.0 server answers and closes
//	c1 > "GET /hello.txt HTTP/1.0\r\n\r\n" (27 bytes)
//	c1 < HTTP/1.0 200 OK
//	c1 < Date: Sat, 21 Nov 2026 14:41:27 GMT
//	c1 < Server: stepwise
//	c1 < Content-Type: text/plain; charset=utf-8
//	c1 < Content-Length: 198
//	c1 <
//	c1 * body: 198 bytes "Hello! This is a plain-text file.\n\nThe server looked at its name"...
//	c1 * ms: connected 0.31, sent 0.33, first byte back 0.71, closed by the server 0.72
//
// many runs on one goroutine, as the server does: it connects every
// client, then sends every request, then reads the answers in order, c1
// first. So a time "back" is when the client got round to reading it: for
// c2 onwards, an upper bound.
//
// Exit status: 2 for a mistake on the command line (a non-loopback -addr
// among them), 1 if a connection failed, an answer did not come in time,
// or the server closed before the end of an answer (its head, or as much
// body as its Content-Length said), 0 otherwise, whatever the status codes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"stepwise/cmd/internal/cli"
)

func main() {
	cli.Main("stepwise-client", run)
}

// Bounds on what a teacher can ask for, so that every loop ends.
const (
	maxClients = 1000             // many N: a select server holds at most 1024 fds
	maxDelay   = 10 * time.Second // slow: per byte
	maxWait    = 10 * time.Minute // idle -for, and -timeout
	maxRaw     = 1 << 20          // raw FILE: bytes sent
	maxPath    = 1024             // PATH arguments
	scenarios  = `Scenarios:
  get [PATH]     one ordinary GET (default /)
  slow [PATH]    a GET sent one byte at a time, -delay apart
  slowread [PATH]
                 a GET whose answer is read 64 KiB every -delay, through a
                 small receive buffer (default /numbers.txt, 8 MiB)
  idle           connect, send nothing, and time how long the server keeps us
  many N         N clients connect, then all send a GET, then each answer is read
  http09 [PATH]  "GET /\r\n", a Simple-Request: the answer has no status line
  nolength       POST /echo with a body but no Content-Length (expect 400)
  fold           a request with a header folded onto a second line
  traversal      four paths that try to leave the document root, one per connection
  pipelined      two requests in one write: HTTP/1.0 answers the first and closes
  raw FILE       FILE's bytes as they are (- for standard input)
Flags (before SCENARIO or right after its name):
`
	scenarioOK = "get, slow, slowread, idle, many, http09, nolength, fold, traversal, pipelined or raw"
)

func run(args []string, stdout, stderr io.Writer) error {
	return cli.Reporting(stdout, func(stdout io.Writer) error { return scenario(args, stdout, stderr) })
}

// scenario parses the command line and runs the scenario it names.
func scenario(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("stepwise-client", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: stepwise-client [flags] SCENARIO [args]")
		fmt.Fprint(flags.Output(), scenarios)
		flags.PrintDefaults()
	}
	addr := flags.String("addr", "127.0.0.1:8080", "the server's `host:port`; loopback only")
	delay := flags.Duration("delay", 200*time.Millisecond, "slow: pause between bytes; slowread: time for each 64 KiB")
	idleFor := flags.Duration("for", 30*time.Second, "idle: how long to wait for the server to hang up")
	timeout := flags.Duration("timeout", 10*time.Second, "give up on an answer after this long (slowread: when no byte comes for this long)")
	strSize := flags.Int("s", 64, "show at most `N` bytes of each byte string")
	asJSON := flags.Bool("json", false, "print one JSON object per client instead of text")

	// Flags may come before the scenario, after its name or after its
	// arguments: "stepwise-client slow -delay 50ms" and "stepwise-client
	// get /a.txt -addr 127.0.0.1:9000" read as a teacher would expect. A
	// number is an argument, not a flag: "many -1" is a bad number of
	// clients.
	var words []string
	for left := args; ; {
		if help, err := cli.Parse(flags, left); help || err != nil {
			return err
		}
		if left = flags.Args(); len(left) == 0 {
			break
		}
		words, left = append(words, left[0]), left[1:]
		for len(left) > 0 && isNumber(left[0]) {
			words, left = append(words, left[0]), left[1:]
		}
	}
	if len(words) == 0 {
		return cli.Usage(errors.New("no scenario; want " + scenarioOK + " (-h lists them)"))
	}
	name, rest := words[0], words[1:]

	target, err := loopback(*addr)
	if err != nil {
		return cli.Usage(err)
	}
	switch {
	case *delay < 0 || *delay > maxDelay:
		return cli.Usage(fmt.Errorf("-delay %v: want 0 to %v", *delay, maxDelay))
	case *idleFor <= 0 || *idleFor > maxWait:
		return cli.Usage(fmt.Errorf("-for %v: want more than 0 and at most %v", *idleFor, maxWait))
	case *timeout <= 0 || *timeout > maxWait:
		return cli.Usage(fmt.Errorf("-timeout %v: want more than 0 and at most %v", *timeout, maxWait))
	case *strSize < 0:
		return cli.Usage(fmt.Errorf("-s %d: want 0 or more", *strSize))
	}

	s := &session{
		scenario: name,
		addr:     target,
		delay:    *delay,
		idleFor:  *idleFor,
		timeout:  *timeout,
		strSize:  *strSize,
		json:     *asJSON,
		out:      stdout,
	}
	switch name {
	case "get":
		return withPath(name, rest, "/", s.get)
	case "slow":
		return withPath(name, rest, "/", s.slow)
	case "slowread":
		return withPath(name, rest, "/numbers.txt", s.slowread)
	case "http09":
		return withPath(name, rest, "/", s.http09)
	case "many":
		if len(rest) != 1 {
			return cli.Usage(errors.New("many takes one argument, the number of clients: many 5"))
		}
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 1 || n > maxClients {
			return cli.Usage(fmt.Errorf("many %q: want a number of clients from 1 to %d", rest[0], maxClients))
		}
		return s.many(n)
	case "raw":
		if len(rest) != 1 {
			return cli.Usage(errors.New("raw takes one argument, a file whose bytes to send (- for standard input)"))
		}
		data, err := readRaw(rest[0])
		if err != nil {
			return err
		}
		return s.raw(rest[0], data)
	case "idle":
		return noArgs(name, rest, s.idle)
	case "nolength":
		return noArgs(name, rest, s.nolength)
	case "fold":
		return noArgs(name, rest, s.fold)
	case "traversal":
		return noArgs(name, rest, s.traversal)
	case "pipelined":
		return noArgs(name, rest, s.pipelined)
	}
	return cli.Usage(fmt.Errorf("unknown scenario %q; want %s (-h lists them)", name, scenarioOK))
}

// isNumber reports whether s is a whole number, such as many's "-1".
func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// withPath runs a scenario that takes at most one PATH, def by default.
func withPath(name string, rest []string, def string, scenario func(path string) error) error {
	if len(rest) > 1 {
		return cli.Usage(fmt.Errorf("%s takes at most one PATH, not %q", name, rest))
	}
	path := def
	if len(rest) == 1 {
		path = rest[0]
	}
	if err := checkPath(path); err != nil {
		return cli.Usage(err)
	}
	return scenario(path)
}

// noArgs runs a scenario that takes no arguments.
func noArgs(name string, rest []string, scenario func() error) error {
	if len(rest) > 0 {
		return cli.Usage(fmt.Errorf("%s takes no arguments, not %q", name, rest))
	}
	return scenario()
}

// loopback checks that addr is a loopback host:port and returns it with
// the host as a literal IP ("localhost" and an empty host read as
// 127.0.0.1). It looks no name up: any other name is refused, so that a
// classroom demo can never be pointed at someone else's server.
func loopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-addr %q: want host:port, for example 127.0.0.1:8080", addr)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return "", fmt.Errorf("-addr %s: not a loopback address; stepwise-client talks only to 127.0.0.0/8 or [::1] (try -addr 127.0.0.1:8080)", addr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return "", fmt.Errorf("-addr %s: port %q: want 1 to 65535", addr, port)
	}
	return net.JoinHostPort(ip.Unmap().String(), port), nil
}

// checkPath accepts a PATH argument that fits in a request line. Anything
// stranger belongs in a file for the raw scenario.
func checkPath(path string) error {
	if len(path) == 0 || path[0] != '/' || len(path) > maxPath {
		return fmt.Errorf("path %q: want a path starting with /, at most %d bytes (send anything else with raw FILE)", path, maxPath)
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("path %q: byte %d is %q; a request line cannot hold it (send it with raw FILE)", path, i, c)
		}
	}
	return nil
}

// readRaw reads the bytes of the raw scenario: a file, or standard input
// for "-". At most maxRaw bytes are read.
func readRaw(name string) ([]byte, error) {
	f := os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, fmt.Errorf("raw: %v", err)
		}
		defer f.Close()
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRaw+1))
	if err != nil {
		return nil, fmt.Errorf("raw: %v", err)
	}
	if len(data) > maxRaw {
		return nil, fmt.Errorf("raw %s: more than %d bytes; a demo request should fit on a screen", name, maxRaw)
	}
	return data, nil
}
