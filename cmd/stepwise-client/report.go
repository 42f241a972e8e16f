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
	"unicode/utf8"
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
	if d == never {
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
func (s *session) report(c *client, brief bool) {
	if s.json {
		s.record(c)
		return
	}
	switch {
	case len(c.sent) == 0:
		s.printf("%s > (nothing sent)", c.name)
	case c.writes > 1:
		s.printf("%s > %s (%d bytes in %d writes)", c.name, quote(c.sent, s.strSize), len(c.sent), c.writes)
	default:
		s.printf("%s > %s (%d bytes)", c.name, quote(c.sent, s.strSize), len(c.sent))
	}
	a := parseAnswer(c.got)
	switch {
	case brief:
		s.printf("%s < %s", c.name, orNothing(a.status, a.short(len(c.got))))
	case len(c.got) == 0:
		s.printf("%s * nothing came back", c.name)
	default:
		s.printAnswer(c.name, a, bytes.HasPrefix(c.sent, []byte("HEAD ")))
	}
	s.printf("%s * %s", c.name, timeline(c))
	if c.err != nil {
		s.printf("%s * failed: %v", c.name, c.err)
	}
}

func orNothing(status, short string) string {
	if status != "" {
		return status
	}
	return "(" + short + ")"
}

// printAnswer prints the head line by line, as curl -v does, and then the
// body's size and, if it is text, its first bytes.
func (s *session) printAnswer(name string, a answer, head bool) {
	if a.status == "" {
		s.printf("%s * no status line and no headers: the body alone, as an HTTP/0.9 server answers", name)
	} else {
		for _, line := range append([]string{a.status}, a.header...) {
			if !isText([]byte(line)) {
				line = strconv.Quote(line)
			}
			s.printf("%s < %s", name, line)
		}
		if !a.headDone {
			s.printf("%s * the head never ended: no empty line came back", name)
			return
		}
		s.printf("%s <", name)
	}
	var what strings.Builder
	fmt.Fprintf(&what, "%d bytes", len(a.body))
	switch {
	case head && len(a.body) == 0 && a.length > 0:
		fmt.Fprintf(&what, " (an answer to HEAD: Content-Length %d is what GET would send)", a.length)
	case a.length >= 0 && len(a.body) != a.length:
		fmt.Fprintf(&what, " (Content-Length said %d)", a.length)
	}
	switch {
	case len(a.body) == 0:
	case isText(a.body):
		fmt.Fprintf(&what, " %s", quote(a.body, s.strSize))
	default:
		what.WriteString(", not text")
	}
	s.printf("%s * body: %s", name, what.String())
	if len(a.extra) > 0 {
		s.printf("%s * then %d more bytes: %s", name, len(a.extra), quote(a.extra, s.strSize))
	}
}

// timeline says when each step of c happened, in one line.
func timeline(c *client) string {
	var b strings.Builder
	b.WriteString("ms:")
	if c.connected == never {
		b.WriteString(" never connected")
		return b.String()
	}
	fmt.Fprintf(&b, " connected %s", ms(c.connected))
	switch {
	case c.firstSent == never:
		b.WriteString(", sent nothing")
	case c.lastSent > c.firstSent && c.writes > 1:
		fmt.Fprintf(&b, ", sent %s to %s", ms(c.firstSent), ms(c.lastSent))
	default:
		fmt.Fprintf(&b, ", sent %s", ms(c.firstSent))
	}
	if c.firstGot == never {
		b.WriteString(", nothing back")
	} else {
		fmt.Fprintf(&b, ", first byte back %s", ms(c.firstGot))
	}
	if c.closed != never {
		fmt.Fprintf(&b, ", closed by %s %s", c.closedBy, ms(c.closed))
	}
	return b.String()
}

// table prints one line per client: the view of many clients at once.
func (s *session) table(clients []*client) {
	if s.json {
		for _, c := range clients {
			s.record(c)
		}
		return
	}
	w := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "client\tstatus\tbytes back\tconnected\tsent\tfirst byte back\tclosed (ms)\t")
	for _, c := range clients {
		a := parseAnswer(c.got)
		status := a.short(len(c.got))
		if c.err != nil {
			status = "failed"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", c.name, status, len(c.got), ms(c.connected), ms(c.firstSent), ms(c.firstGot), ms(c.closed))
	}
	w.Flush()
	for _, c := range clients {
		if c.err != nil {
			s.printf("%s * failed: %v", c.name, c.err)
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
	GotLen   int      `json:"received_bytes"`
	BodyLen  int      `json:"body_bytes"`
	Connect  *float64 `json:"connected_ms"` // null: it never happened
	First    *float64 `json:"first_sent_ms"`
	Last     *float64 `json:"last_sent_ms"`
	FirstGot *float64 `json:"first_received_ms"`
	Closed   *float64 `json:"closed_ms"`
	ClosedBy string   `json:"closed_by,omitempty"` // "the server" or "us"
	Err      string   `json:"error,omitempty"`
}

func (s *session) record(c *client) {
	a := parseAnswer(c.got)
	r := record{
		Scenario: s.scenario, Client: c.name, Addr: s.addr,
		Sent: string(c.sent[:min(len(c.sent), s.strSize)]), SentLen: len(c.sent), Writes: c.writes,
		Status: a.status,
		Got:    string(c.got[:min(len(c.got), s.strSize)]), GotLen: len(c.got), BodyLen: len(a.body),
		Connect: msJSON(c.connected), First: msJSON(c.firstSent), Last: msJSON(c.lastSent),
		FirstGot: msJSON(c.firstGot), Closed: msJSON(c.closed), ClosedBy: c.closedBy,
	}
	if c.err != nil {
		r.Err = c.err.Error()
	}
	line, _ := json.Marshal(r) // a struct of strings, ints and float pointers always marshals
	fmt.Fprintf(s.out, "%s\n", line)
}

func msJSON(d time.Duration) *float64 {
	if d == never {
		return nil
	}
	f := float64(d.Microseconds()) / 1000
	return &f
}
