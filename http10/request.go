package http10

import "strings"

// ServerName is the value of the Server header of every response
// (RFC 1945, 10.14). It names the product only, not its version.
const ServerName = "stepwise"

// Defaults for the zero fields of Limits. RFC 1945 sets no limits; these
// follow the spirit of RFC 9112, 2.3 and 3 (a server should bound what it
// reads and answer 414, 431 or 413 past the bound).
const (
	DefaultRequestLineBytes = 8 << 10  // Limits.RequestLine: 8 KiB, as RFC 9112, 3 recommends at least
	DefaultHeadBytes        = 16 << 10 // Limits.Head: 16 KiB
	DefaultHeaderFields     = 100      // Limits.Headers
	DefaultBodyBytes        = 1 << 20  // Limits.Body: 1 MiB
)

// Limits bounds what one request may make the server hold.
// A zero (or negative) field means its default.
type Limits struct {
	RequestLine int   // bytes in the request line incl. terminator; 414 past it (default 8 KiB)
	Head        int   // bytes of the whole head (request line + headers + blank line); 431 past it (default 16 KiB)
	Headers     int   // number of header fields; 431 past it (default 100)
	Body        int64 // bytes of body (Content-Length); 413 as soon as the head says more (default 1 MiB)
}

// WithDefaults returns l with every zero or negative field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.RequestLine <= 0 {
		l.RequestLine = DefaultRequestLineBytes
	}
	if l.Head <= 0 {
		l.Head = DefaultHeadBytes
	}
	if l.Headers <= 0 {
		l.Headers = DefaultHeaderFields
	}
	if l.Body <= 0 {
		l.Body = DefaultBodyBytes
	}
	return l
}

// A Field is one header field of a request or response (RFC 1945, 4.2).
// Name is kept as sent (case and all); Value is trimmed of the linear white
// space around it, and the lines of a folded value are joined with one SP.
type Field struct{ Name, Value string }

// A Request is one parsed HTTP/1.0 (or HTTP/0.9) request.
type Request struct {
	Line         string  // the request line as received, without its terminator (for the trace)
	Method       string  // "GET", "HEAD" or "POST" (anything else is refused with 501 before a Request exists)
	Target       string  // the Request-URI as sent
	Path         string  // Target percent-decoded, dot segments resolved; always starts with "/"
	Proto        string  // the version as sent, e.g. "HTTP/1.1"; "" for an HTTP/0.9 Simple-Request
	Major, Minor int     // 0, 9 for a Simple-Request
	Header       []Field // in the order received
	Body         []byte  // exactly Content-Length bytes (nil if none); aliases the buffer passed to ParseRequest
}

// Simple reports whether r is an HTTP/0.9 Simple-Request ("GET /path" with no
// version, RFC 1945, 4.1), which must be answered with a Simple-Response (5).
func (r *Request) Simple() bool { return r.Proto == "" }

// Get returns the value of the header field name, compared without regard to
// case. Repeated fields are joined with ", " in the order received, as
// RFC 1945, 4.2 allows for list-valued fields. Get returns "" if there is none.
func (r *Request) Get(name string) string {
	var v string
	found := false
	for _, f := range r.Header {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		if !found {
			v, found = f.Value, true
		} else {
			v += ", " + f.Value
		}
	}
	return v
}

// HasToken reports whether the list-valued header field name holds token,
// compared without regard to case: Connection, for one, is a
// comma-separated list of tokens (RFC 2068, 14.10).
func (r *Request) HasToken(name, token string) bool {
	for t := range strings.SplitSeq(r.Get(name), ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// A ProtocolError is a request the server must refuse, with the status to send.
type ProtocolError struct {
	Status  int    // 400, 413, 414, 431, 501, 505
	Msg     string // lowercase, no full stop: "content-length is not a number"
	Offset  int    // index in buf of the offending byte (for a caret in the trace)
	Section string // the RFC 1945 section that the input breaks, e.g. "5.1"; or, where RFC 1945 is silent, the later RFC's, "RFC 9112 §6.1" ("" if none)

	// What the request line asked for, if ParseRequest read that far, so
	// that Refuse answers in that form: a HEAD gets no body (RFC 1945, 8.2),
	// an HTTP/0.9 Simple-Request gets the body alone (5).
	Method string // "GET", "HEAD" or "POST"; "" if unknown or not implemented
	Simple bool   // the request line is a Simple-Request: "GET" SP Request-URI
}

// Cite is where the rule e's request breaks is written: "RFC 1945 §5.1",
// "RFC 9110 §15.5.15"; "" if Section is empty.
func (e *ProtocolError) Cite() string {
	switch {
	case e.Section == "":
		return ""
	case strings.HasPrefix(e.Section, "RFC "):
		return e.Section
	}
	return "RFC 1945 §" + e.Section
}

// Error returns "http10: " followed by e.Msg.
func (e *ProtocolError) Error() string { return "http10: " + e.Msg }

// ParseRequest parses one request (head and, per Content-Length, body) at the
// start of buf. Its contract is bufio.SplitFunc's:
//
//   - complete: it returns the request and n, the bytes it used (head + body);
//   - incomplete: it returns (nil, 0, nil); read more and call it again with
//     the longer buf (the same bytes at the start, more after them);
//   - refused: it returns (nil, 0, err) with err a *ProtocolError carrying the
//     status to send.
//
// It refuses as early as the bytes allow: 501 once the request line is
// complete with an unknown method; 414 as soon as the pending request line
// passes lim.RequestLine with no terminator; 431 as soon as the head passes
// lim.Head with no blank line, or has more than lim.Headers fields; 413 as soon
// as the head is complete and its Content-Length exceeds lim.Body, before any
// body arrives. Any prefix of buf gives either "incomplete" or the answer buf
// gives, so a caller may call it after every read.
//
// A caller that parses again after each read can use Partial.Parse, which
// gives the same answers and does not scan the same bytes twice.
func ParseRequest(buf []byte, lim Limits) (req *Request, n int, err error) {
	var p Partial
	return p.Parse(buf, lim)
}
