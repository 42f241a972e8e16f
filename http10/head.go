package http10

// A Partial is what the start of a request tells before the rest of it
// has come: ParsePartial's answer for a buf that ParseRequest finds
// incomplete.
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
	// Next is how long buf must grow before ParseRequest can answer
	// anything but "incomplete" again, unless a control byte (a line feed,
	// say) comes before. Inside a line, the parser decides only at a
	// control byte or at a limit, so a server that parses after every read
	// can skip the reads that cannot change the answer: a client sending
	// its head a byte at a time would otherwise cost the square of the
	// head's length. Once HeadDone, Next is where the body ends, and no
	// byte before it decides anything, control byte or not: a body sent
	// in many pieces is parsed once more, not once per piece.
	Next int
}

// ParsePartial tells what buf, a request that ParseRequest finds
// incomplete, says already.
func ParsePartial(buf []byte, lim Limits) Partial {
	lim = lim.WithDefaults()
	h, _ := scanHead(buf, lim)
	p := Partial{HeadDone: h.end > 0, Method: h.method, Next: h.next}
	if p.HeadDone {
		p.Next = len(buf) + 1
		if _, end, err := framed(buf, h, lim); err == nil && end > len(buf) {
			p.Next = end // the body's last byte, and nothing before it, completes the request
		}
	}
	return p
}
