package multiplex

import (
	"errors"
	"fmt"
	"strconv"

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
		s.k.t.Emit(trace.Event{Kind: trace.Info, Conn: conn, Name: stage, Text: fmt.Sprintf(format, args...)})
	}
}

func (s *Server) recv(conn int, stage, text string) {
	s.k.t.Emit(trace.Event{Kind: trace.Recv, Conn: conn, Name: stage, Text: text})
}

func (s *Server) send(conn int, stage, text string) {
	s.k.t.Emit(trace.Event{Kind: trace.Send, Conn: conn, Name: stage, Text: text})
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
	where := "at byte " + strconv.Itoa(pe.Offset)
	if pe.Section != "" {
		where += ", RFC 1945 §" + pe.Section
	}
	s.noteAt(c.id, "refused", "refused with %d %s: %s (%s)", pe.Status, http10.StatusText(pe.Status), pe.Msg, where)
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
