package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"
)

// Options configure a Tracer.
type Options struct {
	// Color turns on ANSI colours. The caller decides (from a flag,
	// NO_COLOR and whether the output is a terminal); the package never
	// guesses.
	Color bool
	// StrSize is how many bytes of a byte string Quote shows before it
	// cuts the string with "...", like strace -s. Zero means 32.
	StrSize int
	// Filter chooses the events written; the zero Filter writes all.
	Filter Filter
	// Stamp says how each text line is timestamped.
	Stamp Stamp
	// JSON, if not nil, receives every event written, as one JSON object
	// per line (see JSONEvent).
	JSON io.Writer
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// Stepper, if not nil, pauses before each event (see Stepper).
	Stepper *Stepper
	// Explain prints each event's explanation, the first time it appears,
	// on a line of its own under the event: "    # ...".
	Explain bool
	// Concurrent makes Emit, Before and Flush safe to call from several
	// goroutines at once: each takes a lock, so that lines never mix. The
	// select server has one goroutine and needs none; a server with a
	// thread per connection does.
	Concurrent bool
	// Task labels every event whose own Task is 0: a process that is one
	// of several writing the same trace (a forked child) sets it to its
	// pid.
	Task int
	// Start is when the trace began, what StampRel and JSON's "t" count
	// from; zero means now. A forked child counts from its parent's.
	Start time.Time
	// Shared says that other processes write the same file or pipe (the
	// fork model's parent and children). Each write is then whole lines
	// of at most PIPE_BUF bytes, which a pipe never mixes with another
	// process's write (pipe(7)); a single line longer than that is
	// written whole, but a pipe may split it.
	Shared bool
}

// Stamp is the timestamp at the start of each text line.
type Stamp uint8

const (
	StampNone Stamp = iota // no timestamp
	StampRel               // seconds since the tracer started: "+0.000123"
	StampWall              // the time of day: "14:05:06.123456"
)

// ParseStamp reads "none", "rel" or "wall".
func ParseStamp(s string) (Stamp, bool) {
	switch s {
	case "none":
		return StampNone, true
	case "rel":
		return StampRel, true
	case "wall":
		return StampWall, true
	}
	return StampNone, false
}

// A Tracer writes events as lines of text. It buffers its output: the
// server calls Flush before it blocks, so the trace is never behind what a
// person can see happening. A nil *Tracer is off.
type Tracer struct {
	mu        sync.Mutex // held by Emit, Before and Flush with Options.Concurrent
	w         *bufio.Writer
	json      *bufio.Writer // nil: no JSON
	opt       Options
	palette   palette
	line      []byte          // reused for each line
	seq       int             // events emitted so far
	start     time.Time       // for StampRel and JSON's "t"
	explained map[string]bool // explanations already printed
}

// New returns a Tracer writing to w.
func New(w io.Writer, opt Options) *Tracer {
	if opt.StrSize <= 0 {
		opt.StrSize = 32
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Shared {
		w = lineWrites{w}
		if opt.JSON != nil {
			opt.JSON = lineWrites{opt.JSON}
		}
	}
	t := &Tracer{
		w:       bufio.NewWriterSize(w, 32<<10),
		opt:     opt,
		palette: newPalette(opt.Color),
		start:   opt.Start,
	}
	if t.start.IsZero() {
		t.start = opt.Now()
	}
	if opt.JSON != nil {
		t.json = bufio.NewWriterSize(opt.JSON, 32<<10)
	}
	return t
}

// On reports whether t records events. Callers check it before building an
// event, so that a server with tracing off does no work for the trace.
func (t *Tracer) On() bool { return t != nil }

// Explaining reports whether t prints explanations: then the server fills
// in Event.Explain.
func (t *Tracer) Explaining() bool { return t != nil && t.opt.Explain }

// Stepping reports whether t pauses before events: then the server calls
// Before ahead of each system call.
func (t *Tracer) Stepping() bool { return t != nil && t.opt.Stepper != nil }

// Before is called just before a system call is made, with its name and
// the arguments it is about to get, so that a Stepper can pause there:
// the call has not happened yet. Emit follows with the result.
func (t *Tracer) Before(e Event) {
	if !t.Stepping() {
		return
	}
	if t.opt.Concurrent {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	e.Seq = t.seq + 1 // the number Emit will give it
	t.flush()
	pending := e.Name + "(" + printable(e.Args) + ")"
	if e.Comment != "" {
		pending += " /* " + printable(e.Comment) + " */"
	}
	t.opt.Stepper.pause(e, pending)
}

// Paused is how long the server has waited at the step prompt so far (see
// Stepper.Paused); 0 when not stepping.
func (t *Tracer) Paused() time.Duration {
	if !t.Stepping() {
		return 0
	}
	return t.opt.Stepper.Paused()
}

// Quit reports whether the person stepping asked the server to stop.
func (t *Tracer) Quit() bool { return t.Stepping() && t.opt.Stepper.Quit() }

// Emit numbers e and writes it as one line, if the filter wants it. With
// a Stepper, an event that is not a system call (those pause in Before)
// pauses first.
func (t *Tracer) Emit(e Event) {
	if t == nil {
		return
	}
	if t.opt.Concurrent {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	t.seq++
	e.Seq = t.seq
	if e.Task == 0 {
		e.Task = t.opt.Task
	}
	if t.opt.Stepper != nil && e.Kind != Syscall {
		t.flush()
		color := t.opt.Color
		t.opt.Color = false // the prompt is plain text
		line := string(t.render(nil, e))
		t.opt.Color = color
		t.opt.Stepper.pause(e, line)
	}
	if !t.opt.Filter.Match(e) {
		return
	}
	var now time.Time
	if t.opt.Stamp != StampNone || t.json != nil {
		now = t.opt.Now()
	}
	t.line = t.task(t.line[:0], e.Task)
	t.line = t.stamp(t.line, now)
	t.line = t.render(t.line, e)
	t.line = append(t.line, '\n')
	switch {
	case !t.opt.Explain:
		e.Explain = ""
	case e.Explain == "":
	case t.explained[e.Explain]:
		e.Explain = "" // said already, in the JSON as in the text
	default:
		if t.explained == nil {
			t.explained = map[string]bool{}
		}
		t.explained[e.Explain] = true
		t.line = t.paint(t.line, t.palette.comment, "    # ", e.Explain, "\n")
	}
	writeLine(t.w, t.line)
	if t.json != nil {
		t.line = appendJSON(t.line[:0], e, now.Sub(t.start))
		writeLine(t.json, t.line)
	}
}

// writeLine buffers line in w, flushing first if it would not fit, so that
// only whole lines are ever written: other processes (the fork model's)
// may write to the same file or pipe between two of our writes (see also
// lineWrites).
func writeLine(w *bufio.Writer, line []byte) {
	if len(line) > w.Available() {
		w.Flush()
	}
	w.Write(line)
}

// pipeBuf is PIPE_BUF on Linux: the most bytes a write to a pipe puts in
// it in one piece, never mixed with another writer's (pipe(7)).
const pipeBuf = 4096

// lineWrites passes on a buffer of whole lines in writes of at most
// pipeBuf bytes, each ending at a line's end (Options.Shared). A buffer
// flush is up to 32 KiB: written whole to a pipe that other processes
// write too, it could be split, and another process's line land in the
// middle of one of ours.
type lineWrites struct{ w io.Writer }

func (l lineWrites) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := len(p)
		if n > pipeBuf {
			if n = bytes.LastIndexByte(p[:pipeBuf], '\n') + 1; n == 0 {
				// A line longer than pipeBuf: whole, in one write.
				if n = bytes.IndexByte(p, '\n') + 1; n == 0 {
					n = len(p)
				}
			}
		}
		m, err := l.w.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// stamp appends the line's timestamp, if any.
func (t *Tracer) stamp(b []byte, now time.Time) []byte {
	switch t.opt.Stamp {
	case StampRel:
		b = append(b, '+')
		b = strconv.AppendFloat(b, now.Sub(t.start).Seconds(), 'f', 6, 64)
		return append(b, ' ')
	case StampWall:
		b = now.AppendFormat(b, "15:04:05.000000")
		return append(b, ' ')
	}
	return b
}

// task appends strace -f's label for the thread or process that took a
// step, "[pid 1234] ", or nothing for the main one.
func (t *Tracer) task(b []byte, task int) []byte {
	if task == 0 {
		return b
	}
	b = append(b, "[pid "...)
	b = strconv.AppendInt(b, int64(task), 10)
	return append(b, "] "...)
}

// Flush writes out any buffered lines.
func (t *Tracer) Flush() error {
	if t == nil {
		return nil
	}
	if t.opt.Concurrent {
		t.mu.Lock()
		defer t.mu.Unlock()
	}
	return t.flush()
}

func (t *Tracer) flush() error {
	err := t.w.Flush()
	if t.json != nil {
		if jerr := t.json.Flush(); err == nil {
			err = jerr
		}
	}
	return err
}

// JSONEvent is one line of the JSON form of the trace (-json): the same
// fields as Event, with stable lower-case keys; empty fields are left out.
type JSONEvent struct {
	Seq     int     `json:"seq"`            // 1 for the first event emitted, counting those filtered out
	T       float64 `json:"t"`              // seconds since the tracer started
	Kind    string  `json:"kind"`           // syscall, recv, send, info or state
	Task    int     `json:"pid,omitempty"`  // the thread or process that took the step, if not the main one
	Conn    int     `json:"conn,omitempty"` // 1 for c1, ...
	Name    string  `json:"name,omitempty"` // the system call's name
	Args    string  `json:"args,omitempty"` // its arguments as strace prints them
	Ret     *int    `json:"ret,omitempty"`  // its return value (syscalls only)
	Errno   string  `json:"errno,omitempty"`
	ErrText string  `json:"err,omitempty"`
	Extra   string  `json:"extra,omitempty"`
	Text    string  `json:"text,omitempty"` // the line of a recv, send, info or state event
	Comment string  `json:"comment,omitempty"`
	Explain string  `json:"explain,omitempty"` // with -explain only
}

func appendJSON(b []byte, e Event, since time.Duration) []byte {
	j := JSONEvent{Seq: e.Seq, T: since.Seconds(), Kind: e.Kind.String(), Task: e.Task, Conn: e.Conn, Name: e.Name, Args: e.Args,
		Errno: e.Errno, ErrText: e.ErrText, Extra: e.Extra, Text: e.Text, Comment: e.Comment, Explain: e.Explain}
	if e.Kind == Syscall {
		j.Ret = &e.Ret
	}
	out, _ := json.Marshal(j) // a struct of strings and numbers always marshals
	b = append(b, out...)
	return append(b, '\n')
}

// Start is when the trace began: what its relative times count from.
func (t *Tracer) Start() time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.start
}

// Quote returns b as strace shows a byte string: in double quotes, with
// \r, \n, \t, quotes and backslashes escaped, other bytes outside printable
// ASCII in octal, and cut after StrSize bytes with "..." after the quote.
func (t *Tracer) Quote(b []byte) string {
	size := 32
	if t != nil {
		size = t.opt.StrSize
	}
	return Quote(b, size)
}
