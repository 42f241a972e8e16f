package multiplex

import (
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
	// its end.
	stateWriting
	// stateDraining: the answer is sent and the server's side shut down;
	// select watches the fd for reading, and what arrives is thrown away
	// until the client closes (a lingering close). Next: stateClosed.
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
	id       int    // 1 for c1, the first connection accepted, 2 for c2, ...
	peer     string // the client's address, "127.0.0.1:51234"
	state    state
	deadline time.Time // when the loop gives up on what it waits for in this state
	headDone bool      // the request head is in; the deadline is now the body's
	linger   bool      // close politely: the client may still be sending
	in       []byte    // bytes received and not yet answered
	out      []byte    // the response bytes not yet written
	line     string    // the request line answered, for the access log
	status   int       // the status answered; 0 before an answer
	size     int       // the body bytes answered
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
// read, which was "need more". Parsing runs over everything received, so
// parsing after every read would cost a client sending one byte at a time
// the square of its request's length in CPU, paid by everyone the loop
// serves. But inside a line the parser decides only at a line feed or
// another control byte, or when the bytes pass a limit; once the head is
// complete, any read may complete the body.
func worthParsing(fresh []byte, total int, headDone bool, lim http10.Limits) bool {
	if headDone {
		return true
	}
	for _, b := range fresh {
		if b < ' ' || b == 0x7f {
			return true
		}
	}
	before := total - len(fresh)
	return before < lim.RequestLine && total >= lim.RequestLine || before < lim.Head && total >= lim.Head
}
