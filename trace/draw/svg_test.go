package draw

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"testing"

	"stepwise/trace"
)

// wellFormed fails the test unless svg, which what names, is well-formed
// XML.
func wellFormed(t *testing.T, what string, svg []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", what, err)
		}
	}
}

// The SVG is well-formed XML, and the same events always draw the same
// bytes.
func TestSVGWellFormed(t *testing.T) {
	d := New(session(t), options())
	out := render(t, d, (*Diagram).SVG)
	wellFormed(t, "SVG", out)
	if again := render(t, New(session(t), options()), (*Diagram).SVG); !bytes.Equal(out, again) {
		t.Error("two drawings of the same events differ")
	}
	for _, bad := range []string{"http://", "https://", "<script", "@import", "url("} {
		if bytes.Contains(out[len(`<svg xmlns="http://www.w3.org/2000/svg"`):], []byte(bad)) {
			t.Errorf("SVG contains %q: it must be self-contained", bad)
		}
	}
}

// crowd is a made-up session that packs the lanes: twelve clients, each
// with long lines and notes, and fds up to 30.
func crowd() []trace.JSONEvent {
	ret := func(n int) *int { return &n }
	var events []trace.JSONEvent
	watch := "3"
	for c := 1; c <= 12; c++ {
		fd := strconv.Itoa(c + 18)
		events = append(events,
			trace.JSONEvent{Kind: "syscall", Name: "pselect6", Args: "31, [" + watch + "], [], NULL, NULL, NULL", Ret: ret(1), Extra: "(in [3])", Comment: "3=listener"},
			trace.JSONEvent{Kind: "syscall", Conn: c, Name: "accept4", Args: "3, NULL, NULL, SOCK_CLOEXEC", Ret: ret(c + 18)},
			trace.JSONEvent{Kind: "state", Conn: c, Name: "state", Text: "new connection from 127.0.0.1:65535 -> reading a very long request indeed"},
			trace.JSONEvent{Kind: "syscall", Conn: c, Name: "read", Args: fd + `, "GET /a/rather/long/path/to/a/file.html HTTP/1.0\r\n"..., 16384`, Ret: ret(-1), Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"},
			trace.JSONEvent{Kind: "recv", Conn: c, Name: "request-line", Text: "GET /a/rather/long/path/to/a/file/that/goes/on/and/on.html HTTP/1.0"},
			trace.JSONEvent{Kind: "info", Conn: c, Text: "refused with 400 Bad Request: path escapes the document root (RFC 1945 §12.5), and a good deal more besides"},
			trace.JSONEvent{Kind: "send", Conn: c, Name: "status", Text: "HTTP/1.0 400 Bad Request"},
		)
		watch += " " + fd
	}
	return events
}

// No two texts of the layout overlap, every text is inside the picture,
// and none crosses a lane's header but the header's own.
func TestLayoutNoOverlap(t *testing.T) {
	events := session(t)
	wide := options()
	wide.Label = 80
	for name, opt := range map[string]Options{"default": options(), "label 80": wide, "c3": {Round: []string{"pselect6"}, Conn: 3}, "no rounds": {}} {
		t.Run(name, func(t *testing.T) {
			checkLayout(t, New(events, opt).layout())
		})
	}
	for _, width := range []int{12, 48, 100} {
		t.Run("crowd "+strconv.Itoa(width), func(t *testing.T) {
			checkLayout(t, New(crowd(), Options{Round: []string{"pselect6"}, Label: width}).layout())
		})
	}
}

func checkLayout(t *testing.T, p *picture) {
	t.Helper()
	if len(p.texts) < 10 {
		t.Fatalf("only %d texts", len(p.texts))
	}
	for i, a := range p.texts {
		if a.x < 0 || a.y < 0 || a.x+a.w > p.w || a.y+a.h > p.h {
			t.Errorf("text %d %+v is outside the picture (%v x %v)", i, a, p.w, p.h)
		}
		for j := i + 1; j < len(p.texts); j++ {
			if b := p.texts[j]; a.overlaps(b) {
				t.Errorf("texts %d %+v and %d %+v overlap", i, a, j, b)
			}
		}
		inside := 0
		for _, h := range p.heads {
			if a.overlaps(h) {
				inside++
				if a.x < h.x || a.x+a.w > h.x+h.w {
					t.Errorf("text %d %+v sticks out of header %+v", i, a, h)
				}
			}
		}
		if inside > 1 {
			t.Errorf("text %d %+v crosses %d headers", i, a, inside)
		}
	}
}
