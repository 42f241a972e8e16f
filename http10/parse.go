package http10

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// ParseRequest works in two passes over the head.
//
// scanHead walks it byte by byte, front to back, and stops at the first byte
// that is wrong, that passes a limit, or that is not there yet. Because every
// refusal is decided by the bytes before some point and by nothing after it,
// a prefix of the input gives either "incomplete" or the same refusal as the
// whole input; that is what lets the caller call ParseRequest after each read.
// For the same reason, what scanHead learned from a prefix holds for every
// longer input: Partial.Parse keeps it, with where the scan stopped, and
// goes on from there.
//
// The request line, Request-URI included, is checked as soon as its line
// feed arrives, so that "GET /../x HTTP/1.0" is refused before any header.
//
// framed runs once scanHead has found the end of the head: it copies the
// head into one string, slices the request line and the fields out of it,
// and checks what only the complete head can tell, the body framing. The
// head is then complete, so these checks depend on no later byte either.

// head is what scanHead has learned about a head, complete or not yet.
type head struct {
	line, lineEnd int     // the request line is buf[line:lineEnd], terminator excluded
	f             [3]span // its fields: method, Request-URI, HTTP-Version
	method        string  // its method, if implemented (methodName), even if the line is refused
	simple        bool    // it is a Simple-Request, "GET" SP Request-URI, even if refused
	major, minor  int     // its HTTP-Version, once checked
	fields        int     // number of header fields so far (continuation lines not counted)
	end           int     // bytes of the head, blank line included; 0 if incomplete
	next          int     // if incomplete: the length of buf at which an ordinary byte could decide (resume)
}

// Where the rules RFC 1945 does not have are written: the limits it sets
// none for (their statuses came later), and Transfer-Encoding.
const (
	citeBody  = "RFC 9110 §15.5.14" // 413 Content Too Large
	citeLong  = "RFC 9110 §15.5.15" // 414 URI Too Long
	citeLarge = "RFC 6585 §5"       // 431 Request Header Fields Too Large
	citeTE    = "RFC 9112 §6.1"     // Transfer-Encoding, not HTTP/1.0's
)

// Results of scanLine besides the index of a line feed.
const (
	needMore = -1 // buf ends before the line does
	tooLong  = -2 // the line reaches the stop index without a line feed
)

// scanLine looks for the LF that ends a line, from buf[from] on (the bytes
// of the line before it hold none), and returns its index. It examines no byte at or past stop, and returns tooLong
// if the line reaches stop unfinished, needMore if buf ends first. On the way
// it refuses control bytes (HT aside) and a CR that is not right before the LF:
// RFC 1945, 2.2 allows CR only as part of CRLF, and App. B lets a server read
// a bare LF as the end of a line, so "\r\n" and "\n" both end one.
func scanLine(buf []byte, from, stop int, section string) (int, *ProtocolError) {
	end := min(len(buf), stop)
	for i := from; i < end; i++ {
		c := buf[i]
		if c >= ' ' && c != 0x7f || c == '\t' {
			continue
		}
		switch c {
		case '\n':
			return i, nil
		case '\r':
			if i+1 == end {
				// The next byte decides; it is past stop or not read yet.
				return lineEnd(end, stop), nil
			}
			if buf[i+1] == '\n' {
				return i + 1, nil
			}
			return 0, &ProtocolError{Status: StatusBadRequest, Msg: "carriage return not followed by line feed", Offset: i, Section: "2.2"}
		default:
			return 0, &ProtocolError{Status: StatusBadRequest, Msg: "control byte " + quoteByte(c) + " in request head", Offset: i, Section: section}
		}
	}
	return lineEnd(end, stop), nil
}

func lineEnd(end, stop int) int {
	if end >= stop {
		return tooLong
	}
	return needMore
}

// A cursor is where scanHead stopped in a head that was not complete, so
// that the next call, given the same bytes and more after them, goes on
// from there instead of from the first byte: a head sent a line per packet
// would otherwise cost the square of its length. The zero cursor is the
// start of a request.
type cursor struct {
	line    int  // the start of the line that had not ended
	from    int  // where its scan goes on: no byte of it before holds a line feed
	headers bool // that line is a header line: the request line is behind
}

// scanHead finds the end of the head at the start of buf, refusing as soon as
// the bytes it has seen are wrong, and going on from at, where it stopped
// before, in h, what it learned before. It leaves h.end == 0 if the head is
// not complete yet, and at where it stopped.
func scanHead(buf []byte, lim Limits, h *head, at *cursor) *ProtocolError {
	s, from := at.line, at.from
	lf := 0
	var err *ProtocolError
	if !at.headers {
		// Request line. Empty lines before it are skipped (RFC 9112, 2.2;
		// RFC 1945 is silent); they count towards lim.Head, so an endless
		// stream of them ends in 431 rather than in an endless buffer.
		for {
			// s <= lim.Head, so this cannot overflow even for huge limits.
			lineFirst := lim.RequestLine <= lim.Head-s // the request line limit is met first (or together)
			stop := lim.Head
			if lineFirst {
				stop = s + lim.RequestLine
			}
			lf, err = scanLine(buf, from, stop, "5.1")
			if err != nil || lf < 0 {
				// Unfinished or refused, the line may have shown its method: a
				// HEAD's 408 or 414 has no body either (RFC 1945, 8.2).
				h.method = earlyMethod(buf[s:min(len(buf), stop)])
			}
			if err != nil {
				return err
			}
			switch lf {
			case needMore:
				h.next = resume(buf, stop, false)
				*at = cursor{line: s, from: scanned(buf)}
				return nil
			case tooLong:
				if lineFirst {
					return &ProtocolError{Status: StatusURITooLong, Msg: "request line is longer than " + strconv.Itoa(lim.RequestLine) + " bytes", Offset: stop, Section: citeLong}
				}
				return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Msg: "request head is longer than " + strconv.Itoa(lim.Head) + " bytes", Offset: stop, Section: citeLarge}
			}
			if trimCR(buf, s, lf) > s {
				break
			}
			s, from = lf+1, lf+1
		}
		h.line, h.lineEnd = s, trimCR(buf, s, lf)
		if err := checkRequestLine(buf, h); err != nil {
			return err
		}
		if h.simple {
			// A Simple-Request ends with its line: it has no headers (RFC 1945, 4.1).
			h.end = lf + 1
			return nil
		}
		s, from = lf+1, lf+1
	}

	// Header fields, up to the empty line (RFC 1945, 4.1 and 4.2).
	for ; ; s, from = lf+1, lf+1 {
		if s < len(buf) && s < lim.Head && h.fields == lim.Headers && isTokenByte(buf[s]) {
			return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Msg: "more than " + strconv.Itoa(lim.Headers) + " header fields", Offset: s, Section: citeLarge}
		}
		lf, err = scanLine(buf, from, lim.Head, "4.2")
		if err != nil {
			return err
		}
		switch lf {
		case needMore:
			h.next = resume(buf, lim.Head, h.fields == lim.Headers)
			*at = cursor{line: s, from: scanned(buf), headers: true}
			return nil
		case tooLong:
			return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Msg: "request head is longer than " + strconv.Itoa(lim.Head) + " bytes", Offset: lim.Head, Section: citeLarge}
		}
		end := trimCR(buf, s, lf)
		if end == s {
			h.end = lf + 1
			return nil
		}
		if isLWS(buf[s]) {
			// A continuation line (RFC 1945, 2.2: LWS = [CRLF] 1*(SP|HT)).
			if h.fields == 0 {
				return &ProtocolError{Status: StatusBadRequest, Msg: "continuation line before any header field", Offset: s, Section: "4.2"}
			}
			continue
		}
		if err := checkFieldName(buf, s, end); err != nil {
			return err
		}
		h.fields++
	}
}

// scanned is where scanLine goes on in a line it found unfinished at the
// end of buf: there, unless buf ends in a CR, which the next byte decides.
func scanned(buf []byte) int {
	if n := len(buf); n > 0 && buf[n-1] == '\r' {
		return n - 1
	}
	return len(buf)
}

// earlyMethod is the method of line, the start of a request line that has
// not ended, once its first field has: an implemented method followed by
// SP or HT. Otherwise, "". No implemented method is longer than "POST",
// so only the first bytes are looked at: the line may be long, and this
// runs each time it is found unfinished.
func earlyMethod(line []byte) string {
	for i, c := range line[:min(len(line), len("POST")+1)] {
		if isLWS(c) {
			return methodName(line[:i])
		}
	}
	return ""
}

// resume is head.next for a head whose last line, scanned with scanLine up
// to stop, needs more bytes. The line is refused for its length only when
// buf reaches stop, and otherwise only at a control byte, which a server
// sees arrive. But the byte after a CR decides whatever it is (a CR must
// be followed by LF), and so does the first byte of a header line once
// full, the number of fields allowed, is reached: a name there is one too
// many.
func resume(buf []byte, stop int, full bool) int {
	n := len(buf)
	if n > 0 && (buf[n-1] == '\r' || full && buf[n-1] == '\n') {
		return n + 1
	}
	return stop
}

// trimCR returns the end of the line buf[start:lf+1] without its terminator.
func trimCR(buf []byte, start, lf int) int {
	if lf > start && buf[lf-1] == '\r' {
		return lf - 1
	}
	return lf
}

// checkFieldName checks that the header line buf[start:end] is
// field-name ":" field-value with field-name a token (RFC 1945, 4.2).
func checkFieldName(buf []byte, start, end int) *ProtocolError {
	for i := start; i < end; i++ {
		c := buf[i]
		switch {
		case c == ':':
			if i == start {
				return &ProtocolError{Status: StatusBadRequest, Msg: "header field has an empty name", Offset: i, Section: "4.2"}
			}
			return nil
		case isLWS(c) && bytes.IndexByte(buf[i:end], ':') < 0:
			// "Host localhost": a missing colon, not a name with a space in it.
			return &ProtocolError{Status: StatusBadRequest, Msg: "header line has no colon", Offset: start, Section: "4.2"}
		case isLWS(c):
			// RFC 9112, 5.1: no white space between name and colon.
			return &ProtocolError{Status: StatusBadRequest, Msg: "white space in header field name", Offset: i, Section: "4.2"}
		case !isTokenByte(c):
			return &ProtocolError{Status: StatusBadRequest, Msg: "header field name has byte " + quoteByte(c), Offset: i, Section: "4.2"}
		}
	}
	return &ProtocolError{Status: StatusBadRequest, Msg: "header line has no colon", Offset: start, Section: "4.2"}
}

// checkRequestLine checks the request line buf[h.line:h.lineEnd] and
// records in h its fields, its method and whether it is a Simple-Request
// (those two first, so that even a refused line is answered in its form).
// The checks run in a fixed order, so that a line with several faults
// always gets the same answer: fields, method syntax, version (400, then
// 505), method support (501), Request-URI.
func checkRequestLine(buf []byte, h *head) *ProtocolError {
	start, end, f := h.line, h.lineEnd, &h.f
	nf, extra := splitLine(buf, start, end, f)
	method := buf[f[0].start:f[0].end]
	h.method = methodName(method)
	// "GET HTTP/1.0" is a full request that forgot its Request-URI, not a
	// Simple-Request for one: no Request-URI starts "HTTP/", in any case
	// (an absoluteURI's scheme ends with a colon).
	noURI := nf == 2 && f[1].end-f[1].start >= 5 && strings.EqualFold(string(buf[f[1].start:f[1].start+5]), "HTTP/")
	h.simple = nf == 2 && h.method == "GET" && !noURI
	switch {
	case isLWS(buf[start]):
		return &ProtocolError{Status: StatusBadRequest, Msg: "request line starts with white space", Offset: start, Section: "5.1"}
	case nf == 1:
		return &ProtocolError{Status: StatusBadRequest, Msg: "request line has no request-uri", Offset: end, Section: "5.1"}
	case noURI:
		return &ProtocolError{Status: StatusBadRequest, Msg: "request line has no request-uri, only a method and a version", Offset: f[1].start, Section: "5.1"}
	case extra >= 0:
		return &ProtocolError{Status: StatusBadRequest, Msg: "request line has more than three fields", Offset: extra, Section: "5.1"}
	}
	for i, c := range method {
		if !isTokenByte(c) {
			return &ProtocolError{Status: StatusBadRequest, Msg: "method has byte " + quoteByte(c), Offset: f[0].start + i, Section: "5.1.1"}
		}
	}
	if nf == 2 {
		// RFC 1945, 4.1: Simple-Request = "GET" SP Request-URI CRLF.
		if !h.simple {
			return &ProtocolError{Status: StatusBadRequest, Msg: "request line has no http version (only GET may omit it)", Offset: end, Section: "4.1"}
		}
	} else {
		var err *ProtocolError
		if h.major, h.minor, err = parseVersion(buf, f[2]); err != nil {
			return err
		}
		if h.method == "" {
			return &ProtocolError{Status: StatusNotImplemented, Msg: "method " + quoteCut(method) + " is not implemented", Offset: f[0].start, Section: "5.1.1"}
		}
	}
	start, end, err := pathSpan(buf, f[1])
	if err == nil && start < end {
		err = walkPath(buf, start, end, nil)
	}
	return err
}

// A span is buf[start:end].
type span struct{ start, end int }

// splitLine splits buf[start:end] into fields at runs of SP and HT (RFC 1945,
// App. B: any amount of either between fields). It fills f with up to three
// fields and returns their number, and the start of a fourth field or -1.
func splitLine(buf []byte, start, end int, f *[3]span) (n, extra int) {
	i := start
	for {
		for i < end && isLWS(buf[i]) {
			i++
		}
		if i == end {
			return n, -1
		}
		if n == len(f) {
			return n, i
		}
		j := i
		for j < end && !isLWS(buf[j]) {
			j++
		}
		f[n] = span{i, j}
		n++
		i = j
	}
}

// maxVersionDigits bounds each number of an HTTP-Version after its leading
// zeros, so that parsing it cannot overflow an int.
const maxVersionDigits = 9

// parseVersion parses HTTP-Version = "HTTP" "/" 1*DIGIT "." 1*DIGIT
// (RFC 1945, 3.1). Leading zeros are ignored, and so is the case of
// "HTTP": RFC 1945, 2.1 makes a quoted literal case-insensitive unless the
// text says otherwise, and 3.1 does not (RFC 9112, 2.3 made it
// case-sensitive later; a 1.0 server must understand any valid 1.0
// request). A major version of 2 or more gives 505: the server speaks 1.0
// and understands 0.9.
func parseVersion(buf []byte, f span) (major, minor int, err *ProtocolError) {
	v := buf[f.start:f.end]
	ok := len(v) >= len("HTTP/0.0") && bytes.EqualFold(v[:5], []byte("HTTP/"))
	i := 5
	if ok {
		major, i, ok = parseDigits(v, i)
		ok = ok && i < len(v) && v[i] == '.'
	}
	if ok {
		minor, i, ok = parseDigits(v, i+1)
		ok = ok && i == len(v)
	}
	if !ok {
		return 0, 0, &ProtocolError{Status: StatusBadRequest, Msg: "malformed http version " + quoteCut(v), Offset: f.start, Section: "3.1"}
	}
	if major < 0 || minor < 0 {
		return 0, 0, &ProtocolError{Status: StatusBadRequest, Msg: "http version number is too long", Offset: f.start, Section: "3.1"}
	}
	if major >= 2 {
		return 0, 0, &ProtocolError{Status: StatusHTTPVersionNotSupported, Msg: "http version " + quoteCut(v) + " is not supported; this server speaks HTTP/1.0", Offset: f.start, Section: "3.1"}
	}
	return major, minor, nil
}

// parseDigits parses 1*DIGIT at v[i:], leading zeros ignored. It returns the
// value (-1 if it has more than maxVersionDigits digits), the index after the
// digits, and false if there are none.
func parseDigits(v []byte, i int) (n, next int, ok bool) {
	start := i
	for i < len(v) && v[i] == '0' {
		i++
	}
	sig := i
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		if i-sig < maxVersionDigits {
			n = n*10 + int(v[i]-'0')
		}
		i++
	}
	if i-sig > maxVersionDigits {
		n = -1
	}
	return n, i, i > start
}

// methodName returns the method as a constant string, or "" if the server
// does not implement it. Methods are case-sensitive (RFC 1945, 5.1.1).
func methodName(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	}
	return ""
}

// framed makes the Request, without its body, from the complete head h,
// and says where the request ends: after as much body as Content-Length
// says, which may be more than buf holds yet. A length that lim.Body
// allows but that an int cannot add to h.end ends at math.MaxInt, out of
// reach, not past the end of the numbers and so before the head.
func framed(buf []byte, h head, lim Limits) (*Request, int, *ProtocolError) {
	// One copy of the head; every string of the Request is a slice of it.
	hs := string(buf[:h.end])
	f := h.f
	r := &Request{Line: hs[h.line:h.lineEnd], Method: h.method, Target: hs[f[1].start:f[1].end], Path: requestPath(buf, hs, f[1])}
	if h.simple {
		r.Major, r.Minor = 0, 9
		return r, h.end, nil
	}
	r.Proto = hs[f[2].start:f[2].end]
	r.Major, r.Minor = h.major, h.minor

	r.Header = fields(buf, hs, h)
	length, err := bodyLength(r, buf, h, lim)
	if err != nil {
		return nil, 0, err
	}
	if length > int64(math.MaxInt-h.end) {
		return r, math.MaxInt, nil
	}
	return r, h.end + int(length), nil
}

// fields returns the header fields of the complete head h, whose text is hs,
// values trimmed and folded lines joined with one SP (RFC 1945, 2.2 and 4.2).
// scanHead has checked every line.
func fields(buf []byte, hs string, h head) []Field {
	if h.fields == 0 {
		return nil
	}
	out := make([]Field, 0, h.fields)
	// A folded value is joined in one buffer: joining each line onto the
	// value so far copied it again for every line, and a 16 KiB head of
	// thousands of three-byte folded lines cost the loop some 10 ms.
	var joined strings.Builder
	folding := false // joined holds the last field's value
	unfold := func() {
		if folding {
			out[len(out)-1].Value = joined.String()
			joined, folding = strings.Builder{}, false
		}
	}
	start := strings.IndexByte(hs[h.lineEnd:], '\n') + h.lineEnd + 1
	for {
		lf := strings.IndexByte(hs[start:], '\n') + start
		end := trimCR(buf, start, lf)
		if end == start {
			unfold()
			return out
		}
		if isLWS(hs[start]) {
			if v := trimLWS(hs[start:end]); v != "" {
				if !folding {
					joined.WriteString(out[len(out)-1].Value)
					folding = true
				}
				if joined.Len() > 0 {
					joined.WriteByte(' ')
				}
				joined.WriteString(v)
			}
		} else {
			unfold()
			colon := strings.IndexByte(hs[start:end], ':') + start
			out = append(out, Field{Name: hs[start:colon], Value: trimLWS(hs[colon+1 : end])})
		}
		start = lf + 1
	}
}

// bodyLength returns the length of the request body from the Content-Length
// header (RFC 1945, 7.2.2 and 10.4), refusing what could frame a request
// wrongly.
func bodyLength(r *Request, buf []byte, h head, lim Limits) (int64, *ProtocolError) {
	// Transfer-Encoding is not HTTP/1.0. RFC 9112, 6.1: a server that gets
	// it in an HTTP/1.0 request ought to treat the framing as faulty; in an
	// HTTP/1.1 request it is real, but this server does not decode chunked
	// bodies, so it asks for Content-Length instead.
	if hasField(r.Header, "Transfer-Encoding") {
		off := fieldOffset(buf, h, "Transfer-Encoding")
		if r.Major == 0 || r.Major == 1 && r.Minor == 0 {
			return 0, &ProtocolError{Status: StatusBadRequest, Msg: "transfer-encoding in an http/1.0 request", Offset: off, Section: citeTE}
		}
		return 0, &ProtocolError{Status: StatusNotImplemented, Msg: "transfer-encoding is not supported; send content-length", Offset: off, Section: citeTE}
	}
	if !hasField(r.Header, "Content-Length") {
		if r.Method == "POST" {
			// RFC 1945, 7.2.2 and 8.3: a POST must say how long its body is.
			blank := h.end - 1
			if buf[blank-1] == '\r' {
				blank--
			}
			return 0, &ProtocolError{Status: StatusBadRequest, Msg: "post request has no content-length", Offset: blank, Section: "8.3"}
		}
		return 0, nil
	}
	digits, msg := contentLength(r.Get("Content-Length"))
	if msg != "" {
		return 0, &ProtocolError{Status: StatusBadRequest, Msg: msg, Offset: fieldOffset(buf, h, "Content-Length"), Section: "10.4"}
	}
	n, perr := strconv.ParseInt(digits, 10, 64)
	switch {
	case perr != nil:
		// digits are decimal with no sign, so only the range can fail: a
		// length no integer holds is malformed, not merely too large.
		return 0, &ProtocolError{Status: StatusBadRequest, Msg: "content-length " + quoteCut([]byte(digits)) + " overflows a 64-bit integer", Offset: fieldOffset(buf, h, "Content-Length"), Section: "10.4"}
	case n > lim.Body:
		return 0, &ProtocolError{Status: StatusContentTooLarge, Msg: "content-length " + quoteCut([]byte(digits)) + " is more than " + strconv.FormatInt(lim.Body, 10) + " bytes", Offset: fieldOffset(buf, h, "Content-Length"), Section: citeBody}
	}
	return n, nil
}

// contentLength checks the joined Content-Length values v: a list of one or
// more identical decimal numbers (RFC 1945, 10.4; RFC 9110, 8.6 allows the
// repeats). It returns the number's digits without leading zeros ("0" for
// zero), so that a number too big for any integer is still compared whole,
// or else a message saying what is wrong.
func contentLength(v string) (digits, msg string) {
	for i, more := 0, true; more; i++ {
		var elem string
		elem, v, more = strings.Cut(v, ",")
		elem = trimLWS(elem)
		if elem == "" {
			return "", "content-length is empty"
		}
		for j := 0; j < len(elem); j++ {
			if elem[j] < '0' || elem[j] > '9' {
				return "", "content-length is not a number"
			}
		}
		elem = strings.TrimLeft(elem, "0")
		if elem == "" {
			elem = "0"
		}
		if i == 0 {
			digits = elem
		} else if elem != digits {
			return "", "conflicting content-length values"
		}
	}
	return digits, ""
}

// hasField reports whether a field called name is in h.
func hasField(h []Field, name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// fieldOffset returns the index in buf of the value of the first header field
// called name in the complete head h, or -1 if there is none.
func fieldOffset(buf []byte, h head, name string) int {
	start := h.lineEnd
	for start < h.end && buf[start] != '\n' {
		start++
	}
	for start++; start < h.end; start++ {
		lf := start
		for buf[lf] != '\n' {
			lf++
		}
		end := trimCR(buf, start, lf)
		if end-start > len(name) && buf[start+len(name)] == ':' && strings.EqualFold(string(buf[start:start+len(name)]), name) {
			i := start + len(name) + 1
			for i < end && isLWS(buf[i]) {
				i++
			}
			return i
		}
		start = lf
	}
	return -1
}

// pathSpan checks the form of the Request-URI f and returns where its path
// is in buf, without the query. An empty span stands for "/".
//
// RFC 1945, 5.1.2: Request-URI = absoluteURI | abs_path. An origin server
// gets abs_path; absoluteURI is for proxies, but RFC 9112, 3.2.2 has servers
// accept it too, so "http://host/path" is read as "/path". "*" and every
// other form are refused.
func pathSpan(buf []byte, f span) (start, end int, err *ProtocolError) {
	start, end = f.start, f.end
	if q := bytes.IndexAny(buf[start:end], "?#"); q >= 0 {
		// Neither the query nor a fragment is part of the path. A fragment
		// is the browser's own (RFC 1945, 3.2.1 puts "#" outside the URI),
		// and a client that sends one anyway means the path before it, as
		// nginx and Python's http.server take it.
		end = start + q
	}
	if start < end && buf[start] == '/' {
		return start, end, nil
	}
	const scheme = "http://"
	if end-start < len(scheme) || !strings.EqualFold(string(buf[start:start+len(scheme)]), scheme) {
		return 0, 0, &ProtocolError{Status: StatusBadRequest, Msg: "request-uri is neither an absolute path nor an http:// uri", Offset: f.start, Section: "5.1.2"}
	}
	host := start + len(scheme)
	slash := bytes.IndexByte(buf[host:end], '/')
	switch {
	case slash == 0 || host == end:
		return 0, 0, &ProtocolError{Status: StatusBadRequest, Msg: "request-uri has no host", Offset: host, Section: "3.2.2"}
	case slash < 0:
		return end, end, nil // RFC 1945, 5.1.2: an empty path is "/"
	}
	return host + slash, end, nil
}

// requestPath returns the path of the Request-URI f, percent-decoded and with
// dot segments resolved. checkRequestLine has already checked it. hs is the
// head as a string, so that a path needing no change is a slice of it and
// costs no allocation.
func requestPath(buf []byte, hs string, f span) string {
	start, end, _ := pathSpan(buf, f)
	switch {
	case start == end:
		return "/"
	case cleanPath(hs[start:end]):
		return hs[start:end]
	}
	out := make([]byte, 0, end-start)
	walkPath(buf, start, end, &out)
	return string(out)
}

// cleanPath reports whether p, which starts with "/", is already what
// walkPath would make of it: no escapes, no backslash, no empty, "." or
// ".." segment.
func cleanPath(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%', '\\':
			return false
		case '/':
			rest := p[i+1:]
			if strings.HasPrefix(rest, "/") || rest == "." || rest == ".." ||
				strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
				return false
			}
		}
	}
	return true
}

// walkPath percent-decodes the path buf[start:end] (RFC 1945, 3.2.1 and
// 5.1.2) and resolves its "." and ".." segments as RFC 3986, 5.2.4 does, in
// one pass, appending the result to *out (if out is nil, it only checks).
// Empty segments are dropped, so "/a//b" is "/a/b"; a final slash is kept,
// since it tells a directory ("/a/") from a file ("/a"). It refuses a bad
// escape, a decoded control byte or backslash, and a ".." that would climb
// above the root (RFC 1945, 12.5). Decoding comes first, so "%2e%2e%2f" is
// "../" and is resolved like it.
func walkPath(buf []byte, start, end int, out *[]byte) *ProtocolError {
	if out != nil {
		*out = append(*out, '/')
	}
	depth := 0                            // segments kept so far
	segSrc, segLen, dots := start+1, 0, 0 // the current segment: where it began in buf, its decoded length, its dots
	for i := start + 1; i <= end; {
		src := i
		c := byte('/') // the end of the path ends the last segment, like a slash
		if i < end {
			c = buf[i]
			i++
			if c == '%' {
				if i+1 >= end || !isHex(buf[i]) || !isHex(buf[i+1]) {
					return &ProtocolError{Status: StatusBadRequest, Msg: "bad percent-escape in request-uri", Offset: src, Section: "3.2.1"}
				}
				c = unhex(buf[i])<<4 | unhex(buf[i+1])
				i += 2
			}
			switch {
			case c < ' ' || c == 0x7f:
				return &ProtocolError{Status: StatusBadRequest, Msg: "request-uri decodes to control byte " + quoteByte(c), Offset: src, Section: "12.5"}
			case c == '\\':
				return &ProtocolError{Status: StatusBadRequest, Msg: "request-uri has a backslash", Offset: src, Section: "12.5"}
			case c != '/':
				segLen++
				if c == '.' {
					dots++
				}
				if out != nil {
					*out = append(*out, c)
				}
				continue
			}
		} else {
			i++
		}
		// The segment that began at segSrc ends at src.
		switch {
		case segLen == 0:
			// An empty segment: "//", or the slash that ends the path.
		case segLen == 1 && dots == 1:
			if out != nil {
				*out = (*out)[:len(*out)-1]
			}
		case segLen == 2 && dots == 2:
			if depth == 0 {
				return &ProtocolError{Status: StatusBadRequest, Msg: "path escapes the document root", Offset: segSrc, Section: "12.5"}
			}
			depth--
			if out != nil {
				o := (*out)[:len(*out)-3] // drop "/.." and the segment before it
				*out = o[:bytes.LastIndexByte(o, '/')+1]
			}
		default:
			depth++
			if out != nil && src < end {
				*out = append(*out, '/')
			}
		}
		segSrc, segLen, dots = i, 0, 0
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// isLWS reports whether c is SP or HT.
func isLWS(c byte) bool { return c == ' ' || c == '\t' }

// trimLWS returns s without leading and trailing SP and HT.
func trimLWS(s string) string {
	for len(s) > 0 && isLWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isLWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// isTokenByte reports whether c may appear in a token: any CHAR except
// CTLs and tspecials (RFC 1945, 2.2).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c != 0 && strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// quoteByte returns c quoted as a Go string, e.g. "\x00".
func quoteByte(c byte) string { return strconv.Quote(string([]byte{c})) }

// maxQuoted bounds how much of a bad field a message repeats.
const maxQuoted = 32

// quoteCut returns b quoted, cut after maxQuoted bytes and then marked
// with "..." inside the quotes (so that no message ends in a full stop).
func quoteCut(b []byte) string {
	if len(b) > maxQuoted {
		return strconv.QuoteToASCII(string(b[:maxQuoted]) + "...")
	}
	return strconv.QuoteToASCII(string(b))
}
