package trace

import (
	"bufio"
	"io"
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
}

// A Tracer writes events as lines of text. It buffers its output: the
// server calls Flush before it blocks, so the trace is never behind what a
// person can see happening. A nil *Tracer is off.
type Tracer struct {
	w       *bufio.Writer
	opt     Options
	palette palette
	line    []byte // reused for each line
}

// New returns a Tracer writing to w.
func New(w io.Writer, opt Options) *Tracer {
	if opt.StrSize <= 0 {
		opt.StrSize = 32
	}
	return &Tracer{
		w:       bufio.NewWriterSize(w, 32<<10),
		opt:     opt,
		palette: newPalette(opt.Color),
	}
}

// On reports whether t records events. Callers check it before building an
// event, so that a server with tracing off does no work for the trace.
func (t *Tracer) On() bool { return t != nil }

// Emit writes e as one line.
func (t *Tracer) Emit(e Event) {
	if t == nil {
		return
	}
	t.line = t.render(t.line[:0], e)
	t.line = append(t.line, '\n')
	t.w.Write(t.line)
}

// Flush writes out any buffered lines.
func (t *Tracer) Flush() error {
	if t == nil {
		return nil
	}
	return t.w.Flush()
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
