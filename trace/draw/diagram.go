package draw

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"stepwise/trace"
)

// Options say what to draw and how.
type Options struct {
	// Round names the system calls that begin each round of the server's
	// loop: its select ("pselect6"). Each such call starts a new band. Its
	// first two bracketed arguments are the fds watched for reading and
	// for writing, as strace prints select(2), and what follows its result
	// ("(in [5], out [6])") the fds found ready. A round call that is
	// retried after it failed (EINTR) stays in the same band.
	Round []string
	// Accept names the system calls that return a new connection's fd
	// ("accept4"), labelled with that connection: a client's lane shows
	// its fd even if it was served within the round that accepted it and
	// never appeared in a select's sets.
	Accept []string
	// Rounds, if not 0, keeps the events before the first round and the
	// first Rounds rounds, and leaves out the rest.
	Rounds int
	// Conn, if not 0, keeps only connection Conn's events, the round calls,
	// and the rounds in which the connection did something.
	Conn int
	// Label is the most characters a label may have (default 48); longer
	// ones are shortened, so that a diagram stays narrow.
	Label int
	// Columns is the width of the table of rounds (default 100).
	Columns int
	// Title is written above the diagram (SVG and Mermaid); none if empty.
	Title string
}

const (
	defaultLabel   = 48
	defaultColumns = 100
	noteLines      = 2 // a note wraps onto at most this many lines
)

// CutShortError says that a trace's last line ends before its event
// does, with no newline: the server was killed while it wrote, or the
// file was copied while it grew. Read returns it with the events before
// that line.
type CutShortError struct{ Line int }

func (e *CutShortError) Error() string {
	return fmt.Sprintf("line %d: the last line is cut short, with no newline (was the trace still being written, or its writer killed?)", e.Line)
}

// Read reads a trace's JSON lines, one event per line, however long;
// blank lines are skipped. A trace with no event at all is an error. If
// only the last line is cut short, Read returns the events before it and
// a *CutShortError.
func Read(r io.Reader) ([]trace.JSONEvent, error) {
	var events []trace.JSONEvent
	var cut error
	br := bufio.NewReader(r)
	for n := 1; cut == nil; n++ {
		// Every event is a JSON object: a line that starts otherwise is
		// refused before the rest of it is read, which could be endless
		// (/dev/zero) or a binary file's gigabytes with no newline.
		if c, err := firstByte(br); err == nil && c != '{' && c != '\n' {
			return nil, fmt.Errorf("line %d: starts with %q, not a JSON object's {", n, c)
		}
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if text := bytes.TrimSpace(line); len(text) > 0 {
			var e trace.JSONEvent
			var syntax *json.SyntaxError
			switch uerr := json.Unmarshal(text, &e); {
			case err == io.EOF && errors.As(uerr, &syntax) && syntax.Offset == int64(len(text)):
				cut = &CutShortError{Line: n}
				continue
			case uerr != nil:
				return nil, fmt.Errorf("line %d: %v", n, uerr)
			}
			if e.Kind == "" {
				return nil, fmt.Errorf("line %d: no \"kind\": not an event", n)
			}
			events = append(events, printableEvent(e))
		}
		if err == io.EOF {
			break
		}
	}
	if len(events) == 0 && cut != nil {
		return nil, fmt.Errorf("no events, and %w", cut)
	}
	if len(events) == 0 {
		return nil, errors.New("no events")
	}
	// Processes that share a trace file (a fork model's children) write
	// their events a buffer at a time, so the file is in order within
	// each process but not across them. Every process counts "t" from the
	// same start: in time order, a child's events fall into the rounds in
	// which they happened.
	slices.SortStableFunc(events, func(a, b trace.JSONEvent) int { return cmp.Compare(a.T, b.T) })
	return events, cut
}

// firstByte skips the spaces that begin a line and returns the byte after
// them, unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' {
			return c, br.UnreadByte()
		}
	}
}

// printableEvent returns e with every text in it as the trace shows text:
// the > and < lines' bytes as they came on the wire (trace.PrintableWire),
// the rest as the server's own text (trace.Printable). -json writes what a
// client sent as it came, and a file written or edited by hand may hold
// anything: a newline would end a Mermaid line or a table row early, and a
// control character such as ESC, which XML forbids in the SVG, would reach
// the terminal of whoever reads the table.
func printableEvent(e trace.JSONEvent) trace.JSONEvent {
	for _, s := range []*string{&e.Kind, &e.Name, &e.Args, &e.Errno, &e.ErrText, &e.Extra, &e.Comment, &e.Explain} {
		*s = trace.Printable(*s)
	}
	if e.Kind == trace.Recv.String() || e.Kind == trace.Send.String() {
		e.Text = trace.PrintableWire(e.Text)
	} else {
		e.Text = trace.Printable(e.Text)
	}
	return e
}

// A Diagram is a session laid out as lanes, bands and steps, ready to be
// written as a table, Mermaid text or SVG.
type Diagram struct {
	opt   Options
	lanes []lane // clients, then the server loop, then the kernel
	bands []band
}

// A lane is one participant: a client, the server loop, or the kernel.
type lane struct {
	name string // "c1", "server loop", "kernel"
	sub  string // a second line: "fd 11", or the server's fds "7=listener 8=signals"
	conn int    // the client's connection number; 0 for the server and the kernel
	id   string // Mermaid's name for it: C1, S, K
}

// A band is one round of the loop, or the start before the first round.
type band struct {
	round  int // 1, 2, ...; 0 for the start
	read   string
	write  string
	ready  string
	events []trace.JSONEvent // the round's events, after the filters
	steps  []step
}

// A step is one row of the diagram: an arrow between two lanes, or a note
// over one.
type step struct {
	from, to int      // lane indexes; equal for a note
	note     bool     // a note over lane from
	dashed   bool     // an answer: the kernel's to a round call, or the server's to a client
	failed   bool     // a call that returned -1
	conn     int      // the connection it belongs to, for its colour; 0 for none
	lines    []string // the label: one line, or up to noteLines for a note
}

// New lays out events as opt says.
func New(events []trace.JSONEvent, opt Options) *Diagram {
	if opt.Label <= 0 {
		opt.Label = defaultLabel
	}
	if opt.Columns <= 0 {
		opt.Columns = defaultColumns
	}
	opt.Title = trace.Printable(opt.Title) // a file's name or -title may hold anything
	d := &Diagram{opt: opt}
	d.bands = d.split(events)
	d.lanes = d.makeLanes(events)
	for i := range d.bands {
		d.bands[i].steps = d.steps(d.bands[i].events)
	}
	return d
}

// isRound reports whether e is a call that begins a round.
func (d *Diagram) isRound(e trace.JSONEvent) bool {
	return e.Kind == trace.Syscall.String() && slices.Contains(d.opt.Round, e.Name)
}

// split cuts the events into bands at each round call, then applies the
// Rounds and Conn filters.
func (d *Diagram) split(events []trace.JSONEvent) []band {
	var bands []band
	round := 0
	for i, e := range events {
		if !d.isRound(e) {
			if len(bands) == 0 {
				bands = append(bands, band{})
			}
			b := &bands[len(bands)-1]
			b.events = append(b.events, e)
			continue
		}
		retry := i > 0 && d.isRound(events[i-1]) && failed(events[i-1])
		if !retry {
			round++
			if d.opt.Rounds > 0 && round > d.opt.Rounds {
				break
			}
			read, write, _ := watched(e)
			bands = append(bands, band{round: round, read: read, write: write})
		}
		b := &bands[len(bands)-1]
		b.events = append(b.events, e)
		b.ready = strings.TrimSuffix(strings.TrimPrefix(readySets(e.Extra), "("), ")")
		if failed(e) {
			b.ready = strings.TrimPrefix(result(e), "= ")
		}
	}
	if d.opt.Conn == 0 {
		return bands
	}
	kept := bands[:0]
	for _, b := range bands {
		mine := false
		b.events = slices.DeleteFunc(b.events, func(e trace.JSONEvent) bool {
			mine = mine || e.Conn == d.opt.Conn
			return e.Conn != d.opt.Conn && !d.isRound(e)
		})
		if mine {
			kept = append(kept, b)
		}
	}
	return kept
}

// makeLanes makes a lane for each connection in the bands, in the order of
// their numbers, then the server loop's and the kernel's. A client's lane
// says its fd, as the accept call returned it or the round calls'
// comments name it ("11=c1"), and the server's the fds that are not
// clients' ("7=listener 8=signals").
func (d *Diagram) makeLanes(events []trace.JSONEvent) []lane {
	fds := map[string]string{} // "c1" -> "11"
	var server []string
	for _, e := range events {
		if e.Kind == trace.Syscall.String() && slices.Contains(d.opt.Accept, e.Name) && e.Conn > 0 && e.Errno == "" {
			if _, seen := fds[trace.Label(e.Conn)]; !seen && e.Ret != nil {
				fds[trace.Label(e.Conn)] = strconv.Itoa(*e.Ret)
			}
		}
		if !d.isRound(e) {
			continue
		}
		for _, role := range strings.Fields(e.Comment) {
			fd, who, ok := strings.Cut(role, "=")
			if _, err := strconv.Atoi(fd); err != nil || !ok {
				continue
			}
			if _, ok := trace.ParseLabel(who); ok {
				if _, seen := fds[who]; !seen {
					fds[who] = fd
				}
			} else if !slices.Contains(server, role) {
				server = append(server, role)
			}
		}
	}
	var conns []int
	seen := map[int]bool{}
	for _, b := range d.bands {
		for _, e := range b.events {
			if e.Conn > 0 && !seen[e.Conn] {
				seen[e.Conn] = true
				conns = append(conns, e.Conn)
			}
		}
	}
	slices.Sort(conns)
	var lanes []lane
	for _, c := range conns {
		l := lane{name: trace.Label(c), conn: c, id: "C" + strconv.Itoa(c)}
		if fd, ok := fds[l.name]; ok {
			l.sub = "fd " + fd
		}
		lanes = append(lanes, l)
	}
	return append(lanes,
		lane{name: "server loop", sub: strings.Join(server, " "), id: "S"},
		lane{name: "kernel", id: "K"})
}

func (d *Diagram) server() int { return len(d.lanes) - 2 }
func (d *Diagram) kernel() int { return len(d.lanes) - 1 }

// client returns connection conn's lane, or -1 for none. The clients'
// lanes come first, in the order of their numbers.
func (d *Diagram) client(conn int) int {
	if conn <= 0 {
		return -1
	}
	i, ok := slices.BinarySearchFunc(d.lanes[:d.server()], conn, func(l lane, c int) int { return cmp.Compare(l.conn, c) })
	if !ok {
		return -1
	}
	return i
}

// watched returns a round call's first two bracketed arguments: the fds it
// watches for reading and for writing, "[3 5]".
func watched(e trace.JSONEvent) (read, write string, ok bool) {
	var sets []string
	for _, a := range splitArgs(e.Args) {
		if strings.HasPrefix(a, "[") {
			sets = append(sets, a)
		}
	}
	if len(sets) < 2 {
		return "", "", false
	}
	return sets[0], sets[1], true
}

// steps turns one band's events into rows. A run of lines a client sent
// (a request line and its headers) is one arrow labelled with the first and
// the number of others; so is a run the server sends back.
func (d *Diagram) steps(events []trace.JSONEvent) []step {
	var steps []step
	w := d.opt.Label
	for i := 0; i < len(events); i++ {
		e := events[i]
		switch e.Kind {
		case trace.Syscall.String():
			s := step{from: d.server(), to: d.kernel(), failed: failed(e), conn: e.Conn}
			if d.isRound(e) {
				label := callLabel(e, w)
				if read, write, ok := watched(e); ok {
					label = cut(e.Name+"(rd "+read+", wr "+write+")", w)
				}
				s.lines = []string{label}
				answer := step{from: d.kernel(), to: d.server(), dashed: true, failed: s.failed,
					lines: []string{cut(strings.TrimSpace(result(e)+" "+readySets(e.Extra)), w)}}
				steps = append(steps, s, answer)
				continue
			}
			s.lines = []string{callLabel(e, w)}
			steps = append(steps, s)
		case trace.Recv.String(), trace.Send.String():
			j := i
			for j+1 < len(events) && events[j+1].Kind == e.Kind && events[j+1].Conn == e.Conn {
				j++
			}
			label := e.Text
			if label == "" {
				label = "(blank line)"
			}
			if more := j - i; more == 1 {
				label += " (+1 line)"
			} else if more > 1 {
				label += " (+" + strconv.Itoa(more) + " lines)"
			}
			s := step{from: d.client(e.Conn), to: d.server(), conn: e.Conn, lines: []string{cut(label, w)}}
			if e.Kind == trace.Send.String() {
				s.from, s.to, s.dashed = s.to, s.from, true
			}
			if s.from < 0 || s.to < 0 { // no connection: the server's own line
				s.from, s.to, s.note = d.server(), d.server(), true
			}
			steps = append(steps, s)
			i = j
		case trace.Info.String():
			text := e.Text
			if e.Conn > 0 {
				text = trace.Label(e.Conn) + ": " + text
			}
			steps = append(steps, step{from: d.server(), to: d.server(), note: true, conn: e.Conn, lines: wrap(text, w, noteLines)})
		case trace.State.String():
			// "new connection from ... -> reading request": the note says
			// the state entered.
			text := e.Text
			if k := strings.LastIndex(text, " -> "); k >= 0 {
				text = text[k+len(" -> "):]
			}
			at := d.server()
			if e.Conn > 0 {
				at = d.client(e.Conn)
			}
			steps = append(steps, step{from: at, to: at, note: true, conn: e.Conn, lines: wrap(text, w, noteLines)})
		}
	}
	return steps
}

// title is a band's name: "start" or "round 2".
func (b band) title() string {
	if b.round == 0 {
		return "start"
	}
	return "round " + strconv.Itoa(b.round)
}

// summary says how much the diagram shows: "7 rounds, 3 connections".
func (d *Diagram) summary() string {
	n := 0
	for _, b := range d.bands {
		if b.round > 0 {
			n++
		}
	}
	return plural(n, "round") + ", " + plural(len(d.lanes)-2, "connection")
}

func plural(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		s += "s"
	}
	return s
}

// readySets is what a round call printed after its result, "(in [5],
// out [6], left {tv_sec=9, tv_nsec=999000000})", without the time that
// was left: a picture of the round shows which fds were ready.
func readySets(extra string) string {
	if i := strings.Index(extra, ", left {"); i >= 0 && strings.HasSuffix(extra, "})") {
		return extra[:i] + ")"
	}
	return extra
}
