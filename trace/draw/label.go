package draw

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"stepwise/trace"
)

// strRunes is how many characters of a byte string a label keeps.
const strRunes = 16

// splitArgs splits a system call's arguments, as strace prints them, at the
// commas that are not inside a byte string, brackets, braces or parentheses.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = closeQuote(s, i)
		case '[', '{', '(':
			depth++
		case ']', '}', ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" || len(args) > 0 {
		args = append(args, rest)
	}
	return args
}

// closeQuote returns the index of the quote that closes the byte string
// opening at s[open], or the last index if it is never closed.
func closeQuote(s string, open int) int {
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(s) - 1
}

// shortArg abbreviates one argument for a label: a structure becomes {...},
// and a byte string keeps its first strRunes characters (an escape such as
// \r counts as one and is never split), followed by ... when cut, as strace
// does.
func shortArg(a string) string {
	switch {
	case strings.HasPrefix(a, "{"):
		return "{...}"
	case !strings.HasPrefix(a, `"`):
		return a
	}
	end := closeQuote(a, 0)
	cut := end < len(a)-1 // strace already cut it: "..."... follows
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i := 1; i < end; n++ {
		if n == strRunes {
			cut = true
			break
		}
		size := 1
		if a[i] == '\\' {
			size = escapeLen(a[i:end])
		} else {
			_, size = utf8.DecodeRuneInString(a[i:end])
		}
		b.WriteString(a[i : i+size])
		i += size
	}
	b.WriteByte('"')
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

// escapeLen is the length of the escape sequence at the start of s: \r,
// \", or an octal \123.
func escapeLen(s string) int {
	n := 2
	for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '7' && s[1] >= '0' && s[1] <= '7' {
		n++
	}
	return min(n, len(s))
}

// result is what a call returned, as a label shows it: "= 5", or
// "= -1 EAGAIN".
func result(e trace.JSONEvent) string {
	if e.Ret == nil {
		return ""
	}
	s := "= " + strconv.Itoa(*e.Ret)
	if e.Errno != "" {
		s += " " + e.Errno
	}
	return s
}

// failed reports whether e is a system call that failed.
func failed(e trace.JSONEvent) bool { return e.Errno != "" || e.Ret != nil && *e.Ret < 0 }

// callLabel is the label of a system call's arrow: "read(5, "GET /
// HTTP/1.0\r\n"..., 16384) = 18", within width characters. Arguments are
// shortened first; if that is not enough, the last ones give way to "...",
// and at the very last the result is what stays.
func callLabel(e trace.JSONEvent, width int) string {
	args := splitArgs(e.Args)
	for i, a := range args {
		args[i] = shortArg(a)
	}
	res := result(e)
	for keep := len(args); keep >= 0; keep-- {
		shown := args[:keep]
		if keep < len(args) {
			shown = append(shown[:keep:keep], "...")
		}
		if s := e.Name + "(" + strings.Join(shown, ", ") + ") " + res; runes(s) <= width {
			return s
		}
	}
	return cut(e.Name+"(...) "+res, width)
}

// tableCall is a system call as the table of rounds shows it: its name,
// its first argument when that is short (an fd, usually), and its result
// unless that is a plain 0: "read 5 = 18", "close 5", "accept4 3 = -1
// EAGAIN".
func tableCall(e trace.JSONEvent) string {
	s := e.Name
	if args := splitArgs(e.Args); len(args) > 0 && args[0] != "" && !strings.ContainsAny(args[0][:1], `"{`) {
		s += " " + args[0]
	}
	if e.Ret != nil && (*e.Ret != 0 || failed(e)) {
		s += " " + result(e)
	}
	return s
}

// runes is the width of s in a monospace font: one column per character.
func runes(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to at most width characters, ending it with "..." when
// something was left out.
func cut(s string, width int) string {
	if runes(s) <= width {
		return s
	}
	width = max(width, 4)
	r := []rune(s)
	return strings.TrimRight(string(r[:width-3]), " ") + "..."
}

// wrap breaks s into lines of at most width characters, at spaces where it
// can (see fill). If it needs more than maxLines lines, the last is cut.
// maxLines 0 means no limit.
func wrap(s string, width, maxLines int) []string {
	lines := fill(strings.Fields(s), max(width, 4))
	if maxLines > 0 && len(lines) > maxLines {
		rest := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], cut(rest, width))
	}
	return lines
}

// fill puts pieces on lines of at most width characters, a space between
// two, starting a new line rather than breaking a piece. Only a piece
// longer than a line is broken: at its spaces, or, for a single word,
// where it must be.
func fill(pieces []string, width int) []string {
	var lines []string
	line := ""
	for len(pieces) > 0 {
		p := pieces[0]
		switch {
		case runes(p) > width && strings.Contains(p, " "):
			pieces = append(strings.Fields(p), pieces[1:]...)
			continue
		case runes(p) > width:
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			// All of its lines at once: cutting one at a time would copy
			// the rest of the word each time, and a word of megabytes (a
			// long URI under -max-request-line) would take minutes.
			r := []rune(p)
			for len(r) > width {
				lines = append(lines, string(r[:width]))
				r = r[width:]
			}
			pieces[0] = string(r)
			continue
		case line == "":
			line = p
		case runes(line)+1+runes(p) <= width:
			line += " " + p
		default:
			lines = append(lines, line)
			line = p
		}
		pieces = pieces[1:]
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}
