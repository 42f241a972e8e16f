package draw

import (
	"strings"
	"testing"
)

func TestMermaidText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET / HTTP/1.0", "GET / HTTP/1.0"},
		{"a; b # c", "a#59; b #35; c"},
		{`"<html>" => 16`, `"#60;html>" => 16`},
		{"the end", "the #101;nd"},
		{"END of it", "#69;ND of it"},
		{"send, ending, end.", "send, ending, #101;nd."},
		{"100% & more", "100#37; #38; more"},
	} {
		if got := mermaidText(tc.in); got != tc.want {
			t.Errorf("mermaidText(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// Every label in every output respects Options.Label.
func TestLabelWidth(t *testing.T) {
	for _, width := range []int{20, 48} {
		opt := options()
		opt.Label = width
		d := New(session(t), opt)
		for _, b := range d.bands {
			for _, s := range b.steps {
				for _, line := range s.lines {
					if runes(line) > width {
						t.Errorf("label %q is wider than %d", line, width)
					}
				}
			}
		}
		mmd := render(t, d, (*Diagram).Mermaid)
		for _, line := range strings.Split(string(mmd), "\n") {
			_, label, ok := strings.Cut(line, ": ")
			if !ok || strings.Contains(line, "title ") {
				continue
			}
			for _, part := range strings.Split(label, "<br/>") {
				if plain := decodeMermaid(part); runes(plain) > width {
					t.Errorf("Mermaid label %q (%q) is wider than %d", part, plain, width)
				}
			}
		}
	}
}

// decodeMermaid undoes mermaidText's entity codes.
func decodeMermaid(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "#")
		j := strings.Index(s[max(i, 0):], ";")
		if i < 0 || j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		var n int
		for _, c := range s[i+1 : i+j] {
			n = n*10 + int(c-'0')
		}
		b.WriteRune(rune(n))
		s = s[i+j+1:]
	}
}
