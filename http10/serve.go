package http10

import (
	"errors"
	"html"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// echoPath is the one path that answers POST: it sends the body back.
const echoPath = "/echo"

// Respond answers a parsed request from the files in fsys. now is the
// origination time of the response: it fills the Date header, caps
// Last-Modified (RFC 1945, 10.10) and is what If-Modified-Since dates are
// compared against (10.9).
//
// GET and HEAD serve the file at req.Path, or a directory's index.html (at
// /echo too, if fsys has one; else 405); POST /echo sends the request body
// back; anything else gets the 4xx or 5xx that says why, with a short HTML
// page. Every response carries Date, Server, Content-Type and
// Content-Length, except a 304, which has no body. A HEAD response has the
// headers of the GET response and no body (8.2); an HTTP/0.9 request gets
// a Simple-Response, the body alone (5).
func Respond(fsys fs.FS, req *Request, now time.Time) *Response {
	if req == nil {
		return errorResponse(StatusInternalServerError, "no request to answer", "", nil, now)
	}
	switch req.Method {
	case "GET", "HEAD":
		r := serveFile(fsys, req, now)
		if req.Path == echoPath && r.Status == StatusNotFound {
			// Nothing of the directory's own is there (a served directory
			// may well have an /echo, and GET must reach it), so /echo is
			// the echo, and it takes POST only. The message must not name
			// the method: HEAD gets GET's headers, Content-Length included.
			r = errorResponse(StatusMethodNotAllowed, echoPath+" takes only POST", "", req, now)
			r.Header = insertField(r.Header, Field{"Allow", "POST"}) // RFC 9110, 15.5.6
		}
		return r
	case "POST":
		if req.Path != echoPath {
			r := errorResponse(StatusMethodNotAllowed, "method POST is not allowed for "+strconv.Quote(req.Path)+"; only "+echoPath+" takes it", "", req, now)
			r.Header = insertField(r.Header, Field{"Allow", "GET, HEAD"})
			return r
		}
		ctype := req.Get("Content-Type")
		if ctype == "" {
			ctype = octetStream // RFC 1945, 7.2.1
		}
		r := newResponse(StatusOK, req, now, 0)
		r.Body = req.Body
		r.Note = "echo " + strconv.Itoa(len(req.Body)) + " bytes"
		return r.withEntity(ctype, int64(len(req.Body)))
	}
	// ParseRequest never makes such a Request; a hand-made one gets 501 (RFC 1945, 5.1.1).
	return errorResponse(StatusNotImplemented, "method "+strconv.Quote(req.Method)+" is not implemented", "", req, now)
}

// Refuse builds the response for a request ParseRequest refused: the status
// and explanation come from a *ProtocolError; any other error gives 500.
// The ProtocolError also says what form the answer takes: an HTTP/0.9
// Simple-Request gets the body alone, and a HEAD the headers alone.
func Refuse(err error, now time.Time) *Response {
	var pe *ProtocolError
	isPE := errors.As(err, &pe)
	var req *Request
	switch {
	case isPE && pe.Simple:
		req = &Request{Method: "GET"} // Proto "" makes it Simple
	case isPE && pe.Method != "":
		req = &Request{Method: pe.Method, Proto: "HTTP/1.0"} // HEAD: no body (RFC 1945, 8.2)
	}
	if !isPE {
		note := "no error"
		if err != nil {
			note = err.Error()
		}
		return errorResponse(StatusInternalServerError, "the server could not read this request", note, req, now)
	}
	note := pe.Msg
	if cite := pe.Cite(); cite != "" {
		note += " (" + cite + ")"
	}
	return errorResponse(pe.Status, pe.Msg, note, req, now)
}

// InlineBytes is the largest file read whole into a Response's Body;
// larger ones are left open in Response.File, so that a server holds a
// piece of a big file at a time, however big it is and however many
// clients ask for it.
const InlineBytes = 64 << 10

// serveFile answers GET or HEAD of req.Path from fsys.
func serveFile(fsys fs.FS, req *Request, now time.Time) (r *Response) {
	if fsys == nil {
		return errorResponse(StatusInternalServerError, "the server has no files to serve", "no file system", req, now)
	}
	// The fs.FS name: no leading slash, no trailing slash, "." for the root.
	wantDir := strings.HasSuffix(req.Path, "/")
	name := strings.TrimSuffix(strings.TrimPrefix(req.Path, "/"), "/")
	if name == "" {
		name = "."
	}
	if !fs.ValidPath(name) { // e.g. bytes that are not UTF-8
		return errorResponse(StatusNotFound, "no file "+strconv.Quote(req.Path)+" here", "invalid fs path "+strconv.Quote(name), req, now)
	}
	f, fi, err := open(fsys, name)
	if err != nil {
		return openError(req, req.Path, err, now)
	}
	served := req.Path
	switch {
	case fi.IsDir() && !wantDir:
		f.Close()
		return redirectToDir(req, now)
	case fi.IsDir():
		f.Close()
		served = req.Path + "index.html"
		f, fi, err = open(fsys, path.Join(name, "index.html"))
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
			if err == nil {
				f.Close()
			}
			return errorResponse(StatusForbidden, "directory has no index.html", "directory "+strconv.Quote(req.Path)+" has no index.html", req, now)
		}
		if err != nil {
			return openError(req, served, err, now)
		}
	case wantDir:
		f.Close()
		return errorResponse(StatusNotFound, "no directory "+strconv.Quote(req.Path)+" here", strconv.Quote(served)+" is a file, not a directory", req, now)
	}
	defer func() {
		if r.File == nil { // a large file stays open for the caller to send
			f.Close()
		}
	}()
	if !fi.Mode().IsRegular() {
		// A device or a named pipe could block this one-threaded server forever.
		return errorResponse(StatusForbidden, strconv.Quote(served)+" is not a regular file", "", req, now)
	}

	ctype := contentType(served)
	modified, known := lastModified(fi, now)
	if ims := req.Get("If-Modified-Since"); ims != "" && known && req.Method == "GET" {
		// RFC 1945, 10.9: a conditional GET. The date is ignored if invalid or
		// later than now; HEAD ignores it altogether (8.2). Browsers of the
		// 1990s added "; length=N", the size they had: the date before it is
		// what counts, as Apache and Python's http.server read it.
		ims, _, _ = strings.Cut(ims, ";")
		ims = strings.TrimSpace(ims) // "... GMT ; length=6"
		if t, ok := parseDate(ims, now); ok && !t.After(now) && !modified.After(t) {
			// RFC 1945, 9.3 keeps a 304's headers to what concerns caches,
			// and names Date, Server and Expires. Last-Modified is the date
			// a cache compares: RFC 9110, 15.4.5 keeps it in a 304 when there
			// is no ETag, as here (nginx sends it too).
			r = newResponse(StatusNotModified, req, now, 1)
			r.Header = append(r.Header, Field{"Last-Modified", formatDate(modified)})
			r.NoBody = true
			r.Note = "not modified since " + formatDate(t) + ": " + fileNote(served, fi.Size(), ctype)
			return r
		}
	}
	r = newResponse(StatusOK, req, now, 1)
	if known {
		r.Header = append(r.Header, Field{"Last-Modified", formatDate(modified)})
	}
	size := fi.Size()
	switch {
	case req.Method == "GET" && size > InlineBytes:
		r.File, r.FileSize = f, size
	case req.Method == "GET", size == 0:
		// A HEAD too, when the size says 0: a file made up as it is read
		// (/proc/version) has bytes all the same, and HEAD's
		// Content-Length must be GET's (RFC 1945, 8.2).
		if r.Body, err = readAll(f, size); err != nil {
			return errorResponse(StatusInternalServerError, "the server could not read "+strconv.Quote(served), "read "+strconv.Quote(served)+": "+err.Error(), req, now)
		}
		size = int64(len(r.Body))
	}
	r.Note = fileNote(served, size, ctype)
	return r.withEntity(ctype, size)
}

// fileNote says which file a response carries: `file "/a.txt" (3 bytes, text/plain)`.
func fileNote(p string, size int64, ctype string) string {
	var a [128]byte // on the stack: the string is the only allocation, for most paths
	b := append(a[:0], "file "...)
	b = strconv.AppendQuote(b, p)
	b = append(b, " ("...)
	b = strconv.AppendInt(b, size, 10)
	b = append(b, " bytes, "...)
	b = append(b, mediaType(ctype)...)
	b = append(b, ')')
	return string(b)
}

// open opens name in fsys and stats it.
func open(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, statError{err}
	}
	return f, fi, nil
}

// A statError is the failure to stat a file that did open: the server's
// fault, not the request's.
type statError struct{ err error }

func (e statError) Error() string { return "stat: " + e.err.Error() }

// openError answers a failure to open or stat the file for p: 403 if the
// file system says permission denied, 503 if it says ErrUnavailable (out
// of fds, say: the file may well exist), 500 if an open file cannot be
// stat'ed, else 404. Other open errors are taken as "no such file": the
// commonest is a path through a regular file ("/a.txt/b", ENOTDIR), and a
// pure package cannot tell errnos apart.
func openError(req *Request, p string, err error, now time.Time) *Response {
	var se statError
	if errors.As(err, &se) {
		return errorResponse(StatusInternalServerError, "the server could not read "+strconv.Quote(p), se.Error(), req, now)
	}
	if errors.Is(err, fs.ErrPermission) {
		return errorResponse(StatusForbidden, "no permission to read "+strconv.Quote(p), err.Error(), req, now)
	}
	if errors.Is(err, ErrUnavailable) {
		return errorResponse(StatusServiceUnavailable, "the server cannot open files just now; try again shortly", err.Error(), req, now)
	}
	note := "no such file " + strconv.Quote(p)
	if !errors.Is(err, fs.ErrNotExist) {
		note += ": " + err.Error()
	}
	return errorResponse(StatusNotFound, "no file "+strconv.Quote(p)+" here", note, req, now)
}

// redirectToDir answers a request for a directory without its final slash
// with 301 and the path with the slash, so that relative links in the
// index resolve inside the directory. The Location is an absoluteURI, as
// RFC 1945, 10.11 asks, on the name the client reached the server by: the
// host of an absolute Request-URI, or else the Host header, as nginx
// takes it. A request with neither (HTTP/1.0 does not require Host) gets
// the path alone, which clients resolve against the URL they asked for
// (RFC 9110, 10.2.2 allows it).
func redirectToDir(req *Request, now time.Time) *Response {
	var loc []byte
	if host := requestHost(req); host != "" {
		loc = append(append(loc, "http://"...), host...)
	}
	loc = appendEscapedPath(loc, req.Path)
	loc = append(loc, '/')
	if q := strings.IndexAny(req.Target, "?#"); q >= 0 && req.Target[q] == '?' {
		query, _, _ := strings.Cut(req.Target[q:], "#") // the fragment is the client's
		loc = append(loc, query...)
	}
	where := string(loc)
	r := newResponse(StatusMovedPermanently, req, now, 3)
	r.Header = append(r.Header, Field{"Location", where})
	r.Body = appendPage(nil, StatusMovedPermanently, `moved to <a href="`+html.EscapeString(where)+`">`+html.EscapeString(where)+`</a>`)
	r.Note = "directory: redirect " + strconv.Quote(req.Path) + " to " + strconv.Quote(where)
	return r.withEntity(htmlType, int64(len(r.Body)))
}

// requestHost is the host (and port) the client asked for: an absolute
// Request-URI's, or else the Host header's; "" if neither is there, or it
// is not a plain host[:port] that can go into a Location as it is.
func requestHost(req *Request) string {
	host := req.Get("Host")
	const scheme = "http://"
	if t := req.Target; len(t) > len(scheme) && strings.EqualFold(t[:len(scheme)], scheme) {
		host = t[len(scheme):]
		if end := strings.IndexAny(host, "/?#"); end >= 0 {
			host = host[:end]
		}
	}
	if !plainHost(host) {
		return "" // userinfo, two Host fields joined by a comma, "::1" unbracketed...
	}
	return host
}

// plainHost reports whether h is host [":" port] (RFC 3986, 3.2.2 and
// 3.2.3) in its plain forms: a name of letters, digits, '.', '-' and '_'
// with at least one letter or digit, or an IPv6 address in brackets; and
// a port of 1 to 65535. It checks shapes only, not that an address is one.
func plainHost(h string) bool {
	name, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		if addr := h[1:end]; strings.Count(addr, ":") < 2 || strings.Trim(addr, "0123456789abcdefABCDEF:.") != "" {
			return false // not the shape of an IPv6 address
		}
		name, port = "", h[end+1:]
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		name, port = h[:i], h[i:]
		if name == "" {
			return false
		}
	}
	if port != "" {
		if n, err := strconv.ParseUint(port[1:], 10, 16); port[0] != ':' || err != nil || n == 0 {
			return false // a TCP port is 1 to 65535
		}
	}
	alnum := name == "" && strings.HasPrefix(h, "[") // a bracketed address needs no name
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			alnum = true
		case c != '.' && c != '-' && c != '_':
			return false
		}
	}
	return alnum
}

// appendEscapedPath appends p percent-encoded where a path may not hold the
// byte as it is (RFC 3986, 3.3).
func appendEscapedPath(b []byte, p string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0:
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

// lastModified returns the file's modification time to the second, capped at
// now (RFC 1945, 10.10), and false if the file system does not know it
// (embed.FS reports the zero time).
func lastModified(fi fs.FileInfo, now time.Time) (time.Time, bool) {
	t := fi.ModTime()
	if t.IsZero() {
		return t, false
	}
	t = t.Truncate(time.Second)
	if now = now.Truncate(time.Second); t.After(now) {
		t = now
	}
	return t, true
}

// readAll reads the size bytes f's Stat gave, and stops there: a read
// that only finds the end of the file would be one more system call per
// request (docs/performance.md). A file that grew since it was stat'ed is
// cut at size, as its Content-Length says; one that shrank is sent as it
// is now. A size of 0, which some file systems give for files they make up
// as they are read (/proc, /sys), means read to the end, but no further
// than InlineBytes: such a file can be endless or huge (/proc/self/pagemap
// reads on for gigabytes), and reading it whole would stall the server and
// use up its memory. Past InlineBytes it is an error: its length is
// not known, so no Content-Length can be promised.
//
// A file already in memory, such as one a server has cached, can say so
// with a Bytes method (see inMemory): its bytes are the body as they are,
// not copied into a new buffer for every request.
func readAll(f fs.File, size int64) ([]byte, error) {
	if m, ok := f.(inMemory); ok {
		b := m.Bytes()
		if size > 0 && int64(len(b)) > size {
			b = b[:size:size] // no room left to append into the file's bytes
		}
		return b, nil
	}
	if size <= 0 {
		b, err := io.ReadAll(io.LimitReader(f, InlineBytes+1))
		if err == nil && len(b) > InlineBytes {
			err = errors.New("its size is given as 0, yet it reads on past " + strconv.Itoa(InlineBytes) + " bytes: its length cannot be known in advance")
		}
		return b, err
	}
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:n], err
}

// inMemory is a file whose contents are already in memory and never change.
// Like bytes.Buffer's, its Bytes returns the part not yet read, which the
// caller must not modify.
type inMemory interface {
	fs.File
	Bytes() []byte
}

// htmlType is the type of the pages the server writes itself.
const htmlType = "text/html; charset=utf-8"

// newResponse starts a response to req with the headers every response has:
// Date (RFC 1945, 10.6) and Server (10.14). extra is room for more fields.
func newResponse(status int, req *Request, now time.Time, extra int) *Response {
	r := &Response{Status: status, Header: make([]Field, 0, 4+extra)}
	r.Header = append(r.Header, Field{"Date", formatDate(now)}, Field{"Server", ServerName})
	if req != nil {
		r.Simple = req.Simple()
		r.NoBody = req.Method == "HEAD" // RFC 1945, 8.2
	}
	return r
}

// withEntity adds Content-Type and Content-Length (RFC 1945, 10.5 and 10.4;
// for HEAD, those of the GET response) and returns r.
func (r *Response) withEntity(ctype string, length int64) *Response {
	r.Header = append(r.Header, Field{"Content-Type", ctype}, Field{"Content-Length", strconv.FormatInt(length, 10)})
	return r
}

// insertField adds f before the Content-Type and Content-Length fields that
// end h.
func insertField(h []Field, f Field) []Field {
	h = append(h, Field{})
	i := len(h) - 3
	copy(h[i+1:], h[i:])
	h[i] = f
	return h
}

// errorResponse builds a 4xx or 5xx response to req (nil if unknown) whose
// body is a short HTML page saying msg (RFC 1945, 9.4 and 9.5: the entity
// explains the error). note, for the trace, is msg if empty.
func errorResponse(status int, msg, note string, req *Request, now time.Time) *Response {
	r := newResponse(status, req, now, 1)
	r.Body = appendPage(nil, status, html.EscapeString(msg))
	if note == "" {
		note = msg
	}
	r.Note = note
	return r.withEntity(htmlType, int64(len(r.Body)))
}

// appendPage appends a small HTML page for status whose paragraph is the
// HTML fragment p.
func appendPage(b []byte, status int, p string) []byte {
	title := strconv.Itoa(status) + " " + StatusText(status)
	b = append(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"...)
	b = append(b, title...)
	b = append(b, "</title></head>\n<body><h1>"...)
	b = append(b, title...)
	b = append(b, "</h1>\n<p>"...)
	b = append(b, p...)
	return append(b, "</p></body></html>\n"...)
}
