package main

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAB(t *testing.T) {
	report := `Document Length:        1024 bytes

Concurrency Level:      10
Time taken for tests:   1.641 seconds
Complete requests:      20000
Failed requests:        3
   (Connect: 0, Receive: 0, Length: 3, Exceptions: 0)
Non-2xx responses:      2
Requests per second:    12187.33 [#/sec] (mean)
Time per request:       0.821 [ms] (mean)
`
	got, err := parseAB(report)
	want := abResult{complete: 20000, failed: 3, non2xx: 2, rps: 12187.33}
	if err != nil || got != want {
		t.Errorf("parseAB(...) = %+v, %v; want %+v, nil", got, err, want)
	}
	if _, err := parseAB("apr_socket_connect(): Connection refused (111)\n"); err == nil {
		t.Errorf("parseAB(connection refused) = nil error; want one")
	}
}

func TestVerdict(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name         string
		sw, nginx    []float64
		check        check
		target, want string
	}{
		{"faster", []float64{12, 10, 11}, []float64{10, 10, 10}, check{vs: colNginx, limit: 1}, ">=1.0x nginx", "PASS"},
		{"slower", []float64{9, 12, 9}, []float64{10, 10, 10}, check{vs: colNginx, limit: 1}, ">=1.0x nginx", "MISS"},
		{"lower is better", []float64{0.2}, []float64{0.1}, check{vs: colNginx, limit: 1, atMost: true}, "<=1.0x nginx", "MISS"},
		{"no nginx", []float64{12}, []float64{nan}, check{vs: colNginx, limit: 1}, ">=1.0x nginx", "n/a"},
		{"absolute", []float64{7.5}, []float64{nan}, check{limit: 8, atMost: true}, "<=8", "PASS"},
	}
	for _, tt := range tests {
		r := newRow("x", "%.1f", "", len(tt.sw), tt.check)
		copy(r.vals[colStepwise], tt.sw)
		copy(r.vals[colNginx], tt.nginx)
		if target, got := r.verdict(); target != tt.target || got != tt.want {
			t.Errorf("%s: verdict() = %q, %q; want %q, %q", tt.name, target, got, tt.target, tt.want)
		}
	}
}

// checkTable passes the table of a real -smoke run (testdata, captured on
// a machine with nginx and strace) and fails each way it can break.
func TestCheckTable(t *testing.T) {
	b, err := os.ReadFile("testdata/smoke-table.txt")
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	if err := checkTable(good, smokeRows, true, true); err != nil {
		t.Fatalf("checkTable(real smoke table) = %v; want nil", err)
	}
	for _, tc := range []struct {
		name      string
		table     string
		haveNginx bool
	}{
		{"no header", strings.Replace(good, "figure ", "figures ", 1), true},
		{"a row missing", strings.Replace(good, "100 KiB c=10 (req/s)", "200 KiB c=10 (req/s)", 1), true},
		{"stepwise not a number", strings.Replace(good, "1 KiB c=10 (req/s)                  22237", "1 KiB c=10 (req/s)                  -", 1), true},
		{"no verdict", strings.Replace(good, "<=32 MiB                           PASS", "<=32 MiB                           ", 1), true},
		{"n/a for a figure that is not CPU time", strings.Replace(good, "1 KiB c=10 (req/s)                  22237", "1 KiB c=10 (req/s)                  n/a", 1), true},
		{"nginx figures without nginx", good, false},
	} {
		if err := checkTable(tc.table, smokeRows, tc.haveNginx, true); err == nil {
			t.Errorf("checkTable(%s) = nil; want an error", tc.name)
		}
	}
}

func TestPerfCounts(t *testing.T) {
	path := t.TempDir() + "/perf-stat.txt"
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Real perf stat -x, output, from this machine.
	write("# started on Sat Nov 21 18:18:42 2026\n\n15391,,raw_syscalls:sys_enter,37399711,100.00,,\n1920,,syscalls:sys_exit_read,37399711,100.00,,\n1376,,syscalls:sys_exit_accept4,37399711,100.00,,\n")
	got, err := perfCounts(path)
	want := map[string]int{"raw_syscalls:sys_enter": 15391, "syscalls:sys_exit_read": 1920, "syscalls:sys_exit_accept4": 1376}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("perfCounts = %v, %v; want %v, nil", got, err, want)
	}
	for name, out := range map[string]string{
		"not counted": "# started on Sat Nov 21 18:18:42 2026\n\n<not counted>,,raw_syscalls:sys_enter,0,100.00,,\n",
		"empty":       "# started on Sat Nov 21 18:18:42 2026\n\n",
	} {
		write(out)
		if got, err := perfCounts(path); err == nil {
			t.Errorf("perfCounts(%s) = %v, nil; want an error", name, got)
		}
	}
}

func TestPerfReason(t *testing.T) {
	// What perf stat printed, run by a user who may not read the
	// tracepoints, after the line abUnder puts first.
	denied := errors.New("/usr/bin/perf stat -x, ... (against stepwise): exit status 129\n" +
		"event syntax error: 'raw_syscalls:sys_enter'\n                     \\___ can't access trace events\n\n" +
		"Error:\tNo permissions to read /sys/kernel/tracing/events/raw_syscalls/sys_enter\n" +
		"Hint:\tTry 'sudo mount -o remount,mode=755 /sys/kernel/tracing/'\n\n Usage: perf stat [<options>] [<command>]\n")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{denied, "No permissions to read /sys/kernel/tracing/events/raw_syscalls/sys_enter"},
		// perf's other way of saying it: "Error:" on a line of its own.
		{errors.New("/usr/bin/perf stat ... (against nginx): exit status 255\nError:\nAccess to performance monitoring and observability operations is limited.\n"),
			"Access to performance monitoring and observability operations is limited."},
		{errors.New("perf-stat.txt: no counts:\n# started on Sat Nov 21 18:18:42 2026\n"), "perf-stat.txt: no counts:"},
	} {
		if got := perfReason(tc.err); got != tc.want {
			t.Errorf("perfReason(%q) = %q; want %q", tc.err, got, tc.want)
		}
	}
}

func TestRunRatios(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		sw, nginx []float64
		own       bool
		want      string
	}{
		{"three runs", []float64{12, 9, 10}, []float64{10, 10, 8}, false, "1.20 0.90 1.25"},
		{"one run", []float64{12}, []float64{10}, false, ""},
		{"no nginx", []float64{12, 11}, []float64{nan, nan}, false, ""},
		{"stepwise alone", []float64{12, 11}, []float64{10, 10}, true, ""},
	}
	for _, tt := range tests {
		r := newRow("x", "%.1f", "", len(tt.sw))
		if tt.own {
			r.base = newRow("base", "%.1f", "", len(tt.sw))
		}
		copy(r.vals[colStepwise], tt.sw)
		copy(r.vals[colNginx], tt.nginx)
		if got := r.runRatios(colNginx); got != tt.want {
			t.Errorf("%s: runRatios = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// In three runs each server goes first once, and stepwise comes after
// each of the others at least once. With two servers (no nginx), the
// first one changes.
func TestOrder(t *testing.T) {
	two := &bench{stepwise: &server{name: colStepwise}, nethttp: &server{name: colNetHTTP}}
	if a, b := two.order(0)[0].name, two.order(1)[0].name; a == b {
		t.Errorf("two servers: %s goes first in runs 1 and 2", a)
	}
	b := &bench{stepwise: &server{name: colStepwise}, nginx: &server{name: colNginx}, nethttp: &server{name: colNetHTTP}}
	first := map[string]int{}
	after := map[string]bool{}
	var runs []string
	for run := range 3 {
		var names []string
		for _, s := range b.order(run) {
			names = append(names, s.name)
		}
		runs = append(runs, strings.Join(names, " "))
		first[names[0]]++
		for i := 1; i < len(names); i++ {
			if names[i] == colStepwise {
				after[names[i-1]] = true
			}
		}
	}
	if len(first) != 3 || !after[colNginx] || !after[colNetHTTP] {
		t.Errorf("orders of three runs: %q; want each server first once, and stepwise after nginx and after net/http", runs)
	}
}

// bench fileserver refuses a -root it cannot serve, before it listens.
func TestFileserverRoot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ root, says string }{
		{filepath.Join(t.TempDir(), "missing"), "no such file or directory"},
		{file, "is not a directory"},
	} {
		var out bytes.Buffer
		err := fileserver([]string{"-root", tc.root}, &out, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.says) || out.Len() > 0 {
			t.Errorf("fileserver -root %s: %v, printed %q; want an error saying %q, and nothing served", tc.root, err, out.String(), tc.says)
		}
	}
}

// The c=1 runs' medians are said under the table, with stepwise's ratio
// to nginx's run by run, as the rows' ratios are.
func TestMedianNote(t *testing.T) {
	b := &bench{cfg: config{runs: 2, requests: 100}, res: newResults(config{runs: 2})}
	for run, v := range [][3]float64{{0.08, 0.10, 0.25}, {0.09, 0.09, 0.26}} {
		b.res.p50.set(colStepwise, run, v[0])
		b.res.p50.set(colNginx, run, v[1])
		b.res.p50.set(colNetHTTP, run, v[2])
	}
	var out strings.Builder
	b.writeTable(&out)
	want := "c=1 median latency, from the same ab runs as p99 (ms): stepwise 0.085, nginx 0.095, net/http 0.255; sw/nginx 0.90x"
	if !strings.Contains(out.String(), want) {
		t.Errorf("no note %q under the table:\n%s", want, out.String())
	}
}

// -h says what bench is for and how it is run before its flags, as
// stepwise -h does, not package flag's bare "Usage of bench:".
func TestUsage(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := run([]string{"-h"}, &stdout, &stderr); err != nil {
		t.Fatalf("bench -h: %v", err)
	}
	help := stderr.String()
	for _, want := range []string{"Usage: go run ./cmd/bench [flags]\n", "nginx", "apt-get install apache2-utils nginx", "-smoke"} {
		if !strings.Contains(help, want) {
			t.Errorf("bench -h does not say %q:\n%s", want, help)
		}
	}
}
