package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"stepwise/trace"
)

func TestWantColor(t *testing.T) {
	for _, tc := range []struct {
		mode     string
		env      map[string]string
		terminal bool
		want     bool
	}{
		{"always", map[string]string{"NO_COLOR": "1"}, false, true}, // the flag decides
		{"never", map[string]string{"FORCE_COLOR": "1"}, true, false},
		{"auto", nil, true, true},
		{"auto", nil, false, false},
		{"auto", map[string]string{"NO_COLOR": "1"}, true, false},
		{"auto", map[string]string{"NO_COLOR": ""}, true, true}, // empty NO_COLOR does not count
		{"auto", map[string]string{"NO_COLOR": "1", "FORCE_COLOR": "1"}, true, false},
		{"auto", map[string]string{"FORCE_COLOR": "1"}, false, true},
		{"auto", map[string]string{"FORCE_COLOR": "0"}, false, false},
		{"auto", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"auto", map[string]string{"TERM": "dumb"}, true, false},
		{"auto", map[string]string{"TERM": "dumb", "FORCE_COLOR": "1"}, false, true},
	} {
		got, err := wantColor(tc.mode, tc.terminal, func(k string) string { return tc.env[k] })
		if err != nil || got != tc.want {
			t.Errorf("wantColor(%q, terminal %v, env %v) = %v, %v; want %v", tc.mode, tc.terminal, tc.env, got, err, tc.want)
		}
	}
	if _, err := wantColor("sometimes", true, os.Getenv); err == nil {
		t.Error(`wantColor("sometimes") = nil error; want one`)
	}
}

// -o writes the trace to a file and -json the same events as JSON lines;
// -trace chooses which.
func TestTraceFiles(t *testing.T) {
	dir := t.TempDir()
	text, js := filepath.Join(dir, "trace.txt"), filepath.Join(dir, "trace.jsonl")
	t.Setenv("FORCE_COLOR", "") // auto: a file is no terminal, so no colour
	t.Setenv("CLICOLOR_FORCE", "")
	s := start(t, "-o", text, "-json", js, "-trace", "accept,read,http")
	if _, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// A graceful stop flushes the trace and closes its files.
	sendSignal(t, s, syscall.SIGTERM)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("SIGTERM: exit status %d; want 0", code)
	}
	if stderr := s.trace(); stderr != "" {
		t.Errorf("stderr with -o: %q; want nothing", stderr)
	}
	b, err := os.ReadFile(text)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Contains(got, "\x1b[") {
		t.Errorf("-color auto put colour in a file:\n%q", got)
	}
	for _, want := range []string{"accept4(", "read(", "c1 > GET /hello.txt HTTP/1.0", "c1 < HTTP/1.0 200 OK"} {
		if !strings.Contains(got, want) {
			t.Errorf("trace file has no %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"pselect6(", "write(", "close(", "--- c1"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("-trace accept,read,http, yet the trace has %q", unwanted)
		}
	}
	b, err = os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if textLines := strings.Count(strings.TrimSpace(got), "\n") + 1; len(lines) != textLines {
		t.Errorf("JSON has %d events, the text %d lines; want the same events", len(lines), textLines)
	}
	for _, l := range lines {
		var e trace.JSONEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Seq == 0 || e.Kind == "" {
			t.Errorf("JSON line %q: %+v, %v", l, e, err)
		}
	}
}

// Bad trace flags and limits are usage errors: status 2 and a one-line
// reason.
func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	same, existing, link := filepath.Join(dir, "trace"), filepath.Join(dir, "existing"), filepath.Join(dir, "link")
	if err := os.WriteFile(existing, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
	// Two spellings of a file not made yet: relative and absolute, and
	// through a symlink that leads to it.
	fresh, dangling := filepath.Join(dir, "fresh"), filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "new"), dangling); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	relFresh, err := filepath.Rel(wd, fresh)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-trace", "reed"},
		{"-trace", "none,sys"},
		{"-ts", "abs"},
		{"-color", "sometimes"},
		{"-color", "sometimes", "-trace", "none"},
		{"-s", "0"},
		{"-break", "acept"},
		{"-break", ","},
		{"-break", " "},
		{"-break", "accept,"},
		{"-break", ""},
		{"-trace", "none,all"},
		{"-trace", "none", "-o", "trace.txt"},
		{"-trace", "none", "-json", "trace.jsonl"},
		// Zero or less would silently mean the default.
		{"-head-timeout", "0"},
		{"-shutdown-timeout", "-1s"},
		{"-max-body", "0"},
		{"-max-headers", "-5"},
		{"-model", "threads", "-max-workers", "0"},
		{"-model", "fork", "-max-workers", "20000"}, // past the Go runtime's 10,000 threads
		{"-delay", "-5s"},
		{"-addr", "host:port"},
		{"-addr", "[::1]"},
		// One file for the text and the JSON lines would mix them.
		{"-o", same, "-json", same},
		{"-o", same, "-json", filepath.Join(filepath.Dir(same), ".", filepath.Base(same))},
		{"-o", existing, "-json", link},
		{"-o", relFresh, "-json", fresh},
		{"-o", dangling, "-json", filepath.Join(dir, "new")},
	} {
		// On port 0, so that a check that failed to refuse binds no real port.
		code, stderr := mustFail(t, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("stepwise %q: status %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// A device may take both the text and the JSON lines: -o /dev/null
// -json /dev/null is one file, but not one whose lines could be mixed
// and then read back.
func TestDeviceTakesBothTraces(t *testing.T) {
	s := start(t, "-o", os.DevNull, "-json", os.DevNull, "-trace", "all")
	get(t, s, "/hello.txt")
}

// A trace that cannot be written (a full disk: /dev/full) does not stop
// the server, in any model, but the run ends with exit status 1 and says
// why, after its usual last line.
func TestTraceWriteFails(t *testing.T) {
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-o", "/dev/full")
			get(t, s, "/hello.txt")
			sendSignal(t, s, syscall.SIGINT)
			code, stdout := wait(t, s)
			want := "stepwise: the trace is incomplete: write /dev/full: no space left on device\n"
			if m == "fork" {
				// The child that served lost its part of the trace too.
				want = `stepwise: \[pid \d+\] the trace is incomplete: write /dev/full: no space left on device\n` + want
			}
			if stderr := s.stderr.String(); code != 1 || stdout != "stepwise: stopped\n" || !regexp.MustCompile(`^`+want+`$`).MatchString(stderr) {
				t.Errorf("exit status %d, stdout %q, stderr %q; want 1, the stopped line, and %q", code, stdout, stderr, want)
			}
		})
	}
}

// -access-log prints one Common Log Format line per request on stdout, and
// nothing else there: the serving and stopped lines go to stderr, so that
// stdout can go to a file or a log tool as it is.
func TestAccessLogFlag(t *testing.T) {
	s := start(t, "-access-log", "-trace", "none")
	for _, req := range []string{"GET /hello.txt HTTP/1.0\r\n\r\n", "GET /nope HTTP/1.0\r\n\r\n"} {
		if _, err := exchange(t, s.addr, req); err != nil {
			t.Fatal(err)
		}
	}
	sendSignal(t, s, syscall.SIGINT)
	code, stdout := wait(t, s)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /hello\.txt HTTP/1\.0" 200 ` + strconv.Itoa(len(readFile(t, "site/hello.txt"))) + `$`),
		regexp.MustCompile(`^127\.0\.0\.1 - - \[[^]]+\] "GET /nope HTTP/1\.0" 404 \d+$`),
	}
	if code != 0 || len(lines) != len(want) {
		t.Fatalf("exit %d, stdout:\n%s\nwant exit 0 and %d lines", code, stdout, len(want))
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("stdout line %d: %q; want it to match %s", i+1, lines[i], re)
		}
	}
	if stderr := s.stderr.String(); !regexp.MustCompile(`^stepwise: serving .* on http://127\.0\.0\.1:\d+/\nstepwise: stopped\n$`).MatchString(stderr) {
		t.Errorf("stderr %q; want the serving and stopped lines", stderr)
	}
}

// -h names the subcommands as well as the flags: a student reading it
// finds compare and draw.
func TestHelpNamesSubcommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-h"}, &stdout, &stderr); err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"stepwise compare [flags] SCENARIO", "stepwise draw [flags] TRACE.jsonl", "  -addr host:port"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h does not show %q:\n%s", want, stderr.String())
		}
	}
}

// -o /dev/stdout with stdout redirected to a file (-o /dev/stdout > f)
// keeps the whole trace: the server's own lines on fd 1 go after it, not
// over its start, since the trace writes through a copy of fd 1 with the
// same offset, not a second opening of the file.
func TestTraceToRedirectedStdout(t *testing.T) {
	out, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := selfCmd("-addr", "127.0.0.1:0", "-color", "never", "-trace", "sys", "-o", "/dev/stdout", "-json", "/dev/stderr")
	cmd.Stdout = out
	events, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The trace is flushed before the loop first sleeps in select: by the
	// time its events arrive, the server is listening and catches signals.
	if line, err := bufio.NewReader(events).ReadString('\n'); err != nil || !strings.Contains(line, `"name":"socket"`) {
		t.Fatalf("first JSON event: %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	go io.Copy(io.Discard, events)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nsocket(AF_INET, SOCK_STREAM", "stepwise: serving ", "\nstepwise: stopped\n"} {
		if !strings.Contains("\n"+string(b), want) {
			t.Errorf("stdout, a file, has no %q:\n%s", want, b)
		}
	}
}
