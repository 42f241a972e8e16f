package http10

// A Partial is what the start of a request tells before the rest of it
// has come: what Parse fills in when it finds buf incomplete.
type Partial struct {
	// HeadDone: the head is complete (the request line and every header,
	// up to the blank line), and what is still to come is body. A server
	// gives the head and the body each a deadline of its own.
	HeadDone bool
	// Method is the request line's, once its first field has ended:
	// "GET", "HEAD" or "POST" ("" before, or if its method is not
	// implemented). An answer to a request cut short (408, say) takes the
	// form it asks for, as Refuse's do: a HEAD gets no body. (A
	// Simple-Request is never incomplete: it ends with its line.)
	Method string
	// Next is how long buf must grow before Parse can answer
	// anything but "incomplete" again, unless a control byte (a line feed,
	// say) comes before. Inside a line, the parser decides only at a
	// control byte or at a limit, so a server that parses after every read
	// can skip the reads that cannot change the answer: a client sending
	// its head a byte at a time would otherwise cost the square of the
	// head's length. Once HeadDone, Next is where the body ends, and no
	// byte before it decides anything, control byte or not: a body sent
	// in many pieces is parsed once more, not once per piece.
	Next int

	// Where the last call stopped, for the next to go on from there.
	h   head     // what the head has told so far
	at  cursor   // where the scan of the head stopped
	req *Request // once HeadDone: the request, its body still to come
}

// Parse is ParseRequest for a caller that parses again after each read:
// buf is the buf of p's last call (the same bytes at the start) with more
// after it, or anything for a zero p, which starts a request. It gives
// ParseRequest's answer, but goes on where its last call stopped, at the
// start of a line that had not ended, instead of scanning the head from
// its first byte: a head sent one line per packet would otherwise cost
// the square of its length. When the request is incomplete, p says what
// its bytes tell so far. A Partial serves one request: once Parse has
// answered (a request or a refusal), the next request starts with a zero
// Partial.
func (p *Partial) Parse(buf []byte, lim Limits) (req *Request, n int, err error) {
	lim = lim.WithDefaults()
	if p.req == nil {
		perr := scanHead(buf, lim, &p.h, &p.at)
		p.Method = p.h.method
		if perr == nil && p.h.end == 0 {
			p.Next = p.h.next
			return nil, 0, nil
		}
		if perr == nil {
			p.req, p.Next, perr = framed(buf, p.h, lim)
		}
		if perr != nil {
			p.req = nil
			perr.Method, perr.Simple = p.h.method, p.h.simple
			return nil, 0, perr
		}
		p.HeadDone = true
	}
	if p.Next > len(buf) {
		return nil, 0, nil // the body's last byte, and nothing before it, completes the request
	}
	req, n = p.req, p.Next
	if n > p.h.end {
		req.Body = buf[p.h.end:n:n]
	}
	return req, n, nil
}
