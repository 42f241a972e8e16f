package multiplex

// state is what the loop is waiting for on a connection.
type state uint8

const (
	// stateReading: waiting for the rest of the request. select watches the
	// fd for reading. Next: stateWriting once the request is parsed or
	// refused; stateClosed if the client goes away or the read fails.
	stateReading state = iota
	// stateWriting: the response is in c.out and partly sent. select
	// watches the fd for writing. Next: stateClosed once c.out is empty
	// (HTTP/1.0 closes after each response) or the write fails.
	stateWriting
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
	case stateClosed:
		return "closed"
	}
	return "unknown"
}

// A conn is one accepted client connection.
type conn struct {
	fd    int
	id    int    // 1 for c1, the first connection accepted, 2 for c2, ...
	peer  string // the client's address, "127.0.0.1:51234"
	state state
	in    []byte // bytes received and not yet answered
	out   []byte // the response bytes not yet written
}
