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

// The narrate functions are methods of sys, so that every model narrates
// alike and a thread's lines carry its label; the Server's are shorthands.

func (s *Server) note(conn int, format string, args ...any)      { s.k.note(conn, format, args...) }
func (s *Server) narrateResponse(c *conn, resp *http10.Response) { s.k.narrateResponse(c, resp) }

// note emits a "c1 * ..." line: a decision or an explanation.
func (k sys) note(conn int, format string, args ...any) {
	k.noteAt(conn, "", format, args...)
}

// noteAt is note for a line that belongs to a stage.
func (k sys) noteAt(conn int, stage, format string, args ...any) {
	if k.t.On() {
		k.noteText(conn, stage, fmt.Sprintf(format, args...))
	}
}

// noteText is noteAt for a line already written. It is for the lines of
// every request: passing a string through ...any allocates, trace on or off.
func (k sys) noteText(conn int, stage, text string) {
	if k.t.On() {
		k.t.Emit(k.explained(trace.Event{Kind: trace.Info, Conn: conn, Name: stage, Text: text}))
	}
}

func (k sys) recv(conn int, stage, text string) {
	k.t.Emit(k.explained(trace.Event{Kind: trace.Recv, Conn: conn, Name: stage, Text: text}))
}

func (k sys) send(conn int, stage, text string) {
	k.t.Emit(k.explained(trace.Event{Kind: trace.Send, Conn: conn, Name: stage, Text: text}))
}

// signal says that sig, by its name ("SIGINT"), has reached the server:
// "SIGINT {si_signo=SIGINT, ...}". strace shows the whole siginfo there
// (si_code, si_pid, ...); the server learns only the signal's number, and
// "..." says, as in strace's own structs, that the rest is left out.
func (k sys) signal(name string) {
	if k.t.On() {
		k.t.Emit(k.explained(trace.Event{Kind: trace.State, Name: "signal", Text: name + " {si_signo=" + name + ", ...}"}))
	}
}

// explained labels e with k's thread and adds the explanation of e's
// stage, with -explain.
func (k sys) explained(e trace.Event) trace.Event {
	e.Task = k.task
	if k.t.Explaining() {
		e.Explain = k.explanation(e)
	}
	return e
}

// narrateRequest shows the parsed request: its line, each header, its body.
// extra is how many bytes arrived after it.
func (k sys) narrateRequest(c *conn, req *http10.Request, extra int) {
	if !k.t.On() {
		return
	}
	k.recv(c.id, "request-line", req.Line)
	if req.Simple() {
		k.note(c.id, "HTTP/0.9 Simple-Request: the answer is the body alone, with no status line and no headers (RFC 1945 §4.1)")
	} else {
		for _, f := range req.Header {
			k.recv(c.id, "header", f.Name+": "+f.Value)
		}
		k.recv(c.id, "header", "")
	}
	if req.Major == 1 && req.Minor > 0 {
		k.note(c.id, "%s request: answered as HTTP/1.0, and the connection closed after it (RFC 1945 §3.1)", req.Proto)
	}
	if req.HasToken("Connection", "keep-alive") {
		k.note(c.id, "Connection: %s asks to keep the connection open for more requests; HTTP/1.0 has no such thing (RFC 2068 §19.7.1 describes the extension), so it closes after the answer", req.Get("Connection"))
	}
	if len(req.Body) > 0 {
		k.noteAt(c.id, "body", "body: %d bytes, as Content-Length said", len(req.Body))
	}
	if extra > 0 {
		k.note(c.id, "%d bytes after the request are ignored: HTTP/1.0 answers one request per connection", extra)
	}
}

// narrateRefusal says why a request is refused and where.
func (k sys) narrateRefusal(c *conn, err error) {
	if !k.t.On() {
		return
	}
	var pe *http10.ProtocolError
	if !errors.As(err, &pe) {
		k.noteAt(c.id, "refused", "refused: %v", err)
		return
	}
	var where string
	if cite := pe.Cite(); cite != "" {
		where = " (" + cite + ")"
	}
	k.noteAt(c.id, "refused", "refused with %d %s: %s%s", pe.Status, http10.StatusText(pe.Status), pe.Msg, where)
	line, caret := pointAt(c.in, pe.Offset)
	k.noteAt(c.id, "refused", "  %s", line)
	k.noteAt(c.id, "refused", "  %s^ byte %d", strings.Repeat(" ", caret), pe.Offset)
}

// pointAt shows the line of buf that holds byte off, as the trace's
// system call lines show bytes (trace.AppendEscaped: \r, \n, octal, a
// backslash doubled; at most 30 bytes on each side of it), and the
// column under which a caret points at that byte.
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
	var esc []byte
	for i := start; i < end; i++ {
		if i == off {
			col = b.Len()
		}
		if buf[i] == '"' {
			b.WriteByte('"') // no quotes around the line: none to escape
			continue
		}
		esc = trace.AppendEscaped(esc[:0], buf, i)
		b.Write(esc)
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
func (k sys) narrateResponse(c *conn, resp *http10.Response) {
	if !k.t.On() {
		return
	}
	if resp.Simple {
		k.note(c.id, "HTTP/0.9 response: %d bytes of body, nothing else", len(resp.Body))
		return
	}
	k.send(c.id, "status", resp.StatusLine())
	for _, f := range resp.Header {
		k.send(c.id, "response", f.Name+": "+f.Value)
	}
	k.send(c.id, "response", "")
}
