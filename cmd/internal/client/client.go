// Package client is the classroom's end of the conversation, shared by
// stepwise-client and stepwise compare: a connection that keeps what it
// sent, what came back and when (Conn), and the answer cut into its parts
// (ParseAnswer). It is a witness, not a second HTTP implementation.
package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// A Conn is one connection and its story: what was sent, what came back,
// and when. Every time counts from the start of the scenario, so that the
// connections of one scenario can be compared; a time that has not
// happened is Never.
type Conn struct {
	Name string // c1, c2, ... in the order of connecting (the server numbers its own since it started)

	Sent     []byte // everything written
	Writes   int    // how many write calls it took
	Got      []byte // everything read, at most maxGot bytes
	Received int64  // the bytes read: len(Got), or more after ReceiveSlowly
	Reads    int    // how many read calls brought them

	// Connected is when connect returned; FirstSent and LastSent when
	// the first and the last write call began (so nothing the server
	// does with the last byte can come before LastSent); FirstGot when
	// the first byte came back; Closed when the connection ended.
	Connected, FirstSent, LastSent, FirstGot, Closed time.Duration

	ClosedBy string // "the server" if it hung up first, "us" if we gave up waiting
	Err      error  // what went wrong, if anything did

	conn  net.Conn  // nil until connected, and once closed
	start time.Time // the start of the scenario
}

// Never is the time of what has not happened.
const Never time.Duration = -1

// maxGot bounds the bytes read back from one connection: twice the demo
// site's biggest file, numbers.txt.
const maxGot = 16 << 20

// New returns a connection named name, not yet connected, whose times
// count from start.
func New(name string, start time.Time) *Conn {
	return &Conn{Name: name, start: start, Connected: Never, FirstSent: Never, LastSent: Never, FirstGot: Never, Closed: Never}
}

func (c *Conn) since() time.Duration { return time.Since(c.start) }

// Dial connects to addr, waiting at most timeout. On failure it returns
// c.Err, which says why, and, when the connection was refused (on
// loopback: nothing is listening), what to try.
func (c *Conn) Dial(addr string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	switch {
	case refused(err):
		c.Err = fmt.Errorf("%v; is the server running? start it with: go run ./cmd/stepwise -addr %s", err, addr)
		return c.Err
	case err != nil:
		c.Err = err
		return c.Err
	}
	c.conn = conn
	c.Connected = c.since()
	return nil
}

// refused reports whether err is connect(2)'s ECONNREFUSED. The package
// stays clear of package syscall (see cmd/stepwise's TestPackageRules),
// so it knows the error by the text the kernel gives it.
func refused(err error) bool {
	var se *os.SyscallError
	return errors.As(err, &se) && se.Syscall == "connect" && se.Err.Error() == "connection refused"
}

// SendSlowly writes b one byte per write call, pausing delay between
// bytes, and shows each byte on progress as it goes. It is one of the two
// places the client sleeps (ReceiveSlowly is the other): the pause is the
// lesson. len(b) bounds the loop.
func (c *Conn) SendSlowly(b []byte, delay, timeout time.Duration, progress io.Writer) {
	for i := range b {
		if i > 0 {
			time.Sleep(delay)
		}
		if !c.Send(b[i:i+1], timeout) {
			break
		}
		q := strconv.Quote(string(b[i : i+1]))
		fmt.Fprint(progress, q[1:len(q)-1])
	}
	fmt.Fprintln(progress)
}

// Send writes b in one write call and reports whether it succeeded.
// (net.Conn's Write loops over short writes itself; on loopback a request
// of a few hundred bytes goes out, and arrives, in one piece.)
func (c *Conn) Send(b []byte, timeout time.Duration) bool {
	if c.conn == nil || c.Err != nil {
		return false
	}
	c.conn.SetWriteDeadline(time.Now().Add(timeout))
	c.LastSent = c.since()
	if c.FirstSent == Never {
		c.FirstSent = c.LastSent
	}
	n, err := c.conn.Write(b)
	c.Writes++
	c.Sent = append(c.Sent, b[:n]...)
	if err != nil {
		c.Err = fmt.Errorf("write: %w", err)
		return false
	}
	return true
}

// Receive reads until the server closes the connection, an error, the
// deadline, or maxGot bytes; then it closes the connection. idle says
// that reaching the deadline is the expected end rather than a failure.
func (c *Conn) Receive(deadline time.Time, idle bool) {
	c.receive(idle, false, 32<<10, 0, func() time.Time { return deadline })
}

// ReceiveSlowly reads the answer as a client on a slow link does: piece
// bytes at a time, at most piece bytes every delay, until
// the server closes the connection, an error, or timeout without a byte;
// then it closes the connection. It first makes its socket's receive
// buffer about piece bytes, so that the kernel holds little for it: what
// it has not read waits in the server's buffer, and then in the server.
// Got keeps the first maxGot bytes; Received counts them all.
func (c *Conn) ReceiveSlowly(piece int, delay, timeout time.Duration) {
	if tc, ok := c.conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(piece)
	}
	c.receive(false, true, piece, delay, func() time.Time { return time.Now().Add(timeout) })
}

// receive is Receive, or ReceiveSlowly (slowly: it reads all, keeping
// maxGot bytes, whatever the delay, 0 included), reading piece bytes at a
// time, each read by deadline().
func (c *Conn) receive(idle, slowly bool, piece int, delay time.Duration, deadline func() time.Time) {
	if c.conn == nil {
		return
	}
	defer c.HangUp()
	if c.Err != nil {
		return
	}
	buf := make([]byte, piece)
	begin := time.Now()
	for { // each pass reads at least one byte, or ends
		size := len(buf)
		switch {
		case !slowly && len(c.Got) == maxGot:
			c.Err = fmt.Errorf("stopped reading after %d bytes", maxGot)
			return
		case !slowly:
			size = min(size, maxGot-len(c.Got))
		default:
			// The slow link: piece bytes every delay, however many reads
			// they take (a read may return less). The pause is the lesson.
			time.Sleep(time.Until(begin.Add(time.Duration(c.Received/int64(piece)) * delay)))
		}
		c.conn.SetReadDeadline(deadline())
		n, err := c.conn.Read(buf[:size])
		c.Reads++
		if n > 0 && c.FirstGot == Never {
			c.FirstGot = c.since()
		}
		c.Got = append(c.Got, buf[:min(n, maxGot-len(c.Got))]...)
		c.Received += int64(n)
		switch {
		case err == io.EOF:
			c.ClosedBy = "the server"
			c.Closed = c.since()
			c.Err = c.cutShort()
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			if !idle {
				c.Err = fmt.Errorf("no end of answer in time; the server is still waiting or still sending")
			}
			return
		case err != nil:
			c.Err = fmt.Errorf("read: %w", err)
			return
		}
	}
}

// cutShort says how an answer that the server ended is incomplete: its
// head never ended, or its body is shorter than its Content-Length, as
// curl says "transfer closed with N bytes remaining to read" and exits 18.
// An answer to HEAD, and a 1xx, 204 or 304, has no body whatever its
// Content-Length says (RFC 1945, 7.2); an answer that does not start with
// "HTTP/" is an HTTP/0.9 body, which ends where the connection does.
func (c *Conn) cutShort() error {
	a := ParseAnswer(c.Got)
	switch code := a.Code(); {
	case a.Status == "":
		return nil
	case !a.HeadDone:
		return errors.New("the server closed the connection before the end of the head")
	case a.Length < 0, bytes.HasPrefix(c.Sent, []byte("HEAD ")), code/100 == 1, code == 204, code == 304:
		return nil
	}
	body := int64(len(a.Body)) + c.Received - int64(len(c.Got)) // Got may keep only the first bytes
	if missing := int64(a.Length) - body; missing > 0 {
		return fmt.Errorf("the server closed the connection %d bytes short of the body's Content-Length (%d)", missing, a.Length)
	}
	return nil
}

// HangUp closes the connection if the server has not already.
func (c *Conn) HangUp() {
	if c.conn == nil {
		return
	}
	if c.ClosedBy == "" {
		c.ClosedBy = "us"
		c.Closed = c.since()
	}
	c.conn.Close()
	c.conn = nil
}
