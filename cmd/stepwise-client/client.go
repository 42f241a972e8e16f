package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// A client is one connection and its story: what was sent, what came
// back, and when. Every time counts from the start of the scenario, so that
// the clients of one scenario can be compared; a time that has not
// happened is never (-1).
type client struct {
	name  string    // c1, c2, ... in the order of connecting (the server numbers its own since it started)
	conn  net.Conn  // nil until connected
	start time.Time // the start of the scenario

	sent   []byte // everything written
	writes int    // how many write calls it took
	got    []byte // everything read, at most maxGot bytes

	connected, firstSent, lastSent, firstGot, closed time.Duration

	closedBy string // "the server" if it hung up first, "us" if we gave up waiting
	err      error  // what went wrong, if anything did
}

const never time.Duration = -1

func newClient(name string, start time.Time) *client {
	return &client{name: name, start: start, connected: never, firstSent: never, lastSent: never, firstGot: never, closed: never}
}

func (c *client) since() time.Duration { return time.Since(c.start) }

// dial connects to addr, waiting at most timeout. On failure c.err says
// why, and what to try: on loopback, nearly always nothing is listening.
func (c *client) dial(addr string, timeout time.Duration) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		c.err = fmt.Errorf("%v; is the server running? start it with: go run ./cmd/stepwise -addr %s", err, addr)
		return
	}
	c.conn = conn
	c.connected = c.since()
}

// sendSlowly writes b one byte per write call, pausing delay between
// bytes, and shows each byte on progress as it goes. It is the one place
// the client sleeps: the pause is the lesson. len(b) bounds the loop.
func (c *client) sendSlowly(b []byte, delay, timeout time.Duration, progress io.Writer) {
	for i := range b {
		if i > 0 {
			time.Sleep(delay)
		}
		if !c.send(b[i:i+1], timeout) {
			break
		}
		q := strconv.Quote(string(b[i : i+1]))
		fmt.Fprint(progress, q[1:len(q)-1])
	}
	fmt.Fprintln(progress)
}

// send writes b in one write call and reports whether it succeeded.
// (net.Conn's Write loops over short writes itself; on loopback a request
// of a few hundred bytes goes out, and arrives, in one piece.)
func (c *client) send(b []byte, timeout time.Duration) bool {
	if c.conn == nil || c.err != nil {
		return false
	}
	c.conn.SetWriteDeadline(time.Now().Add(timeout))
	if c.firstSent == never {
		c.firstSent = c.since()
	}
	n, err := c.conn.Write(b)
	c.writes++
	c.sent = append(c.sent, b[:n]...)
	c.lastSent = c.since()
	if err != nil {
		c.err = fmt.Errorf("write: %w", err)
		return false
	}
	return true
}

// receive reads until the server closes the connection, an error, the
// deadline, or maxGot bytes; then it closes the connection. idle says
// that reaching the deadline is the expected end rather than a failure.
func (c *client) receive(deadline time.Time, idle bool) {
	if c.conn == nil {
		return
	}
	defer c.hangUp()
	if c.err != nil {
		return
	}
	c.conn.SetReadDeadline(deadline)
	buf := make([]byte, 32<<10)
	for len(c.got) < maxGot { // each pass reads at least one byte, or ends
		n, err := c.conn.Read(buf[:min(len(buf), maxGot-len(c.got))])
		if n > 0 && c.firstGot == never {
			c.firstGot = c.since()
		}
		c.got = append(c.got, buf[:n]...)
		switch {
		case err == io.EOF:
			c.closedBy = "the server"
			c.closed = c.since()
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			if !idle {
				c.err = fmt.Errorf("no end of answer in time; the server is still waiting or still sending (see -timeout)")
			}
			return
		case err != nil:
			c.err = fmt.Errorf("read: %w", err)
			return
		}
	}
	c.err = fmt.Errorf("stopped reading after %d bytes", maxGot)
}

// hangUp closes the connection if the server has not already.
func (c *client) hangUp() {
	if c.conn == nil {
		return
	}
	if c.closedBy == "" {
		c.closedBy = "us"
		c.closed = c.since()
	}
	c.conn.Close()
	c.conn = nil
}
