package draw

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"stepwise/trace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The fixture, testdata/session.jsonl, is a real session (see
// testdata/README.md): two clients at once, then curl, then Ctrl-C.
func session(t *testing.T) []trace.JSONEvent {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "session.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// options are what cmd/stepwise passes: multiplex's select is pselect6.
func options() Options {
	return Options{Round: []string{"pselect6"}, Title: "session.jsonl"}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./trace/draw -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		line := func(l []string) string {
			if i < len(l) {
				return l[i]
			}
			return "(end of file)"
		}
		t.Errorf("%s differs from what the code draws now, first at line %d:\ngot:  %s\nwant: %s\nIf the change is meant, run go test ./trace/draw -update and review the diff.", path, i+1, line(g), line(w))
	}
}

func render(t *testing.T, d *Diagram, write func(*Diagram, io.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(d, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	events := session(t)
	narrow := options()
	narrow.Columns = 72
	onlyC2 := options()
	onlyC2.Conn = 2
	first2 := options()
	first2.Rounds = 2
	for _, tc := range []struct {
		file  string
		opt   Options
		write func(*Diagram, io.Writer) error
	}{
		{"session.table", options(), (*Diagram).Table},
		{"session-72.table", narrow, (*Diagram).Table},
		{"session.mmd", options(), (*Diagram).Mermaid},
		{"session.svg", options(), (*Diagram).SVG},
		{"session-c2.mmd", onlyC2, (*Diagram).Mermaid},
		{"session-2rounds.table", first2, (*Diagram).Table},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(t, New(events, tc.opt), tc.write))
		})
	}
}

func TestShortArg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`5`, `5`},
		{`{sa_family=AF_INET, sin_port=htons(80)}`, `{...}`},
		{`"GET / HTTP/1.0\r\n\r\n"`, `"GET / HTTP/1.0\r\n"...`},
		{`"short"`, `"short"`},
		{`"cut by strace"...`, `"cut by strace"...`},
		{`"\2"`, `"\2"`},
		{`"\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20"`, `"\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17"...`},
		{`"héllo wörld, ünïcode ok"`, `"héllo wörld, ünï"...`},
		// An escape is one character, as long as strace wrote it: \n then
		// a digit is two, \033 then a digit is two (strace writes three
		// digits only when a digit follows).
		{`"0123456789abcde\n5"`, `"0123456789abcde\n"...`},
		{`"0123456789abcde\0331"`, `"0123456789abcde\033"...`},
	} {
		if got := shortArg(tc.in); got != tc.want {
			t.Errorf("shortArg(%s) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	got := splitArgs(`7, {sa_family=AF_INET, sin_port=htons(1)}, [112 => 16], "a, \"b\", c"..., SOCK_CLOEXEC|SOCK_NONBLOCK`)
	want := []string{`7`, `{sa_family=AF_INET, sin_port=htons(1)}`, `[112 => 16]`, `"a, \"b\", c"...`, `SOCK_CLOEXEC|SOCK_NONBLOCK`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitArgs = %q; want %q", got, want)
	}
	// An escaped quote does not end the string: the comma after it is the string's.
	if got := splitArgs(`5, "a\", b", 3`); strings.Join(got, "|") != `5|"a\", b"|3` {
		t.Errorf("splitArgs with an escaped quote = %q; want 5, \"a\\\", b\", 3", got)
	}
	if got := splitArgs(""); len(got) != 0 {
		t.Errorf("splitArgs(\"\") = %q; want none", got)
	}
}

func TestCallLabel(t *testing.T) {
	ret := func(n int) *int { return &n }
	for _, tc := range []struct {
		e     trace.JSONEvent
		width int
		want  string
	}{
		{trace.JSONEvent{Name: "close", Args: "5", Ret: ret(0)}, 48, "close(5) = 0"},
		{trace.JSONEvent{Name: "read", Args: `5, "GET / HTTP/1.0\r\n\r\n", 16384`, Ret: ret(18)}, 48, `read(5, "GET / HTTP/1.0\r\n"..., 16384) = 18`},
		{trace.JSONEvent{Name: "accept4", Args: `3, {sa_family=AF_INET, sin_port=htons(51234)}, [112 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK`, Ret: ret(5)}, 40, `accept4(3, {...}, [112 => 16], ...) = 5`},
		{trace.JSONEvent{Name: "accept4", Args: `3, NULL, NULL, 0`, Ret: ret(-1), Errno: "EAGAIN"}, 48, `accept4(3, NULL, NULL, 0) = -1 EAGAIN`},
		{trace.JSONEvent{Name: "socket", Args: `AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP`, Ret: ret(3)}, 30, `socket(AF_INET, ...) = 3`},
		{trace.JSONEvent{Name: "averyveryverylongname", Args: `1, 2`, Ret: ret(0)}, 16, `averyveryvery...`},
		{trace.JSONEvent{Name: "read", Args: `19, "GET /"..., 16384`, Ret: ret(-1), Errno: "EAGAIN"}, 21, `read(...) = -1 EAGAIN`},
		{trace.JSONEvent{Name: "read", Args: `19, "GET /"..., 16384`, Ret: ret(-1), Errno: "EAGAIN"}, 25, `read(19, ...) = -1 EAGAIN`},
		// Width counts characters, not bytes: this one fits exactly.
		{trace.JSONEvent{Name: "read", Args: `5, "é", 1`, Ret: ret(1)}, 19, `read(5, "é", 1) = 1`},
	} {
		if got := callLabel(tc.e, tc.width); got != tc.want {
			t.Errorf("callLabel(%s(%s), %d) = %s; want %s", tc.e.Name, tc.e.Args, tc.width, got, tc.want)
		}
		if got := callLabel(tc.e, tc.width); runes(got) > tc.width {
			t.Errorf("callLabel(%s(%s), %d) = %s: wider than %d", tc.e.Name, tc.e.Args, tc.width, got, tc.width)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in       string
		width, n int
		want     string
	}{
		{"one two three", 7, 0, "one two|three"},
		{"one two three four five", 9, 2, "one two|three..."},
		{"abcdefghij", 4, 0, "abcd|efgh|ij"},
		{"", 10, 0, ""},
	} {
		if got := strings.Join(wrap(tc.in, tc.width, tc.n), "|"); got != tc.want {
			t.Errorf("wrap(%q, %d, %d) = %q; want %q", tc.in, tc.width, tc.n, got, tc.want)
		}
	}
}

// cut leaves what fits as it is, a width's worth exactly included.
func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abc..."},
		{"héllo wörld", 11, "héllo wörld"},
		{"héllo wörld", 10, "héllo w..."},
	} {
		if got := cut(tc.in, tc.width); got != tc.want {
			t.Errorf("cut(%q, %d) = %q; want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct {
		in    []string
		width int
		want  string
	}{
		{[]string{"c1: read 5 = 18,", "> GET / HTTP/1.0,", "< HTTP/1.0 200 OK"}, 36, "c1: read 5 = 18, > GET / HTTP/1.0,|< HTTP/1.0 200 OK"},
		{[]string{"a,", "a piece much too long,", "b"}, 10, "a, a piece|much too|long, b"},
		{[]string{"x", "abcdefghijkl"}, 5, "x|abcde|fghij|kl"},
		{nil, 5, ""},
	} {
		if got := strings.Join(fill(tc.in, tc.width), "|"); got != tc.want {
			t.Errorf("fill(%q, %d) = %q; want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestTableWidth(t *testing.T) {
	for _, cols := range []int{60, 80, 100, 140} {
		opt := options()
		opt.Columns = cols
		out := render(t, New(session(t), opt), (*Diagram).Table)
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			if runes(line) > cols {
				t.Errorf("columns %d: line %q is %d wide", cols, line, runes(line))
			}
		}
	}
}

func TestRead(t *testing.T) {
	events, err := Read(strings.NewReader("{\"seq\":1,\"kind\":\"syscall\",\"name\":\"close\",\"args\":\"3\",\"ret\":0}\n\n{\"seq\":2,\"kind\":\"info\",\"text\":\"x\"}\n"))
	if err != nil || len(events) != 2 || events[0].Name != "close" || *events[0].Ret != 0 || events[1].Text != "x" {
		t.Errorf("Read = %+v, %v", events, err)
	}
	for _, tc := range []struct{ in, err string }{
		{"{\"seq\":1,\"kind\":\"info\"}\nnot json\n", "line 2"},
		{"{\"seq\":1,\"kind\":\"info\"}\n{}\n", "line 2: no \"kind\""},
		{"null\n", "line 1: starts with 'n'"},
		{"{}\n", "line 1: no \"kind\""},
		{"", "no events"},
		{"\n\n", "no events"},
		{"{\"seq\":1,\"ki", "no events, and line 1: the last line is cut short"},
		// Cut short, but not last, or not cut (a newline ends it, or it
		// goes wrong before its end): not a write that was stopped.
		{"{\"seq\":1,\"ki\n{\"seq\":2,\"kind\":\"info\"}\n", "line 1: unexpected end of JSON input"},
		{"{\"seq\":1,\"kind\":\"info\"}\n{\"seq\":2,\"ki\n", "line 2: unexpected end of JSON input"},
		{"{\"seq\":1,\"kind\":\"info\"}\n{\"seq\":2 \"ki", "line 2: invalid character"},
	} {
		if _, err := Read(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Read(%q): err = %v; want one saying %q", tc.in, err, tc.err)
		}
	}
	// A last line cut short, with no newline: the events before it, and
	// a CutShortError.
	events, err = Read(strings.NewReader("{\"seq\":1,\"kind\":\"info\",\"text\":\"x\"}\n{\"seq\":2,\"kind\":\"in"))
	var cut *CutShortError
	if !errors.As(err, &cut) || cut.Line != 2 || len(events) != 1 || events[0].Text != "x" {
		t.Errorf("Read of a trace cut short: %+v, %v; want the first event and a CutShortError at line 2", events, err)
	}
	// A fork model's child writes its events after some of its parent's
	// later ones; "t", counted from one start, puts them back in order,
	// and events of one time keep the file's order.
	forked := `{"seq":5,"t":0.5,"kind":"syscall","name":"pselect6"}
{"seq":1,"t":0.3,"pid":42,"kind":"syscall","name":"read"}
{"seq":2,"t":0.4,"pid":42,"kind":"syscall","name":"close"}
{"seq":6,"t":0.5,"kind":"syscall","name":"read"}
{"seq":4,"t":0.2,"kind":"syscall","name":"accept4"}
`
	events, err = Read(strings.NewReader(forked))
	var order []string
	for _, e := range events {
		order = append(order, e.Name)
	}
	if got := strings.Join(order, " "); err != nil || got != "accept4 read close pselect6 read" {
		t.Errorf("Read of a fork trace: %s, %v; want accept4 read close pselect6 read, in time order", got, err)
	}
	// A line longer than any buffer, as -s and a big body can make, and
	// no newline at the end.
	long := "{\"seq\":1,\"kind\":\"info\",\"text\":\"" + strings.Repeat("x", 5<<20) + "\"}"
	if events, err := Read(strings.NewReader(long)); err != nil || len(events) != 1 || len(events[0].Text) != 5<<20 {
		t.Errorf("Read of a 5 MiB line: %d events, %v", len(events), err)
	}
}

// A word of megabytes (a URI under a large -max-request-line) is broken
// into lines of the width asked for. It once took time in the square of
// its length (a 2 MB word, 369 s): BenchmarkFillLongWord shows how long
// it takes now, and this test, which would then outlast go test's
// timeout, how it comes out.
func TestFillLongWord(t *testing.T) {
	word := strings.Repeat("a", 4<<20)
	lines := fill([]string{"x", word, "y"}, 40)
	if len(lines) != 1+(4<<20)/40+1 || lines[0] != "x" || lines[1] != word[:40] || lines[len(lines)-1] != word[:(4<<20)%40]+" y" {
		t.Errorf("fill of a 4 MiB word: %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// go test ./trace/draw -bench FillLongWord: a word of 4 MiB takes a few
// times as long as one of 1 MiB (7 here), where time in the square of the
// length would make it 16.
func BenchmarkFillLongWord(b *testing.B) {
	for _, size := range []int{1 << 20, 4 << 20} {
		word := strings.Repeat("a", size)
		b.Run(strconv.Itoa(size>>20)+"MiB", func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				fill([]string{"x", word, "y"}, 40)
			}
		})
	}
}

// A file that is not JSON lines is refused at its first byte, even when
// it never ends and has no newline (/dev/zero, a big binary file).
func TestReadRefusesEarly(t *testing.T) {
	for _, in := range []io.Reader{zeros{}, io.MultiReader(strings.NewReader("{\"kind\":\"info\"}\n  \n"), zeros{})} {
		done := make(chan error, 1)
		go func() { _, err := Read(in); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), `starts with '\x00'`) {
				t.Errorf("Read of endless NULs: %v; want an error saying how the line starts", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Read of endless NULs did not return: it reads a line that never ends")
		}
	}
}

// zeros is an endless stream of NUL bytes, as /dev/zero is.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Text in a hand-made or damaged trace (a newline, ESC, NUL, U+202E) is
// shown escaped, as the trace shows it: the SVG stays well-formed XML, and
// neither the Mermaid text nor the table gets a control character or a
// line of its own from it.
func TestHostileText(t *testing.T) {
	bad := "<&]]>\x00\x01\x1b[2J\u202e\u009b\nparticipant EVIL as injected\r"
	ret := func(n int) *int { return &n }
	events := []trace.JSONEvent{
		{Kind: "syscall", Name: "pselect6", Args: "5, [3 " + bad + "], [], NULL", Ret: ret(1), Extra: "(in [3] " + bad + ")", Comment: "3=" + bad + " 4=c1"},
		{Kind: "syscall", Conn: 1, Name: "accept4" + bad, Args: bad, Ret: ret(4), Errno: bad, ErrText: bad},
		{Kind: "recv", Conn: 1, Text: bad},
		{Kind: "send", Conn: 1, Text: bad},
		{Kind: "info", Conn: 1, Text: bad},
		{Kind: "state", Conn: 1, Text: bad + " -> " + bad},
	}
	var file strings.Builder
	for _, e := range events {
		b, _ := json.Marshal(e)
		file.Write(append(b, '\n'))
	}
	read, err := Read(strings.NewReader(file.String()))
	if err != nil {
		t.Fatal(err)
	}
	opt := options()
	opt.Title = "trace" + bad
	d := New(read, opt)
	svg := render(t, d, (*Diagram).SVG)
	wellFormed(t, "SVG of hostile text", svg)
	for name, out := range map[string][]byte{"svg": svg, "mermaid": render(t, d, (*Diagram).Mermaid), "table": render(t, d, (*Diagram).Table)} {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "participant EVIL") {
				t.Errorf("%s: a newline in a text began a line of its own: %q", name, line)
			}
			for _, r := range line {
				if r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u202e' {
					t.Errorf("%s: raw %U in %q", name, r, line)
					break
				}
			}
		}
	}
}

// A retried round call stays in its round; Rounds and Conn leave out what
// they should.
func TestBands(t *testing.T) {
	events := session(t)
	d := New(events, options())
	var titles []string
	for _, b := range d.bands {
		titles = append(titles, b.title()+" "+b.ready)
	}
	want := "start |round 1 in [7]|round 2 in [7 11]|round 3 in [12], out [11]|round 4 out [12]|round 5 in [7]|round 6 in [11]|round 7 out [11]|round 8 in [8]"
	if got := strings.Join(titles, "|"); got != want {
		t.Errorf("bands:\n%s\nwant\n%s", got, want)
	}
	opt := options()
	opt.Conn = 2
	d = New(events, opt)
	var rounds []string
	for _, b := range d.bands {
		rounds = append(rounds, b.title())
		for _, e := range b.events {
			if e.Conn != 2 && e.Name != "pselect6" {
				t.Errorf("-conn 2 keeps %+v", e)
			}
		}
	}
	if got := strings.Join(rounds, ","); got != "round 2,round 3,round 4" {
		t.Errorf("-conn 2 rounds: %s", got)
	}
	if lanes := len(d.lanes); lanes != 3 {
		t.Errorf("-conn 2: %d lanes; want c2, server loop, kernel", lanes)
	}
}

// Only a round call that failed (EINTR) is retried within its round: one
// that timed out (= 0) ended a round, and the next call starts another.
// Lines from two connections in a row are two steps, not one with "+1 line".
func TestRoundsAndLines(t *testing.T) {
	file := `{"seq":1,"kind":"syscall","name":"pselect6","args":"9, [7 8], [], NULL, NULL, NULL","ret":0,"extra":"Timeout"}
{"seq":2,"kind":"syscall","name":"pselect6","args":"9, [7 8], [], NULL, NULL, NULL","ret":-1,"errno":"EINTR"}
{"seq":3,"kind":"syscall","name":"pselect6","args":"9, [7 8], [], NULL, NULL, NULL","ret":1,"extra":"in [7]"}
{"seq":4,"kind":"recv","conn":1,"text":"GET /a HTTP/1.0"}
{"seq":5,"kind":"recv","conn":2,"text":"GET /b HTTP/1.0"}
`
	events, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	d := New(events, options())
	var rounds []string
	for _, b := range d.bands {
		rounds = append(rounds, b.title())
	}
	if got := strings.Join(rounds, "|"); got != "round 1|round 2" {
		t.Errorf("bands %q; want round 1 (the timeout) and round 2 (EINTR, then in [7])", got)
	}
	out := string(render(t, d, (*Diagram).Mermaid))
	if !strings.Contains(out, "GET /a HTTP/1.0") || !strings.Contains(out, "GET /b HTTP/1.0") || strings.Contains(out, "+1 line") {
		t.Errorf("mermaid:\n%s\nwant c1's and c2's lines each drawn, neither folded into the other", out)
	}
}

// A fork child's steps fall in its parent's rounds, but the table says
// whose they are, with the process id, as strace -f does; the parent's
// own steps for the same client keep the plain label.
func TestTableLabelsTasks(t *testing.T) {
	forked := `{"seq":1,"t":0.1,"kind":"syscall","name":"pselect6","args":"9, [7 8], [], NULL, NULL, NULL","ret":1,"extra":"in [7]"}
{"seq":2,"t":0.2,"kind":"syscall","conn":1,"name":"accept4","args":"7, {}, [112 => 16], SOCK_CLOEXEC","ret":10}
{"seq":3,"t":0.3,"kind":"syscall","conn":1,"name":"close","args":"10","ret":0}
{"seq":1,"t":0.4,"pid":5067,"kind":"syscall","conn":1,"name":"read","args":"3, \"GET / HTTP/1.0\\r\\n\\r\\n\", 16384","ret":18}
{"seq":2,"t":0.5,"pid":5067,"kind":"recv","conn":1,"text":"GET / HTTP/1.0"}
`
	events, err := Read(strings.NewReader(forked))
	if err != nil {
		t.Fatal(err)
	}
	out := string(render(t, New(events, options()), (*Diagram).Table))
	if want := "c1: accept4 7 = 10, close 10; c1 [pid 5067]: read 3 = 18, > GET / HTTP/1.0"; !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("table:\n%s\nwant the row to say %q", out, want)
	}
}

// What a client sent is drawn as the > and < lines of the trace show it,
// its backslashes doubled: a client's literal "\33" cannot pass for an
// escaped ESC byte, while the server's own text keeps its backslashes.
func TestWireTextBackslashes(t *testing.T) {
	file := `{"seq":1,"kind":"syscall","name":"pselect6","args":"9, [7 8], [], NULL, NULL, NULL","ret":1,"extra":"in [7]"}
{"seq":2,"kind":"recv","conn":1,"text":"GET /\\33 HTTP/1.0"}
{"seq":3,"kind":"recv","conn":1,"text":"GET /\u001b HTTP/1.0"}
{"seq":4,"kind":"info","conn":1,"text":"file \"/\\33\""}
`
	events, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range events[1:] {
		texts = append(texts, e.Text)
	}
	want := []string{`GET /\\33 HTTP/1.0`, `GET /\33 HTTP/1.0`, `file "/\33"`}
	if !slices.Equal(texts, want) {
		t.Errorf("texts %q; want %q", texts, want)
	}
}

// A select with a timeout prints the time it had left after its ready
// sets, as strace does; the pictures show which fds were ready.
func TestReadyWithTimeLeft(t *testing.T) {
	events, err := Read(strings.NewReader(`{"seq":1,"kind":"syscall","name":"pselect6","args":"8, [3 4 7], [], NULL, {tv_sec=10, tv_nsec=0}, NULL","ret":1,"extra":"(in [7], left {tv_sec=9, tv_nsec=999966407})"}
{"seq":2,"kind":"syscall","name":"read","args":"7, \"GET\", 16384","ret":3,"conn":1}
`))
	if err != nil {
		t.Fatal(err)
	}
	table := string(render(t, New(events, options()), (*Diagram).Table))
	mermaid := string(render(t, New(events, options()), (*Diagram).Mermaid))
	if strings.Contains(table+mermaid, "left") || !strings.Contains(table, "in [7]") || !strings.Contains(mermaid, "= 1 (in [7])") {
		t.Errorf("a round whose select had time left: want in [7] without the time left\ntable:\n%s\nmermaid:\n%s", table, mermaid)
	}
}
