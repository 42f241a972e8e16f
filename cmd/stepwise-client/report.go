package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"stepwise/cmd/internal/client"
)

// quote shows b as strace shows a byte string: quoted with Go's escapes,
// so that "\r\n" is visible, and cut after max bytes with "..." after the
// closing quote.
func quote(b []byte, max int) string {
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	return strconv.Quote(string(b[:max])) + "..."
}

// ms prints a time since the start of the scenario in milliseconds.
func ms(d time.Duration) string {
	if d == client.Never {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

// isText reports whether b is worth showing as text: valid UTF-8, with no
// control characters other than tab, CR and LF.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\t' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// printf prints one line of text, unless the session prints JSON.
func (s *session) printf(format string, args ...any) {
	if !s.json {
		fmt.Fprintf(s.out, format+"\n", args...)
	}
}

// report prints what c sent and got, and when: in full, or in brief (the
// request, the status and the times) when a scenario has several clients
// to show.
func (s *session) report(c *client.Conn, brief bool) {
	if s.json {
		s.record(c)
		return
	}
	switch {
	case len(c.Sent) == 0:
		s.printf("%s > (nothing sent)", c.Name)
	case c.Writes > 1:
		s.printf("%s > %s (%d bytes in %d writes)", c.Name, quote(c.Sent, s.strSize), len(c.Sent), c.Writes)
	default:
		s.printf("%s > %s (%d bytes)", c.Name, quote(c.Sent, s.strSize), len(c.Sent))
	}
	a := client.ParseAnswer(c.Got)
	switch {
	case brief:
		s.printf("%s < %s", c.Name, orNothing(a.Status, a.Short()))
	case len(c.Got) == 0:
		s.printf("%s * nothing came back", c.Name)
	default:
		s.printAnswer(c.Name, a, c.Received-int64(len(c.Got)), bytes.HasPrefix(c.Sent, []byte("HEAD ")))
	}
	s.printf("%s * %s", c.Name, timeline(c))
	if c.Err != nil {
		s.printf("%s * failed: %v", c.Name, c.Err)
	}
}

func orNothing(status, short string) string {
	if status != "" {
		return status
	}
	return "(" + short + ")"
}

// The most of a head printAnswer shows: a server's head is a few lines of
// a few dozen bytes, and a hostile one's megabytes would flood the
// terminal. (curl refuses a response whose headers grow too large.)
const (
	maxHeadLines = 100
	maxHeadLine  = 1024
)

// printAnswer prints the head line by line, as curl -v does, and then the
// body's size and, if it is text, its first bytes. dropped counts the
// bytes received after the first ones kept (Conn.Received).
func (s *session) printAnswer(name string, a client.Answer, dropped int64, head bool) {
	if a.Status == "" {
		s.printf("%s * no status line and no headers: the body alone, as an HTTP/0.9 server answers", name)
	} else {
		lines := append([]string{a.Status}, a.Header...)
		for i, line := range lines {
			if i == maxHeadLines {
				rest := 0
				for _, l := range lines[i:] {
					rest += len(l)
				}
				s.printf("%s * ... and %d more lines of head (%d bytes), not shown", name, len(lines)-i, rest)
				break
			}
			switch {
			case len(line) > maxHeadLine:
				line = quote([]byte(line), maxHeadLine) // cut, and quoted to show where
			case !isText([]byte(line)):
				line = strconv.Quote(line)
			}
			s.printf("%s < %s", name, line)
		}
		if !a.HeadDone {
			s.printf("%s * the head never ended: no empty line came back", name)
			return
		}
		s.printf("%s <", name)
	}
	var what strings.Builder
	body := int64(len(a.Body)) + dropped
	fmt.Fprintf(&what, "%d bytes", body)
	switch {
	case head && body == 0 && a.Length > 0:
		fmt.Fprintf(&what, " (an answer to HEAD: Content-Length %d is what GET would send)", a.Length)
	case a.Length >= 0 && body != int64(a.Length):
		fmt.Fprintf(&what, " (Content-Length said %d)", a.Length)
	}
	if dropped > 0 {
		fmt.Fprintf(&what, " (the first %d kept)", len(a.Body))
	}
	switch {
	case len(a.Body) == 0:
	case isText(a.Body):
		fmt.Fprintf(&what, " %s", quote(a.Body, s.strSize))
	default:
		what.WriteString(", not text")
	}
	s.printf("%s * body: %s", name, what.String())
	if len(a.Extra) > 0 {
		s.printf("%s * then %d more bytes: %s", name, len(a.Extra), quote(a.Extra, s.strSize))
	}
}

// timeline says when each step of c happened, in one line.
func timeline(c *client.Conn) string {
	var b strings.Builder
	b.WriteString("ms:")
	if c.Connected == client.Never {
		b.WriteString(" never connected")
		return b.String()
	}
	fmt.Fprintf(&b, " connected %s", ms(c.Connected))
	switch {
	case c.FirstSent == client.Never:
		b.WriteString(", sent nothing")
	case c.LastSent > c.FirstSent && c.Writes > 1:
		fmt.Fprintf(&b, ", sent %s to %s", ms(c.FirstSent), ms(c.LastSent))
	default:
		fmt.Fprintf(&b, ", sent %s", ms(c.FirstSent))
	}
	if c.FirstGot == client.Never {
		b.WriteString(", nothing back")
	} else {
		fmt.Fprintf(&b, ", first byte back %s", ms(c.FirstGot))
	}
	if c.Closed != client.Never {
		fmt.Fprintf(&b, ", closed by %s %s", c.ClosedBy, ms(c.Closed))
	}
	return b.String()
}

// status is c's status in brief, "200 OK" or what stood in its place, or
// "failed".
func status(c *client.Conn) string {
	if c.Err != nil {
		return "failed"
	}
	return client.ParseAnswer(c.Got).Short()
}

// table prints one line per client: the view of many clients at once.
func (s *session) table(clients []*client.Conn) {
	if s.json {
		for _, c := range clients {
			s.record(c)
		}
		return
	}
	w := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "client\tstatus\tbytes back\tconnected\tsent\tfirst byte back\tclosed (ms)\t")
	for _, c := range clients {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", c.Name, status(c), len(c.Got), ms(c.Connected), ms(c.FirstSent), ms(c.FirstGot), ms(c.Closed))
	}
	w.Flush()
	for _, c := range clients {
		if c.Err != nil {
			s.printf("%s * failed: %v", c.Name, c.Err)
		}
	}
}

// A record is one client in JSON, for -json: one object per line.
type record struct {
	Scenario string   `json:"scenario"`
	Client   string   `json:"client"`
	Addr     string   `json:"addr"`
	Sent     string   `json:"sent"` // cut at -s bytes, like the text
	SentLen  int      `json:"sent_bytes"`
	Writes   int      `json:"writes"`
	Status   string   `json:"status"` // the status line; "" if none came back
	Got      string   `json:"received"`
	GotLen   int64    `json:"received_bytes"` // all of them, though Got keeps at most maxGot
	BodyLen  int64    `json:"body_bytes"`
	Connect  *float64 `json:"connected_ms"` // null: it never happened
	First    *float64 `json:"first_sent_ms"`
	Last     *float64 `json:"last_sent_ms"`
	FirstGot *float64 `json:"first_received_ms"`
	Closed   *float64 `json:"closed_ms"`
	ClosedBy string   `json:"closed_by,omitempty"` // "the server" or "us"
	Err      string   `json:"error,omitempty"`
}

func (s *session) record(c *client.Conn) {
	a := client.ParseAnswer(c.Got)
	r := record{
		Scenario: s.scenario, Client: c.Name, Addr: s.addr,
		Sent: string(c.Sent[:min(len(c.Sent), s.strSize)]), SentLen: len(c.Sent), Writes: c.Writes,
		Status: a.Status,
		Got:    string(c.Got[:min(len(c.Got), s.strSize)]), GotLen: c.Received, BodyLen: int64(len(a.Body)) + c.Received - int64(len(c.Got)),
		Connect: msJSON(c.Connected), First: msJSON(c.FirstSent), Last: msJSON(c.LastSent),
		FirstGot: msJSON(c.FirstGot), Closed: msJSON(c.Closed), ClosedBy: c.ClosedBy,
	}
	if c.Err != nil {
		r.Err = c.Err.Error()
	}
	line, _ := json.Marshal(r) // a struct of strings, ints and float pointers always marshals
	fmt.Fprintf(s.out, "%s\n", escapeUnprintable(line))
}

// escapeUnprintable writes each character of JSON text js that a terminal
// may act on as a \u escape: encoding/json escapes the C0 controls, but
// leaves DEL, the C1 controls (U+009B, CSI, can move the cursor as ESC [
// does) and bidirectional overrides (U+202E) as they are, and a server's
// answer is printed on the terminal.
func escapeUnprintable(js []byte) []byte {
	out := make([]byte, 0, len(js))
	for _, r := range string(js) { // valid UTF-8: json.Marshal replaced any invalid byte
		if r < utf8.RuneSelf && r != 0x7f || unicode.IsPrint(r) {
			out = utf8.AppendRune(out, r)
			continue
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

func msJSON(d time.Duration) *float64 {
	if d == client.Never {
		return nil
	}
	f := float64(d.Microseconds()) / 1000
	return &f
}
