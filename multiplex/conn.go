package multiplex

import (
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	"stepwise/http10"
	"stepwise/trace"
)

// state is what the loop is waiting for on a connection.
type state uint8

const (
	// stateReading: waiting for the rest of the request. select watches the
	// fd for reading. Next: stateWriting once the request is parsed,
	// refused or late (408); stateClosed if the client goes away, the read
	// fails, or it sent nothing before its deadline.
	stateReading state = iota
	// stateWriting: the response is in c.out and partly sent. select
	// watches the fd for writing. Next: stateClosed once c.out is empty
	// (HTTP/1.0 closes after each response), the write fails or the client
	// stops taking bytes; stateDraining when the request was not read to
	// its end, or the answer took more than one turn (lingerNote).
	stateWriting
	// stateDraining: the answer is sent and the server's side shut down;
	// select watches the fd for reading, and what arrives is thrown away
	// until the client closes, or the linger time is up with nothing of
	// the answer still queued (a lingering close, lingerOn). Next:
	// stateClosed.
	stateDraining
	// stateClosed: the fd is closed and the connection forgotten. No next
	// state.
	stateClosed
)

func (s state) String() string {
	switch s {
	case stateReading:
		return "reading request"
	case stateWriting:
		return "writing response"
	case stateDraining:
		return "draining"
	case stateClosed:
		return "closed"
	}
	return "unknown"
}

// A conn is one accepted client connection.
type conn struct {
	fd       int
	id       int            // 1 for c1, the first connection accepted, 2 for c2, ...
	peer     netip.AddrPort // the client's address, 127.0.0.1:51234
	state    state
	deadline time.Time               // when the loop gives up on what it waits for in this state
	takeBy   time.Time               // WriteTimeout after the last write: a lingering close waits no longer for the answer's end (lingerOn)
	pending  http10.Partial          // what the request's bytes so far tell (is the head in, its method, when to parse again), and where the parser stopped
	linger   bool                    // close politely: the client may still be sending
	slow     bool                    // the answer took more than one go: its close lingers too (lingerNote)
	in       []byte                  // bytes received and not yet answered
	out      []byte                  // the response bytes not yet written
	wire     []byte                  // the buffer the response was written into; out is the rest of it
	cut      *atomic.Pointer[string] // Blocking only: why another thread shut the socket down, to stop the server (Blocking.cut); nil inside if it has not
	file     io.ReadCloser           // a large file being sent a piece at a time (http10.Response.File)
	fileLeft int64                   // its bytes not yet read into out
	piece    []byte                  // the buffer each piece is read into
	line     string                  // the request line answered, for the access log
	status   int                     // the status answered; 0 before an answer
	size     int                     // the body bytes answered
	total    int64                   // the answer's bytes, head and body
	sent     int64                   // those written so far
}

// connected tells the trace of a new connection: where it came from, and
// that it starts out reading its request.
func (k sys) connected(c *conn) {
	if k.t.On() {
		k.t.Emit(k.explained(trace.Event{Kind: trace.State, Conn: c.id, Name: "state", Text: "new connection from " + c.peer.String() + " -> " + stateReading.String()}))
	}
}

// setState moves c to st, and says so in the trace.
func (k sys) setState(c *conn, st state) {
	if k.t.On() {
		k.t.Emit(k.explained(trace.Event{Kind: trace.State, Conn: c.id, Name: "state", Text: c.state.String() + " -> " + st.String()}))
	}
	c.state = st
}

// worthParsing reports whether the bytes just read (fresh, now the last of
// total bytes received) can change what the parser said after the last
// read, which was "incomplete", and p with it. Parsing runs over everything
// received, so parsing after every read would cost a client sending one
// byte at a time the square of its request's length in CPU, paid by
// everyone the loop serves. But the parser decides only at a control byte
// (a line feed ends a line), or once the bytes reach p.Next: a limit, the
// byte after a line's end, or, once the head is in, the body's last byte,
// before which no byte counts, control byte or not.
func worthParsing(fresh []byte, total int, p http10.Partial) bool {
	switch {
	case total >= p.Next:
		return true
	case p.HeadDone:
		return false // a body's bytes, short of its last
	}
	for _, b := range fresh {
		if b < ' ' || b == 0x7f {
			return true
		}
	}
	return false
}

// cutShort is the answer to a request that stopped coming: 408 when its
// time is up, 400 when the client closed its side. It takes the form the
// request line asked for, if that came: a HEAD gets no body (RFC 1945, 8.2).
func (c *conn) cutShort(status int, msg string, now time.Time) *http10.Response {
	return http10.Refuse(&http10.ProtocolError{Status: status, Msg: msg, Method: c.pending.Method}, now)
}

// lingerNote says why c's close lingers, and for how long.
//
// After an early answer (a refusal, a 408) the client may still be
// sending what it meant to. After an answer that took more than one go
// (a large file, a slow reader), it may have sent more meanwhile, or may
// while the answer's end is still queued in the kernel. Either way, a
// close that finds unread bytes, or gets some before the client has all
// of the answer, makes the kernel reset the connection (RFC 1122,
// 4.2.2.13), and the reset throws away what was not yet delivered. An
// answer written whole in the turn its request was read is closed at
// once: nearly every answer is, and lingering would cost each a round
// trip more. That bets, as nginx's default does, that no client sends
// more while such a short answer is on its way.
//
// A long answer's end may still be queued when the linger time is up, and
// then the close waits on (lingerOn): its note says so, rather than
// promise a bound that the next notes break.
func lingerNote(c *conn, cfg Config) string {
	why := "answer sent"
	if !c.linger {
		why = "a long answer sent (the client may send more while its end is on the way)"
	}
	howLong := fmt.Sprintf("for up to %v", cfg.LingerTimeout)
	if c.slow {
		howLong = fmt.Sprintf("for %v, and on while the answer's end is still queued, up to %v after the last write", cfg.LingerTimeout, cfg.WriteTimeout)
	}
	return fmt.Sprintf("lingering close: %s and our side shut; reading what the client still sends, %s (RFC 1945 §9.4)", why, howLong)
}

// writeTimeoutNote says why a response is given up on after timeout with
// left bytes of it unsent: the head and body still to write, and the part
// of the file not yet read or sent. The kernel says a socket has room
// (select, or a blocking write that waits) only once about a third of its
// send buffer is free, so a client that takes a little of the answer,
// but not that much, in timeout, is let go as one that takes none. How
// much is "that much" differs: the select loop adds at most writeTurn a
// turn, so its queue sits near the two-thirds mark and a client must take
// about a turn's bytes; a blocking write fills the buffer, and a client
// must take a third of it (docs/reliability.md, Deadlines).
func writeTimeoutNote(timeout time.Duration, left int64) string {
	return fmt.Sprintf("timeout: in %v the client has not taken enough of the response to make room for more (%d bytes left); closing", timeout, left)
}

// pieceBytes is how much of a large file is read at a time: what one
// connection holds of it, however big the file.
const pieceBytes = 64 << 10

// send queues resp's bytes in c.out, and its file, if it has one, to be
// read a piece at a time.
func (c *conn) send(resp *http10.Response) {
	c.out = resp.Append(c.wire[:0])
	c.wire = c.out
	c.file, c.fileLeft = resp.File, resp.FileSize
	c.total, c.sent = int64(len(c.out))+c.fileLeft, 0
}

// bodySent is how much of the answer's body, of size bytes, went out: all
// of it unless the connection ended first. The access log counts these,
// as nginx's $body_bytes_sent does.
func (c *conn) bodySent() int64 {
	return max(int64(c.size)-(c.total-c.sent), 0)
}

// keepBytes is the largest buffer a closed conn keeps for the next
// connection: enough for most requests and for the head and a small
// file's body; a bigger one goes back to the garbage collector.
const keepBytes = 4 << 10

// reuse empties a closed conn, for a new connection to use, and returns it.
// It keeps its request and response buffers if they are small, and drops
// the rest: a file piece's buffer is 64 KiB.
func (c *conn) reuse() *conn {
	in, wire := c.in[:0], c.wire[:0]
	if cap(in) > keepBytes {
		in = nil
	}
	if cap(wire) > keepBytes {
		wire = nil
	}
	*c = conn{in: in, wire: wire}
	return c
}

// nextPiece reads the next piece of the file being sent into c.out. An
// error, or a file shorter than it said, leaves the response unfinished:
// the connection must close (its Content-Length cannot be kept).
func (c *conn) nextPiece() error {
	if c.piece == nil {
		c.piece = make([]byte, pieceBytes)
	}
	n, err := io.ReadFull(c.file, c.piece[:min(int64(len(c.piece)), c.fileLeft)])
	c.out, c.fileLeft = c.piece[:n], c.fileLeft-int64(n)
	if err != nil {
		return fmt.Errorf("reading the file: %w (%d bytes short)", err, c.fileLeft)
	}
	return nil
}

// closeFile closes the file being sent, if any.
func (c *conn) closeFile() {
	if c.file != nil {
		c.file.Close()
		c.file, c.fileLeft = nil, 0
	}
}

// answered notes what the access log says of resp: the request line, the
// status, and the body's size.
func (c *conn) answered(resp *http10.Response) {
	c.line, c.status, c.size = requestLine(c.in), resp.Status, len(resp.Body)
	switch {
	case resp.NoBody:
		c.size = 0
	case resp.File != nil:
		c.size = int(resp.FileSize)
	}
}
