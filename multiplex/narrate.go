package multiplex

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"stepwise/http10"
	"stepwise/trace"
)

// The narrate functions tell the trace, in curl -v's arrows, what the
// server understood and what it answers. They build nothing when the trace
// is off.

// Stages are the names the server gives the events that are not system
// calls, which a breakpoint can name (b request-line); a plain note has
// none.
func Stages() []string {
	return []string{"request-line", "header", "body", "route", "refused", "status", "response", "state", "signal"}
}

// note emits a "c1 * ..." line: a decision or an explanation.
func (s *Server) note(conn int, format string, args ...any) {
	s.noteAt(conn, "", format, args...)
}

// noteAt is note for a line that belongs to a stage.
func (s *Server) noteAt(conn int, stage, format string, args ...any) {
	if s.k.t.On() {
		s.k.t.Emit(s.explained(trace.Event{Kind: trace.Info, Conn: conn, Name: stage, Text: fmt.Sprintf(format, args...)}))
	}
}

func (s *Server) recv(conn int, stage, text string) {
	s.k.t.Emit(s.explained(trace.Event{Kind: trace.Recv, Conn: conn, Name: stage, Text: text}))
}

func (s *Server) send(conn int, stage, text string) {
	s.k.t.Emit(s.explained(trace.Event{Kind: trace.Send, Conn: conn, Name: stage, Text: text}))
}

// explained adds the explanation of e's stage, with -explain.
func (s *Server) explained(e trace.Event) trace.Event {
	if s.k.t.Explaining() {
		e.Explain = explanations[e.Name]
	}
	return e
}

// narrateRequest shows the parsed request: its line, each header, its body.
// extra is how many bytes arrived after it.
func (s *Server) narrateRequest(c *conn, req *http10.Request, extra int) {
	if !s.k.t.On() {
		return
	}
	s.recv(c.id, "request-line", req.Line)
	if req.Simple() {
		s.note(c.id, "HTTP/0.9 Simple-Request: the answer is the body alone, with no status line and no headers (RFC 1945 §4.1)")
	} else {
		for _, f := range req.Header {
			s.recv(c.id, "header", f.Name+": "+f.Value)
		}
		s.recv(c.id, "header", "")
	}
	if req.Major == 1 && req.Minor > 0 {
		s.note(c.id, "%s request: answered as HTTP/1.0, and the connection closed after it (RFC 1945 §3.1)", req.Proto)
	}
	if len(req.Body) > 0 {
		s.noteAt(c.id, "body", "body: %d bytes, as Content-Length said", len(req.Body))
	}
	if extra > 0 {
		s.note(c.id, "%d bytes after the request are ignored: HTTP/1.0 answers one request per connection", extra)
	}
}

// narrateRefusal says why a request is refused and where.
func (s *Server) narrateRefusal(c *conn, err error) {
	if !s.k.t.On() {
		return
	}
	var pe *http10.ProtocolError
	if !errors.As(err, &pe) {
		s.noteAt(c.id, "refused", "refused: %v", err)
		return
	}
	var where string
	if pe.Section != "" {
		where = " (RFC 1945 §" + pe.Section + ")"
	}
	s.noteAt(c.id, "refused", "refused with %d %s: %s%s", pe.Status, http10.StatusText(pe.Status), pe.Msg, where)
	line, caret := pointAt(c.in, pe.Offset)
	s.noteAt(c.id, "refused", "  %s", line)
	s.noteAt(c.id, "refused", "  %s^ byte %d", strings.Repeat(" ", caret), pe.Offset)
}

// pointAt shows the line of buf that holds byte off, as the trace prints
// it (control bytes escaped, at most about 60 columns around the byte),
// and the column under which a caret points at that byte.
func pointAt(buf []byte, off int) (line string, col int) {
	off = min(max(off, 0), len(buf))
	start := bytes.LastIndexByte(buf[:off], '\n') + 1
	end := len(buf)
	if i := bytes.IndexByte(buf[off:], '\n'); i >= 0 {
		end = off + i + 1 // the line feed is shown too, as \n
	}
	const window = 30
	var b strings.Builder
	if off-start > window {
		start = off - window
		b.WriteString("...")
	}
	cut := end > off+window
	if cut {
		end = off + window
	}
	for i, c := range buf[start:end] {
		if start+i == off {
			col = b.Len()
		}
		switch {
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < ' ' || c >= 0x7f:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	if off == end {
		col = b.Len() // the byte that is not there yet: just past the end
	}
	if cut {
		b.WriteString("...")
	}
	return b.String(), col
}

// narrateResponse shows the status line and headers of a response.
func (s *Server) narrateResponse(c *conn, resp *http10.Response) {
	if !s.k.t.On() {
		return
	}
	if resp.Simple {
		s.note(c.id, "HTTP/0.9 response: %d bytes of body, nothing else", len(resp.Body))
		return
	}
	s.send(c.id, "status", resp.StatusLine())
	for _, f := range resp.Header {
		s.send(c.id, "response", f.Name+": "+f.Value)
	}
	s.send(c.id, "response", "")
}
