package draw

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Mermaid writes the diagram as a Mermaid sequence diagram, for a
// ```mermaid block in Markdown (GitHub draws those). Each round is a
// rect block, shaded like the SVG's bands, and its first arrow says which
// round it is.
//
// Labels are plain text, with the characters that Mermaid reads as syntax
// written as its entity codes: # as #35; and ; as #59; (either would end
// the label), < as #60; (so that no byte string is taken for HTML), & and
// % likewise, and the word "end" as #101;nd, which Mermaid's documentation
// warns may end a block.
func (d *Diagram) Mermaid(w io.Writer) error {
	out := bufio.NewWriter(w)
	out.WriteString("sequenceDiagram\n")
	if d.opt.Title != "" {
		out.WriteString("    title " + mermaidText(d.opt.Title) + "\n")
	}
	for _, l := range d.lanes {
		alias := l.name
		if l.sub != "" {
			alias += " (" + l.sub + ")"
		}
		out.WriteString("    participant " + l.id + " as " + mermaidText(alias) + "\n")
	}
	for _, b := range d.bands {
		indent := "    "
		if b.round > 0 {
			out.WriteString("    rect " + bandColors(b.round).mermaid + "\n")
			indent = "        "
		}
		for i, s := range b.steps {
			lines := s.lines
			if i == 0 && b.round > 0 {
				lines = []string{cut(b.title()+": "+lines[0], d.opt.Label)}
			}
			text := make([]string, len(lines))
			for j, line := range lines {
				text[j] = mermaidText(line)
			}
			out.WriteString(indent)
			if s.note {
				out.WriteString("Note over " + d.lanes[s.from].id)
			} else {
				arrow := "->>"
				if s.dashed {
					arrow = "-->>"
				}
				out.WriteString(d.lanes[s.from].id + arrow + d.lanes[s.to].id)
			}
			out.WriteString(": " + strings.Join(text, "<br/>") + "\n")
		}
		if b.round > 0 {
			out.WriteString("    end\n")
		}
	}
	return out.Flush()
}

// mermaidText writes s so that Mermaid shows it as it is (see Mermaid).
func mermaidText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '#', ';', '<', '&', '%':
			b.WriteString("#" + strconv.Itoa(int(c)) + ";")
		case 'e', 'E':
			if isWord(s, i, "end") {
				b.WriteString("#" + strconv.Itoa(int(c)) + ";")
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isWord reports whether s holds the word w (in any case) at i, with no
// letter or digit on either side.
func isWord(s string, i int, w string) bool {
	if len(s)-i < len(w) || !strings.EqualFold(s[i:i+len(w)], w) {
		return false
	}
	alnum := func(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '_' }
	return (i == 0 || !alnum(s[i-1])) && (i+len(w) == len(s) || !alnum(s[i+len(w)]))
}
