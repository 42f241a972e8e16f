package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The fixture and the pictures drawn from it, checked by package draw's
// golden tests; the command must draw the same.
var drawFixture = filepath.Join("..", "..", "trace", "draw", "testdata")

func drawGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(drawFixture, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDrawFormats(t *testing.T) {
	trace := filepath.Join(drawFixture, "session.jsonl")
	for _, tc := range []struct {
		args   []string
		golden string
	}{
		{[]string{trace}, "session.table"},
		{[]string{"-format", "table", "-width", "72", trace}, "session-72.table"},
		{[]string{"-format", "mermaid", trace}, "session.mmd"},
		{[]string{"-format", "mermaid", "-conn", "c2", trace}, "session-c2.mmd"},
		{[]string{"-format", "svg", trace}, "session.svg"},
		{[]string{"-rounds", "2", trace}, "session-2rounds.table"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(append([]string{"draw"}, tc.args...), &stdout, &stderr); err != nil {
			t.Errorf("stepwise draw %q: %v; stderr:\n%s", tc.args, err, stderr.String())
			continue
		}
		if want := drawGolden(t, tc.golden); stdout.String() != want {
			t.Errorf("stepwise draw %q differs from %s:\n%s", tc.args, tc.golden, stdout.String())
		}
	}
}

// -o picks the format from its extension.
func TestDrawOutputFile(t *testing.T) {
	dir := t.TempDir()
	for file, golden := range map[string]string{"s.svg": "session.svg", "s.mmd": "session.mmd", "s.txt": "session.table"} {
		out := filepath.Join(dir, file)
		var stdout, stderr bytes.Buffer
		if err := run([]string{"draw", "-o", out, filepath.Join(drawFixture, "session.jsonl")}, &stdout, &stderr); err != nil {
			t.Fatalf("stepwise draw -o %s: %v; stderr:\n%s", file, err, stderr.String())
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != drawGolden(t, golden) || stdout.Len() != 0 {
			t.Errorf("stepwise draw -o %s: wrote %d bytes unlike %s, and %q on stdout", file, len(got), golden, stdout.String())
		}
	}
}

// - reads standard input (in a subprocess, to have one); mistakes exit 2.
func TestDrawStdinAndMistakes(t *testing.T) {
	trace, err := os.ReadFile(filepath.Join(drawFixture, "session.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := selfCmd("draw", "-format", "mermaid", "-title", "session.jsonl", "-")
	cmd.Stdin = bytes.NewReader(trace)
	out, err := cmd.Output()
	if err != nil || string(out) != drawGolden(t, "session.mmd") {
		t.Errorf("stepwise draw - < session.jsonl: %v; output:\n%s", err, out)
	}

	tmp := t.TempDir()
	own := filepath.Join(tmp, "own.jsonl")
	empty := filepath.Join(tmp, "empty.jsonl")
	if err := os.WriteFile(own, trace, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"draw"}, 2, "want one trace file"},
		{[]string{"draw", "-o", own, own}, 2, "is the trace itself"},
		{[]string{"draw", empty}, 1, "no events"},
		{[]string{"draw", "-o", tmp, own}, 1, "draw: -o: "},
		{[]string{"draw", "-format", "png", "x.jsonl"}, 2, `-format "png"`},
		{[]string{"draw", "-conn", "two", "x.jsonl"}, 2, `-conn "two"`},
		{[]string{"draw", "-rounds", "-1", "x.jsonl"}, 2, "-rounds -1"},
		{[]string{"draw", "-width", "9223372036854775807", filepath.Join(drawFixture, "session.jsonl")}, 2, "want 40 to 1000 columns"},
		{[]string{"draw", "-width", "1001", filepath.Join(drawFixture, "session.jsonl")}, 2, "want 40 to 1000 columns"},
		{[]string{"draw", "-bogus", "x.jsonl"}, 2, "bogus"},
		{[]string{"draw", filepath.Join(t.TempDir(), "missing.jsonl")}, 1, "no such file"},
		{[]string{"draw", "-conn", "c9", filepath.Join(drawFixture, "session.jsonl")}, 1, "has no connection c9"},
		{[]string{"draw", filepath.Join(drawFixture, "session.txt")}, 1, "is it the JSON-lines file of -json?"},
	} {
		code, stderr := mustFail(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("stepwise %q: exit status %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.says)
		}
	}
	if got, err := os.ReadFile(own); err != nil || !bytes.Equal(got, trace) {
		t.Errorf("draw -o of the trace itself changed it (%v)", err)
	}
}

// A trace whose last line was cut short (its writer was killed in the
// middle of a write) is drawn as far as it goes, with a note saying so;
// it was once refused whole.
func TestDrawCutShort(t *testing.T) {
	lines := strings.SplitAfter(strings.TrimSuffix(drawGolden(t, "session.jsonl"), "\n"), "\n")
	whole := strings.Join(lines[:len(lines)-1], "")
	last := lines[len(lines)-1]
	dir := t.TempDir()
	drawn := map[string]string{}
	for name, text := range map[string]string{"whole": whole, "cut": whole + last[:len(last)/2]} {
		file := filepath.Join(dir, name+".jsonl")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if err := run([]string{"draw", file}, &stdout, &stderr); err != nil {
			t.Fatalf("stepwise draw %s: %v; stderr:\n%s", name, err, stderr.String())
		}
		drawn[name] = stdout.String()
		if note := fmt.Sprintf("line %d: the last line is cut short", len(lines)); strings.Contains(stderr.String(), note) != (name == "cut") {
			t.Errorf("stepwise draw %s: stderr %q; want %q only for the cut trace", name, stderr.String(), note)
		}
	}
	if drawn["cut"] != drawn["whole"] {
		t.Errorf("the cut trace is drawn unlike the events before its last line:\n%s\nwant:\n%s", drawn["cut"], drawn["whole"])
	}
}

// The real server's -json, drawn: what it did for one request is in the
// table and in the diagram.
func TestDrawLiveTrace(t *testing.T) {
	js := filepath.Join(t.TempDir(), "trace.jsonl")
	s := start(t, "-json", js)
	if resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil || statusLine(resp) != "HTTP/1.0 200 OK" {
		t.Fatalf("GET /hello.txt: %q, %v", statusLine(resp), err)
	}
	sendSignal(t, s, syscall.SIGINT)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("the server exited %d after SIGINT; stderr:\n%s", code, s.stderr.String())
	}
	for format, wants := range map[string][]string{
		"table":   {"round  read set", "c1: accept4 ", ", read ", "> GET /hello.txt HTTP/1.0", "< HTTP/1.0 200 OK", "SIGINT"},
		"mermaid": {"participant C1 as c1 (fd ", "C1->>S: GET /hello.txt HTTP/1.0", "S-->>C1: HTTP/1.0 200 OK", "rect rgba("},
		"svg":     {"<svg ", ">c1</text>", ">GET /hello.txt HTTP/1.0 (+1 line)</text>"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run([]string{"draw", "-format", format, js}, &stdout, &stderr); err != nil {
			t.Fatalf("stepwise draw -format %s: %v; stderr:\n%s", format, err, stderr.String())
		}
		for _, want := range wants {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("stepwise draw -format %s: no %q in:\n%s", format, want, stdout.String())
			}
		}
	}
}

// A trace with no system calls (-trace http, which -json follows) has
// nothing to lay out: draw says so instead of drawing one empty band; a
// trace with calls but no select (blocking, threads) is drawn, with a note.
func TestDrawNeedsSystemCalls(t *testing.T) {
	dir := t.TempDir()
	httpOnly, noSelect := filepath.Join(dir, "http.jsonl"), filepath.Join(dir, "blocking.jsonl")
	os.WriteFile(httpOnly, []byte(`{"seq":1,"t":0.1,"kind":"recv","conn":1,"name":"request-line","text":"GET / HTTP/1.0"}`+"\n"), 0o644)
	os.WriteFile(noSelect, []byte(`{"seq":1,"t":0.1,"kind":"syscall","name":"accept4","args":"3, {...}, [16], SOCK_CLOEXEC","ret":4}`+"\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"draw", httpOnly}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "has no system calls") {
		t.Errorf("draw of an http-only trace: %v; want an error saying it has no system calls", err)
	}
	stdout.Reset()
	if err := run([]string{"draw", noSelect}, &stdout, &stderr); err != nil || stdout.Len() == 0 || !strings.Contains(stderr.String(), "has no pselect6") {
		t.Errorf("draw of a trace without select: %v, %d bytes, stderr %q; want a table and a note", err, stdout.Len(), stderr.String())
	}
}
