package http10

import (
	"io"
	"slices"
	"strconv"
)

// A Response is what the server sends back: a status, header fields and a body.
type Response struct {
	Status int
	Header []Field // in the order they are written
	Body   []byte  // may share memory with the request (echo) or a cached file: read it, never write to it
	Simple bool    // HTTP/0.9 Simple-Response: Append writes only Body, no status line, no headers
	NoBody bool    // HEAD or 304: headers describe the entity but Append writes no body
	Note   string  // one line saying why this response, for the trace: `file "/index.html" (1234 bytes, text/html)`

	// File, if not nil, is the body instead of Body: a large file, left
	// open so that the server can send it a piece at a time as the client
	// takes it, instead of holding all of it. Append writes what comes
	// before it; the caller then sends FileSize bytes read from File, and
	// closes File in any case.
	File     io.ReadCloser
	FileSize int64
}

// StatusLine returns the status line without its CRLF, e.g. "HTTP/1.0 200 OK".
// It always says HTTP/1.0, whatever the request said (RFC 1945, 3.1 and 6.1).
func (r *Response) StatusLine() string {
	return string(r.appendStatusLine(nil))
}

func (r *Response) appendStatusLine(b []byte) []byte {
	b = append(b, "HTTP/1.0 "...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, ' ')
	return append(b, StatusText(r.Status)...)
}

// Append appends the bytes of r as they go on the wire to b and returns the
// extended slice, in the manner of strconv.AppendInt. A full response is the
// status line, the header fields, an empty line and the body (none if NoBody),
// every line ending in CRLF (RFC 1945, 6). A Simple-Response is the body alone
// (RFC 1945, 4.1).
func (r *Response) Append(b []byte) []byte {
	if r.Simple {
		if r.NoBody {
			return b
		}
		return append(b, r.Body...)
	}
	b = slices.Grow(b, r.wireSize()) // one allocation, not one per doubling
	b = r.appendStatusLine(b)
	b = append(b, "\r\n"...)
	for _, f := range r.Header {
		b = appendLineSafe(b, f.Name)
		b = append(b, ": "...)
		b = appendLineSafe(b, f.Value)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	if !r.NoBody {
		b = append(b, r.Body...)
	}
	return b
}

// wireSize is how many bytes Append adds for a full response, or a few
// more: the status line is counted at its longest.
func (r *Response) wireSize() int {
	n := len("HTTP/1.0 999 \r\n") + len(StatusText(r.Status)) + len("\r\n")
	for _, f := range r.Header {
		n += len(f.Name) + len(": ") + len(f.Value) + len("\r\n")
	}
	if !r.NoBody {
		n += len(r.Body)
	}
	return n
}

// appendLineSafe appends s with every CR and LF replaced by SP, so that no
// header field can end a line early and smuggle in another (RFC 9112, 11.1).
func appendLineSafe(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
