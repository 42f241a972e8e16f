package trace

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"
)

// The colours follow strace's own defaults (its src/color.c): system call
// names yellow, results green, errors red, comments cyan. Only the eight
// base colours are used, so a terminal theme can adapt them. Red is kept
// for errors, so no connection is ever drawn in red.
var (
	syscallAttr = []color.Attribute{color.FgYellow}
	retAttr     = []color.Attribute{color.FgGreen}
	errAttr     = []color.Attribute{color.FgRed, color.Bold}
	commentAttr = []color.Attribute{color.FgCyan}
	arrowAttr   = []color.Attribute{color.Bold}
	connAttrs   = [][]color.Attribute{
		{color.FgBlue, color.Bold},
		{color.FgMagenta, color.Bold},
		{color.FgGreen, color.Bold},
		{color.FgCyan, color.Bold},
		{color.FgYellow, color.Bold},
		{color.FgBlue},
		{color.FgMagenta},
	}
)

// palette holds the colour objects of one Tracer; with colour off each one
// writes its text unchanged.
type palette struct {
	syscall, ret, err, comment, arrow *color.Color
	conns                             []*color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs []color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on { // set explicitly: color.New honours NO_COLOR and stdout only
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	p := palette{
		syscall: mk(syscallAttr),
		ret:     mk(retAttr),
		err:     mk(errAttr),
		comment: mk(commentAttr),
		arrow:   mk(arrowAttr),
	}
	for _, a := range connAttrs {
		p.conns = append(p.conns, mk(a))
	}
	return p
}

// conn returns the stable colour of connection n.
func (p palette) conn(n int) *color.Color {
	return p.conns[(n-1)%len(p.conns)]
}

// render appends the text of e to b, without a newline.
func (t *Tracer) render(b []byte, e Event) []byte {
	p := t.palette
	switch e.Kind {
	case Syscall:
		b = t.paint(b, p.syscall, "", e.Name, "")
		b = append(b, '(')
		b = appendText(b, e.Args, false)
		b = append(b, ") = "...)
		if e.Errno != "" {
			b = t.paint(b, p.err, "-1 "+e.Errno+" (", e.ErrText, ")")
		} else {
			var num [20]byte
			b = t.paint(b, p.ret, "", string(strconv.AppendInt(num[:0], int64(e.Ret), 10)), "")
		}
		if e.Extra != "" {
			b = append(b, ' ')
			b = t.paint(b, p.comment, "", printable(e.Extra), "")
		}
	case Recv, Send, Info:
		b = t.label(b, e.Conn)
		b = t.paint(b, p.arrow, "", arrow(e.Kind), "")
		if e.Text != "" {
			b = append(b, ' ')
			b = appendText(b, e.Text, e.Kind != Info) // > and < lines: what was on the wire
		}
	case State:
		b = append(b, "--- "...)
		b = t.label(b, e.Conn)
		b = appendText(b, e.Text, false)
		b = append(b, " ---"...)
	default:
		b = appendText(b, e.Text, false)
	}
	if e.Comment != "" {
		b = append(b, ' ')
		b = t.paint(b, p.comment, "/* ", printable(e.Comment), " */")
	}
	return b
}

// appendText appends s to b as a terminal can safely show it: printable
// text, UTF-8 included, as it is, and every other byte in octal, as the
// system call lines show bytes ("\33", "\302\233"). What a client sends
// reaches the trace (its request line, its headers), and sent as it is, a
// control character such as U+009B, CSI, could move the cursor, clear the
// screen, and so rewrite what the trace showed. With wire, s is bytes as
// they came, whose own backslashes are doubled, so that no text a client
// sends can pass for an escaped byte; without, s is the server's own
// text, whose backslashes are its quoting.
func appendText(b []byte, s string, wire bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && wire:
			b = append(b, '\\', '\\')
		case c >= ' ' && c < 0x7f || c == '\t':
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				b = append(b, s[i:i+n]...)
			} else {
				for j := i; j < i+n; j++ {
					b = appendOctal(b, s[j], j+1 < len(s) && isOctal(s[j+1]))
				}
			}
			i += n
			continue
		}
		i++
	}
	return b
}

// printable is the server's own text s as appendText shows it; s itself
// if it is plain ASCII.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c >= 0x7f {
			return string(appendText(nil, s, false))
		}
	}
	return s
}

// Printable returns text as the trace shows the server's own text: printable
// characters, UTF-8 included, as they are, and every other byte (a control
// character, a bidirectional override, invalid UTF-8) in octal, as the
// system call lines show bytes; backslashes are left as they are.
func Printable(s string) string { return printable(s) }

// PrintableWire returns bytes as they came on the wire, as Recv and Send
// events carry them, the way the > and < lines show them: as Printable
// does, and with their own backslashes doubled, so that no text a peer
// sends can pass for an escaped byte.
func PrintableWire(s string) string { return string(appendText(nil, s, true)) }

// paint appends pre+s+post to b, in colour c when colour is on. With
// colour off it only copies bytes: a plain trace costs no allocation per
// piece.
func (t *Tracer) paint(b []byte, c *color.Color, pre, s, post string) []byte {
	if !t.opt.Color {
		b = append(b, pre...)
		b = append(b, s...)
		return append(b, post...)
	}
	return append(b, c.Sprint(pre+s+post)...)
}

// label appends "c1 " in connection 1's colour, or nothing for no connection.
func (t *Tracer) label(b []byte, conn int) []byte {
	if conn <= 0 {
		return b
	}
	b = t.paint(b, t.palette.conn(conn), "c", strconv.Itoa(conn), "")
	return append(b, ' ')
}

// arrow is curl -v's marker: > sent to the server, < sent by it, * a note.
func arrow(k Kind) string {
	switch k {
	case Recv:
		return ">"
	case Send:
		return "<"
	}
	return "*"
}

// Quote returns b as strace shows a byte string, cut after max bytes. A max
// below zero counts as zero.
func Quote(b []byte, max int) string {
	if max < 0 {
		max = 0
	}
	cut := len(b) > max
	if cut {
		b = b[:max]
	}
	q := make([]byte, 0, len(b)+8)
	q = append(q, '"')
	for i := range b {
		q = AppendEscaped(q, b, i)
	}
	q = append(q, '"')
	if cut {
		q = append(q, "..."...)
	}
	return string(q)
}

// PathMax is Linux's PATH_MAX: strace shows a file name of up to
// PathMax-1 bytes whole.
const PathMax = 4096

// QuotePath returns a file name as strace shows it: escaped as Quote
// escapes a byte string, but whole, whatever -s says ("filenames are not
// considered strings and are always printed in full", strace(1)), up to
// PathMax-1 bytes, and cut there, with "...", if longer.
func QuotePath(name string) string { return Quote([]byte(name), PathMax-1) }

// AppendEscaped appends b[i], a byte of a byte string, to dst as Quote
// shows it between its quotes: printable ASCII as it is, a quote or a
// backslash after a backslash, \r \n \t \v \f, and any other byte in
// octal, whose form depends on the byte after it.
func AppendEscaped(dst, b []byte, i int) []byte {
	switch c := b[i]; c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	case '\v':
		return append(dst, `\v`...)
	case '\f':
		return append(dst, `\f`...)
	default:
		if c >= ' ' && c < 0x7f {
			return append(dst, c)
		}
		return appendOctal(dst, c, i+1 < len(b) && isOctal(b[i+1]))
	}
}

// appendOctal appends byte c in octal, as strace prints it: short ("\0",
// "\33") unless an octal digit follows (digit), then three digits.
func appendOctal(b []byte, c byte, digit bool) []byte {
	b = append(b, '\\')
	if digit {
		return append(b, '0'+c>>6, '0'+c>>3&7, '0'+c&7)
	}
	return strconv.AppendUint(b, uint64(c), 8)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
