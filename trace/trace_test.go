package trace

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fatih/color"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenEvents is one of every kind of line the trace can print: what a
// server does for one request, plus the labels c2 to c9.
var goldenEvents = []Event{
	{Kind: Info, Text: "listening on 127.0.0.1:8080"},
	{Kind: Syscall, Name: "socket", Args: "AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP", Ret: 3},
	{Kind: Syscall, Name: "bind", Args: `3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16`, Ret: 0},
	{Kind: Syscall, Name: "listen", Args: "3, 128", Ret: 0},
	{Kind: State, Text: "loop 1: watching rd=[3] wr=[]"},
	{Kind: Syscall, Name: "select", Args: "4, [3], [], NULL, NULL", Ret: 1, Extra: "(in [3])"},
	{Kind: Syscall, Name: "accept4", Args: "3, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK", Ret: 5, Comment: "c1"},
	{Kind: Syscall, Name: "accept4", Args: "3, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK", Ret: -1, Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"},
	{Kind: State, Conn: 1, Text: "new -> reading"},
	{Kind: Syscall, Name: "select", Args: "6, [3 5], [], NULL, NULL", Ret: 1, Extra: "(in [5])", Comment: "3=listener 5=c1"},
	{Kind: Syscall, Name: "read", Args: `5, "GET / HTTP/1.0\r\n\r\n", 4096`, Ret: 18, Conn: 1, Comment: "c1"},
	{Kind: Recv, Conn: 1, Text: "GET / HTTP/1.0"},
	{Kind: Recv, Conn: 1},
	{Kind: Info, Conn: 1, Text: `file "/index.html" (1234 bytes, text/html)`},
	{Kind: State, Conn: 1, Text: "reading -> writing"},
	{Kind: Send, Conn: 1, Text: "HTTP/1.0 200 OK"},
	{Kind: Send, Conn: 1, Text: "Content-Type: text/html"},
	{Kind: Send, Conn: 1},
	{Kind: Syscall, Name: "write", Args: `5, "HTTP/1.0 200 OK\r\nContent-Type: t"..., 1290`, Ret: 1290, Conn: 1, Comment: "c1"},
	{Kind: Syscall, Name: "close", Args: "5", Ret: 0, Conn: 1, Comment: "c1"},
	{Kind: State, Conn: 1, Text: "writing -> closed"},
	{Kind: Recv, Conn: 2, Text: "GET /2 HTTP/1.0"},
	{Kind: Recv, Conn: 3, Text: "GET /3 HTTP/1.0"},
	{Kind: Recv, Conn: 4, Text: "GET /4 HTTP/1.0"},
	{Kind: Recv, Conn: 5, Text: "GET /5 HTTP/1.0"},
	{Kind: Recv, Conn: 6, Text: "GET /6 HTTP/1.0"},
	{Kind: Recv, Conn: 7, Text: "GET /7 HTTP/1.0"},
	{Kind: Recv, Conn: 8, Text: "GET /8 HTTP/1.0"},
	{Kind: Send, Conn: 9, Text: "HTTP/1.0 404 Not Found"},
	{Kind: Info, Conn: 9, Text: "no file /9", Comment: "404"},
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	tr := New(&buf, Options{Color: false})
	for _, e := range goldenEvents {
		tr.Emit(e)
	}
	if err := tr.Flush(); err != nil {
		t.Fatalf("Flush() = %v; want nil", err)
	}
	got := buf.Bytes()
	for i, line := range strings.Split(string(got), "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("line %d %q ends in white space", i+1, line)
		}
	}

	golden := filepath.Join("testdata", "events.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendered events differ from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// TestRender pins the lines that students compare with strace and curl -v.
func TestRender(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{Event{Kind: Syscall, Name: "listen", Args: "3, 128"}, "listen(3, 128) = 0"},
		{Event{Kind: Syscall, Name: "getpid"}, "getpid() = 0"},
		{Event{Kind: Syscall, Name: "read", Args: "5, NULL, 4096", Ret: -1, Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"},
			"read(5, NULL, 4096) = -1 EAGAIN (Resource temporarily unavailable)"},
		{Event{Kind: Syscall, Name: "select", Args: "6, [3 5], [], NULL, NULL", Ret: 1, Extra: "(in [5])", Comment: "3=listener 5=c1"},
			"select(6, [3 5], [], NULL, NULL) = 1 (in [5]) /* 3=listener 5=c1 */"},
		{Event{Kind: Recv, Conn: 1, Text: "GET / HTTP/1.0"}, "c1 > GET / HTTP/1.0"},
		{Event{Kind: Recv, Conn: 1}, "c1 >"},
		{Event{Kind: Send, Conn: 2, Text: "HTTP/1.0 200 OK"}, "c2 < HTTP/1.0 200 OK"},
		{Event{Kind: Info, Conn: 3, Text: "route"}, "c3 * route"},
		{Event{Kind: Info, Text: "listening"}, "* listening"},
		{Event{Kind: State, Conn: 1, Text: "reading -> writing"}, "--- c1 reading -> writing ---"},
		{Event{Kind: State, Text: "loop 7"}, "--- loop 7 ---"},
		{Event{Kind: Recv, Conn: 12, Text: "x"}, "c12 > x"},
		// What a client sent, shown so that no terminal acts on it:
		// printable text as it is, other bytes in octal.
		{Event{Kind: Recv, Conn: 1, Text: "X-Evil: \xc2\x9b2J"}, `c1 > X-Evil: \302\2332J`}, // U+009B, CSI
		{Event{Kind: Recv, Conn: 1, Text: "A: \x1b[2J\x7f\xff"}, `c1 > A: \33[2J\177\377`},
		{Event{Kind: Recv, Conn: 1, Text: "A: \x1b1"}, `c1 > A: \0331`},                 // a digit follows: three digits
		{Event{Kind: Recv, Conn: 1, Text: "A: \u202eevil"}, `c1 > A: \342\200\256evil`}, // right-to-left override
		{Event{Kind: Recv, Conn: 1, Text: "Name: Zoë\tä"}, "c1 > Name: Zoë\tä"},
		{Event{Kind: Recv, Conn: 1, Text: `A: \33[2J`}, `c1 > A: \\33[2J`}, // sent as text: not an escaped byte
		{Event{Kind: Send, Conn: 1, Text: `X: a\b`}, `c1 < X: a\\b`},
		{Event{Kind: Info, Conn: 1, Text: "file \"/\x1b\\\""}, `c1 * file "/\33\"`}, // the server's own quoting stays
		{Event{Kind: State, Conn: 1, Text: "\x9b"}, `--- c1 \233 ---`},
		{Event{Kind: Syscall, Name: "read", Args: "5, \"\x1b\"", Ret: 1, Extra: "\x1b", Comment: "c1\x1b"}, `read(5, "\33") = 1 \33 /* c1\33 */`},
		// Bytes past ASCII in the server's own text: a comment or a result's
		// extra says a client's path, say, and U+009B is CSI there too.
		{Event{Kind: Syscall, Name: "read", Args: "5", Ret: 1, Extra: "\x7f", Comment: "c1 \xc2\x9b2J"}, `read(5) = 1 \177 /* c1 \302\2332J */`},
	}
	tr := New(io.Discard, Options{})
	for _, tt := range tests {
		if got := string(tr.render(nil, tt.e)); got != tt.want {
			t.Errorf("render(%+v) = %q; want %q", tt.e, got, tt.want)
		}
	}
}

// Escape sequences as fatih/color v1.19 writes them: one attribute resets
// with 0; Bold resets with 22.
const (
	yellow   = "\x1b[33m"
	green    = "\x1b[32m"
	cyan     = "\x1b[36m"
	redBold  = "\x1b[31;1m"
	bold     = "\x1b[1m"
	reset    = "\x1b[0m"
	resetB   = "\x1b[22m"
	resetFgB = "\x1b[0;22m"
)

// colourCases are rendered with Color true; plain is the same line with
// Color false.
var colourCases = []struct {
	e            Event
	color, plain string
}{
	{
		Event{Kind: Syscall, Name: "select", Args: "6, [3 5], [], NULL, NULL", Ret: 1, Extra: "(in [5])", Comment: "3=listener 5=c1"},
		yellow + "select" + reset + "(6, [3 5], [], NULL, NULL) = " + green + "1" + reset + " " +
			cyan + "(in [5])" + reset + " " + cyan + "/* 3=listener 5=c1 */" + reset,
		"select(6, [3 5], [], NULL, NULL) = 1 (in [5]) /* 3=listener 5=c1 */",
	},
	{
		Event{Kind: Syscall, Name: "accept4", Args: "3, NULL, NULL, 0", Ret: -1, Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"},
		yellow + "accept4" + reset + "(3, NULL, NULL, 0) = " + redBold + "-1 EAGAIN (Resource temporarily unavailable)" + resetFgB,
		"accept4(3, NULL, NULL, 0) = -1 EAGAIN (Resource temporarily unavailable)",
	},
	{
		Event{Kind: Recv, Conn: 1, Text: "GET / HTTP/1.0"},
		"\x1b[34;1mc1" + resetFgB + " " + bold + ">" + resetB + " GET / HTTP/1.0",
		"c1 > GET / HTTP/1.0",
	},
	{
		Event{Kind: Send, Conn: 2, Text: "HTTP/1.0 200 OK"},
		"\x1b[35;1mc2" + resetFgB + " " + bold + "<" + resetB + " HTTP/1.0 200 OK",
		"c2 < HTTP/1.0 200 OK",
	},
	{
		Event{Kind: State, Conn: 1, Text: "reading -> writing"},
		"--- \x1b[34;1mc1" + resetFgB + " reading -> writing ---",
		"--- c1 reading -> writing ---",
	},
}

func TestColorBytes(t *testing.T) {
	on := New(io.Discard, Options{Color: true})
	off := New(io.Discard, Options{Color: false})
	for _, tt := range colourCases {
		if got := string(on.render(nil, tt.e)); got != tt.color {
			t.Errorf("render(%+v) with colour = %q; want %q", tt.e, got, tt.color)
		}
		if got := string(off.render(nil, tt.e)); got != tt.plain {
			t.Errorf("render(%+v) without colour = %q; want %q", tt.e, got, tt.plain)
		}
	}
}

var sgr = regexp.MustCompile("\x1b\\[([0-9;]*)m")

// TestConnColors checks that each connection keeps one colour, that
// neighbours differ, that red stays for errors and that no bright colour
// (SGR 90-97, 100-107) is used.
func TestConnColors(t *testing.T) {
	label := func(tr *Tracer, n int) string {
		return string(tr.label(nil, n))
	}
	tr := New(io.Discard, Options{Color: true})
	c1, c2 := label(tr, 1), label(tr, 2)
	esc1, _, _ := strings.Cut(c1, "c1")
	esc2, _, _ := strings.Cut(c2, "c2")
	if esc1 == "" || esc1 == esc2 {
		t.Errorf("label(1) = %q and label(2) = %q; want two different colours", c1, c2)
	}
	for n := 1; n <= 20; n++ {
		label(tr, n)
	}
	if again := label(tr, 1); again != c1 {
		t.Errorf("label(1) = %q after other connections; first it was %q", again, c1)
	}
	if other := label(New(io.Discard, Options{Color: true}), 1); other != c1 {
		t.Errorf("label(1) = %q in a second tracer; want %q", other, c1)
	}

	var all strings.Builder
	for n := 1; n <= 20; n++ {
		l := label(tr, n)
		for _, m := range sgr.FindAllStringSubmatch(l, -1) {
			for p := range strings.SplitSeq(m[1], ";") {
				if p == "31" {
					t.Errorf("label(%d) = %q is red, which is kept for errors", n, l)
				}
			}
		}
		all.WriteString(l)
	}
	for _, tt := range colourCases {
		all.Write(tr.render(nil, tt.e))
	}
	for _, e := range goldenEvents {
		all.Write(tr.render(nil, e))
	}
	for _, m := range sgr.FindAllStringSubmatch(all.String(), -1) {
		for p := range strings.SplitSeq(m[1], ";") {
			n, err := strconv.Atoi(p)
			if err != nil {
				t.Errorf("escape %q has parameter %q; want a number", m[0], p)
				continue
			}
			if 90 <= n && n <= 97 || 100 <= n && n <= 107 {
				t.Errorf("escape %q is a bright colour; want SGR 30-37 only", m[0])
			}
		}
	}
}

// TestColorIgnoresEnv checks that Options.Color alone decides: colour
// settings in the environment change nothing, and neither does what
// fatih/color guessed at start-up from stdout (color.NoColor).
func TestColorIgnoresEnv(t *testing.T) {
	saved := color.NoColor
	t.Cleanup(func() { color.NoColor = saved })
	envs := []struct{ key, value string }{
		{"", ""}, // only color.NoColor changes
		{"NO_COLOR", ""},
		{"NO_COLOR", "1"},
		{"FORCE_COLOR", "1"},
		{"CLICOLOR_FORCE", "1"},
		{"CLICOLOR", "0"},
		{"TERM", "dumb"},
		{"TERM", "xterm-256color"},
	}
	for _, env := range envs {
		for _, noColor := range []bool{true, false} {
			name := fmt.Sprintf("%s=%s,NoColor=%t", env.key, env.value, noColor)
			if env.key == "" {
				name = fmt.Sprintf("NoColor=%t", noColor)
			}
			t.Run(name, func(t *testing.T) {
				color.NoColor = noColor
				if env.key != "" {
					t.Setenv(env.key, env.value)
				}
				var plain bytes.Buffer
				off := New(&plain, Options{Color: false})
				on := New(io.Discard, Options{Color: true})
				for _, tt := range colourCases {
					if got := string(off.render(nil, tt.e)); got != tt.plain {
						t.Errorf("render(%+v) without colour = %q; want %q", tt.e, got, tt.plain)
					}
					if got := string(on.render(nil, tt.e)); got != tt.color {
						t.Errorf("render(%+v) with colour = %q; want %q", tt.e, got, tt.color)
					}
				}
				for _, e := range goldenEvents {
					off.Emit(e)
				}
				off.Flush()
				if i := bytes.IndexByte(plain.Bytes(), 0x1b); i >= 0 {
					t.Errorf("Color false wrote an escape byte at %d: %q", i, plain.Bytes()[max(0, i-20):])
				}
			})
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 32, `""`},
		{"hello", 32, `"hello"`},
		{"GET / HTTP/1.0\r\n\r\n", 32, `"GET / HTTP/1.0\r\n\r\n"`},
		{"a\tb\vc\fd", 32, `"a\tb\vc\fd"`},
		{`say "hi" \ bye`, 32, `"say \"hi\" \\ bye"`},
		// strace: octal, in the short form unless an octal digit follows.
		{"\x00", 32, `"\0"`},
		{"\x00\x00", 32, `"\0\0"`},
		{"\x001", 32, `"\0001"`},
		{"\x007", 32, `"\0007"`},
		{"\x008", 32, `"\08"`}, // 8 cannot continue an octal escape
		{"\x00a", 32, `"\0a"`},
		{"\x017", 32, `"\0017"`},
		{"\x1b[0m", 32, `"\33[0m"`},
		{"\x1b1", 32, `"\0331"`},
		{"\x7f", 32, `"\177"`},
		{"\x7f7", 32, `"\1777"`},
		{"\xff\xfe", 32, `"\377\376"`},
		{"é", 32, `"\303\251"`},
		{"~ ", 32, `"~ "`},
		// Cut after max bytes, "..." after the closing quote, as strace -s.
		{"GET / HTTP/1.0\r\n", 5, `"GET /"...`},
		{"hello", 5, `"hello"`},
		{"hello!", 5, `"hello"...`},
		{"\r\n\r\n", 3, `"\r\n\r"...`},
		{"\x001", 1, `"\0"...`}, // the digit is cut, so the short form
		{"hello", 0, `""...`},
		{"", 0, `""`},
		{"hello", -1, `""...`},
		{"", -1, `""`},
	}
	for _, tt := range tests {
		if got := Quote([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("Quote(%q, %d) = %s; want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestTracerQuote(t *testing.T) {
	long := []byte(strings.Repeat("a", 40))
	want32 := `"` + strings.Repeat("a", 32) + `"...`
	tests := []struct {
		name string
		t    *Tracer
		want string
	}{
		{"nil", nil, want32},
		{"StrSize 0", New(io.Discard, Options{}), want32},
		{"StrSize 4", New(io.Discard, Options{StrSize: 4}), `"aaaa"...`},
		{"StrSize 40", New(io.Discard, Options{StrSize: 40}), `"` + string(long) + `"`},
	}
	for _, tt := range tests {
		if got := tt.t.Quote(long); got != tt.want {
			t.Errorf("%s: Quote(%q) = %s; want %s", tt.name, long, got, tt.want)
		}
	}
}

func TestNilTracer(t *testing.T) {
	var tr *Tracer
	if tr.On() {
		t.Errorf("(*Tracer)(nil).On() = true; want false")
	}
	tr.Emit(Event{Kind: Syscall, Name: "close", Args: "5"})
	if err := tr.Flush(); err != nil {
		t.Errorf("(*Tracer)(nil).Flush() = %v; want nil", err)
	}
	if got, want := tr.Quote([]byte("a\n")), `"a\n"`; got != want {
		t.Errorf("(*Tracer)(nil).Quote(%q) = %s; want %s", "a\n", got, want)
	}
	if !New(io.Discard, Options{}).On() {
		t.Errorf("New(...).On() = false; want true")
	}
}

func TestFlush(t *testing.T) {
	var buf bytes.Buffer
	tr := New(&buf, Options{})
	tr.Emit(Event{Kind: Syscall, Name: "listen", Args: "3, 128"})
	tr.Emit(Event{Kind: Recv, Conn: 1, Text: "GET / HTTP/1.0"})
	if buf.Len() != 0 {
		t.Fatalf("before Flush the writer has %q; want nothing", buf.String())
	}
	if err := tr.Flush(); err != nil {
		t.Fatalf("Flush() = %v; want nil", err)
	}
	want := "listen(3, 128) = 0\nc1 > GET / HTTP/1.0\n"
	if got := buf.String(); got != want {
		t.Errorf("after Flush the writer has %q; want %q", got, want)
	}
	tr.Emit(Event{Kind: State, Conn: 1, Text: "closed"})
	if got := buf.String(); got != want {
		t.Errorf("after a second Emit, before Flush, the writer has %q; want %q", got, want)
	}
	tr.Flush()
	want += "--- c1 closed ---\n"
	if got := buf.String(); got != want {
		t.Errorf("after the second Flush the writer has %q; want %q", got, want)
	}
}

// A thread or process that is not the main one labels its lines as
// strace -f does; Options.Task labels every line of a tracer that has no
// label of its own (a forked child's). JSON carries it as "pid". With
// Options.Concurrent the lines are the same: only the locking differs.
func TestTask(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		var buf, js bytes.Buffer
		tr := New(&buf, Options{Concurrent: concurrent, JSON: &js})
		tr.Emit(Event{Kind: Syscall, Name: "accept4", Args: "3, ...", Ret: 5, Conn: 1, Comment: "c1"})
		tr.Emit(Event{Kind: Syscall, Name: "read", Args: "5, \"\", 16", Task: 4321, Conn: 1, Comment: "c1"})
		tr.Emit(Event{Kind: Recv, Task: 4321, Conn: 1, Text: "GET / HTTP/1.0"})
		child := New(&buf, Options{Task: 77, Concurrent: concurrent})
		child.Emit(Event{Kind: State, Conn: 2, Text: "closed"})
		tr.Flush()
		child.Flush()
		want := "accept4(3, ...) = 5 /* c1 */\n[pid 4321] read(5, \"\", 16) = 0 /* c1 */\n[pid 4321] c1 > GET / HTTP/1.0\n[pid 77] --- c2 closed ---\n"
		if got := buf.String(); got != want {
			t.Errorf("Concurrent %v: trace\n%s\nwant\n%s", concurrent, got, want)
		}
		if lines := strings.Split(js.String(), "\n"); !strings.Contains(lines[1], `"pid":4321,`) || strings.Contains(lines[0], `"pid"`) {
			t.Errorf("Concurrent %v: JSON\n%s\nwant \"pid\":4321 in the second line only", concurrent, js.String())
		}
	}
}

type errWriter struct{ err error }

func (w errWriter) Write(p []byte) (int, error) { return 0, w.err }

func TestFlushError(t *testing.T) {
	boom := errors.New("disk full")
	tr := New(errWriter{boom}, Options{})
	tr.Emit(Event{Kind: Info, Text: "x"})
	if err := tr.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush() = %v; want %v", err, boom)
	}
}

func TestKindAndLabel(t *testing.T) {
	kinds := map[Kind]string{Syscall: "syscall", Recv: "recv", Send: "send", Info: "info", State: "state", 0: "unknown", 99: "unknown"}
	for k, want := range kinds {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q; want %q", k, got, want)
		}
	}
	labels := map[int]string{-1: "", 0: "", 1: "c1", 2: "c2", 10: "c10"}
	for n, want := range labels {
		if got := Label(n); got != want {
			t.Errorf("Label(%d) = %q; want %q", n, got, want)
		}
	}
}

// TestOffAllocs checks that a server with tracing off pays nothing for it.
func TestOffAllocs(t *testing.T) {
	var tr *Tracer
	e := Event{Kind: Syscall, Name: "read", Args: "5, NULL, 4096", Ret: 18, Comment: "c1"}
	allocs := testing.AllocsPerRun(100, func() {
		if tr.On() {
			e.Args = tr.Quote([]byte("GET / HTTP/1.0\r\n"))
		}
		tr.Emit(e)
	})
	if allocs != 0 {
		t.Errorf("nil tracer: %v allocations per event; want 0", allocs)
	}
}

var benchEvent = Event{Kind: Syscall, Name: "read", Args: `5, "GET / HTTP/1.0\r\n\r\n", 4096`, Ret: 18, Comment: "c1"}

func BenchmarkEmit(b *testing.B) {
	tr := New(io.Discard, Options{Color: false})
	b.ReportAllocs()
	for b.Loop() {
		tr.Emit(benchEvent)
	}
	tr.Flush()
}

func BenchmarkEmitOff(b *testing.B) {
	var tr *Tracer
	b.ReportAllocs()
	for b.Loop() {
		if tr.On() {
			tr.Emit(benchEvent)
		}
		tr.Emit(benchEvent)
	}
}

// writes records each Write it is given.
type writes struct{ each []string }

func (w *writes) Write(p []byte) (int, error) {
	w.each = append(w.each, string(p))
	return len(p), nil
}

// With Options.Shared (the fork model's processes write one pipe) every
// write is whole lines of at most PIPE_BUF bytes, which a pipe keeps
// apart from other processes' writes; a longer line goes whole, alone.
// The bytes are those of an unshared trace.
func TestSharedWritesWholeLinesAPipeKeepsWhole(t *testing.T) {
	var text, js writes
	var plain, plainJSON bytes.Buffer
	now := func() time.Time { return time.Unix(1e9, 0) }
	shared := New(&text, Options{Shared: true, StrSize: 8000, JSON: &js, Now: now})
	unshared := New(&plain, Options{StrSize: 8000, JSON: &plainJSON, Now: now})
	for i := range 400 { // about 40 KiB of lines: more than a buffer's flush
		arg := strings.Repeat("x", 40+i%60)
		if i == 200 {
			arg = strings.Repeat("y", 6000) // a line longer than PIPE_BUF
		}
		e := Event{Kind: Syscall, Name: "read", Args: strconv.Itoa(i) + ", \"" + arg + "\", 16384", Ret: 16, Conn: 1, Comment: "c1"}
		shared.Emit(e)
		unshared.Emit(e)
	}
	shared.Flush()
	unshared.Flush()
	for _, w := range []struct {
		name  string
		got   *writes
		plain *bytes.Buffer
	}{{"text", &text, &plain}, {"JSON", &js, &plainJSON}} {
		if got := strings.Join(w.got.each, ""); got != w.plain.String() {
			t.Errorf("%s: the shared trace's bytes differ from the unshared one's", w.name)
		}
		long := 0
		for i, p := range w.got.each {
			if !strings.HasSuffix(p, "\n") || len(p) > 4096 && strings.Count(p, "\n") > 1 {
				t.Errorf("%s: write %d of %d bytes, %d lines: want whole lines, and at most 4096 bytes unless one line", w.name, i, len(p), strings.Count(p, "\n"))
			}
			if len(p) > 4096 {
				long++
			}
		}
		if long != 1 {
			t.Errorf("%s: %d writes over 4096 bytes; want 1, the long line's", w.name, long)
		}
	}
}

// A file name is shown whole whatever -s says, as strace shows it, up to
// PATH_MAX-1 bytes.
func TestQuotePath(t *testing.T) {
	long := strings.Repeat("d/", 30) + "file.txt"
	if got, want := QuotePath(long), `"`+long+`"`; got != want {
		t.Errorf("QuotePath(%d bytes) = %s; want it whole", len(long), got)
	}
	if got := QuotePath("a\nb\001"); got != `"a\nb\1"` {
		t.Errorf(`QuotePath("a\nb\001") = %s; want "a\nb\1", escaped as strace escapes`, got)
	}
	huge := strings.Repeat("x", PathMax+10)
	if got, want := QuotePath(huge), `"`+huge[:PathMax-1]+`"...`; got != want {
		t.Errorf("QuotePath(%d bytes) = %d bytes; want the first %d, then ...", len(huge), len(got), PathMax-1)
	}
}
