package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// install is the line that gets every tool bench drives.
const install = "apt-get install apache2-utils nginx"

// A bench is one run: the tools it drives, its temporary directory, the
// servers it started and the figures it has measured so far.
type bench struct {
	cfg    config
	log    io.Writer // progress lines
	tools  tools
	dir    string  // temporary: docroot, nginx.conf, logs, the stepwise binary
	clkTck float64 // clock ticks per second, for /proc/PID/stat

	// The servers compared, in the table's column order; nginx is nil
	// when it is missing in -smoke mode. traced is stepwise writing its
	// full trace to a file.
	stepwise, nginx, nethttp, traced *server
	started                          []*server // everything to stop, in start order

	res   results
	notes []string // said under the table
}

// tools are the programs bench runs; an empty path is a missing tool.
type tools struct {
	ab, nginx, strace, perf, goCmd string
	nginxVersion                   string // "nginx/1.22.1"
}

// newBench finds the tools and writes the docroot into a new temporary
// directory. The caller must call close.
func newBench(ctx context.Context, cfg config, log io.Writer) (*bench, error) {
	t, err := findTools(ctx, cfg.smoke)
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, log: log, tools: t, clkTck: clockTicks(ctx)}
	b.res = newResults(cfg)
	if t.nginx == "" {
		b.note("nginx is not installed: its column is n/a (%s)", install)
	}
	if t.strace == "" {
		b.note("strace is not installed: no syscall counts (apt-get install strace)")
	}
	if t.perf == "" {
		b.note("perf is not installed: no syscall counts without strace (apt-get install linux-perf)")
	}
	if b.dir, err = os.MkdirTemp("", "stepwise-bench-"); err != nil {
		return nil, err
	}
	// nginx started by root runs its worker as nobody, which must reach
	// the docroot: MkdirTemp's 0700 would stop it.
	if err := os.Chmod(b.dir, 0o755); err != nil {
		b.close()
		return nil, err
	}
	if err := writeDocroot(filepath.Join(b.dir, "www")); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// findTools looks for ab and nginx (nginx is optional with -smoke), strace
// and perf (optional) and go (to build stepwise).
func findTools(ctx context.Context, smoke bool) (tools, error) {
	var t tools
	var missing []string
	t.ab, _ = exec.LookPath("ab")
	if t.ab == "" {
		missing = append(missing, "ab (apache2-utils)")
	}
	// Debian puts nginx in /usr/sbin, which is not on a user's PATH.
	t.nginx, _ = exec.LookPath("nginx")
	if _, err := os.Stat("/usr/sbin/nginx"); t.nginx == "" && err == nil {
		t.nginx = "/usr/sbin/nginx"
	}
	if t.nginx == "" && !smoke {
		missing = append(missing, "nginx")
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("%s not found; install what bench needs with:\n\t%s", strings.Join(missing, " and "), install)
	}
	t.strace, _ = exec.LookPath("strace")
	t.perf, _ = exec.LookPath("perf")
	var err error
	if t.goCmd, err = exec.LookPath("go"); err != nil {
		return t, fmt.Errorf("go not found on PATH: bench builds cmd/stepwise with it")
	}
	if t.nginx != "" {
		// "nginx version: nginx/1.22.1", on stderr.
		out, _ := exec.CommandContext(ctx, t.nginx, "-v").CombinedOutput()
		t.nginxVersion = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version:"))
	}
	return t, nil
}

// clockTicks is the unit of utime and stime in /proc/PID/stat: getconf
// CLK_TCK, or 100, which it is on every Linux machine we know of.
func clockTicks(ctx context.Context) float64 {
	out, err := exec.CommandContext(ctx, "getconf", "CLK_TCK").Output()
	if n, perr := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && perr == nil && n > 0 {
		return float64(n)
	}
	return 100
}

// The docroot's files: ab checks that every response has the first one's
// length, so each is fixed.
const (
	smallFile = "/1k.txt"
	largeFile = "/100k.txt"
)

func writeDocroot(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	line := "stepwise bench: the same bytes for every server, one line after another.\n" // 75 bytes
	body := func(size int) []byte {
		return []byte(strings.Repeat(line, size/len(line)+1)[:size])
	}
	files := map[string][]byte{
		smallFile:     body(1 << 10),
		largeFile:     body(100 << 10),
		"/index.html": []byte("<!doctype html>\n<title>stepwise bench</title>\n<p><a href=\"1k.txt\">1 KiB</a> <a href=\"100k.txt\">100 KiB</a>\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// start builds stepwise and starts the servers, in column order.
func (b *bench) start(ctx context.Context) error {
	b.progress("building stepwise")
	bin := filepath.Join(b.dir, "stepwise")
	build := exec.CommandContext(ctx, b.tools.goCmd, "build", "-o", bin, "stepwise/cmd/stepwise")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build stepwise/cmd/stepwise (run bench inside the stepwise module): %v\n%s", err, out)
	}
	root := filepath.Join(b.dir, "www")
	var err error
	if b.stepwise, err = b.startPrinting(ctx, colStepwise, "stepwise.log", bin, "-addr", "127.0.0.1:0", "-root", root, "-trace", "none"); err != nil {
		return err
	}
	if b.tools.nginx != "" {
		if b.nginx, err = b.startNginx(ctx, root); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if b.nethttp, err = b.startPrinting(ctx, colNetHTTP, "fileserver.log", self, "fileserver", "-addr", "127.0.0.1:0", "-root", root); err != nil {
		return err
	}
	b.traced, err = b.startPrinting(ctx, "stepwise (trace on)", "trace.txt", bin, "-addr", "127.0.0.1:0", "-root", root, "-trace", "all", "-color", "never")
	return err
}

// close stops every server bench started, last first, and removes the
// temporary directory.
func (b *bench) close() {
	for i := len(b.started) - 1; i >= 0; i-- {
		b.started[i].stop()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// why explains a failed run: an interruption or the timeout rather than
// what it broke.
func (b *bench) why(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return cause
	}
	return errors.New("interrupted")
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// compared returns the servers in the table's columns that are running.
func (b *bench) compared() []*server {
	var s []*server
	for _, srv := range []*server{b.stepwise, b.nginx, b.nethttp} {
		if srv != nil {
			s = append(s, srv)
		}
	}
	return s
}
