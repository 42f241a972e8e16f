// Command bench measures stepwise against nginx and Go's net/http file
// server, side by side in one run, and prints one table: each figure for
// each server, stepwise's ratio to the others, and the target that issue 6
// sets for it, with PASS or MISS.
//
// It builds cmd/stepwise, writes a docroot (a 1 KiB file, a 100 KiB file
// and an index.html) and an nginx.conf into a temporary directory, and
// starts, each on its own 127.0.0.1 port:
//
//   - nginx with worker_processes 1, access_log off and sendfile on;
//   - a net/http file server (http.FileServer): this command re-executed
//     as "bench fileserver", so that its CPU time is its own;
//   - stepwise -trace none, and a second stepwise writing its full text
//     trace to a file.
//
// Then it drives them with ab (apache2-utils), which speaks HTTP/1.0
// without keep-alive as stepwise does: each workload against each server in
// turn, the whole round -runs times, and it reports medians. Ratios are the
// medians of the ratios within each round, since runs drift. A short ab run
// against each server first is not counted, and each round starts with the
// next server, every other round in the reverse order, so that none always
// goes first or always comes after the same one. The figures:
//
//	1 KiB c=10, c=100     requests/s, ab -c 10 and -c 100
//	100 KiB c=10          requests/s
//	c=1 p99 latency       ms, from ab -e (the percentile table, to the µs)
//	CPU per request       µs of user+sys time of the server (nginx: master
//	                      and worker), from utime+stime in /proc/PID/stat
//	                      before and after the 1 KiB c=10 run
//	syscalls per request  strace -c -f -p PID during a short ab run, once;
//	                      and, in a note, perf stat's count of the
//	                      kernel's syscall tracepoints, without strace
//	                      slowing the server down
//	900 idle conns, c=10  stepwise with 900 connections open that send
//	                      nothing, against its own 1 KiB c=10 rate; the
//	                      footer says how many the server left open
//	peak RSS              VmHWM from /proc/PID/status while 1,000
//	                      connections are open (the peak is reset first
//	                      through /proc/PID/clear_refs), once
//	trace to file, c=10   stepwise -trace all writing to a file, against
//	                      its own trace-off rate
//
// Usage:
//
//	go run ./cmd/bench [flags]
//	bench fileserver [-addr host:port] -root DIR
//
// The flags are:
//
//	-runs N
//		repeat every workload N times and report medians (default 3)
//	-n N
//		requests per ab run (default 20000; at least 100); the strace
//		run makes a tenth as many, the perf run as many
//	-smoke
//		a tiny run for CI, a few seconds long: -n 2000 -runs 1, 50 idle
//		connections and 50 for the peak RSS; nginx may be missing, and
//		then its column says n/a
//	-timeout D
//		give up after D (default 15m; 1m with -smoke)
//
// It needs ab and nginx (apt-get install apache2-utils nginx), and strace
// for the syscalls row, which says n/a without it; perf (linux-perf) is
// optional, for the note. While it runs it
// reports progress on standard error; the table goes to standard output.
// However it ends (done, failed, Ctrl-C, -timeout), it stops the processes
// it started, and only those, and removes its temporary directory.
//
// Example session, on a 2-core machine (ab itself takes nearly one core,
// so requests/s saturate for any efficient server; CPU and syscalls per
// request are what separate them):
//
//	$ go run ./cmd/bench -runs 1
//	bench: building stepwise
//	...
//	stepwise vs nginx/1.22.1 (1 worker) and net/http (go1.26.8) on 127.0.0.1, 2 CPUs: ab -n 20000, 1 run
//	figure                           stepwise      nginx   net/http  sw/nginx  sw/net/http  target                             result
//	1 KiB c=10 (req/s)                  24743      23297      11903     1.06x        2.08x  >=1.0x nginx, >=1.5x net/http      PASS
//	1 KiB c=100 (req/s)                 23500      22446      16130     1.05x        1.46x  >=1.0x nginx, >=1.5x net/http      MISS
//	CPU per request c=10 (µs)            31.0       28.0       93.5     1.11x        0.33x  <=1.0x nginx                       MISS
//	...
//	  * idle connections still open after ab: 900 of 900 (the fewest over the runs)
//	...
//
// A figure that misses its target is a finding, not a failure: the exit
// status is 0 once the table is printed, 1 if a tool is missing or a server
// fails, and 2 for a bad flag.
//
// "bench fileserver" serves DIR with net/http's http.FileServer and prints
// "fileserver: serving DIR on http://ADDR/" once it listens (-addr defaults
// to 127.0.0.1:0, a port the kernel chooses).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"stepwise/cmd/internal/cli"
)

func main() {
	cli.Main("bench", run)
}

// config is what the flags ask for.
type config struct {
	runs     int           // rounds of every workload
	requests int           // requests per ab run
	smoke    bool          // a tiny run; nginx optional
	idle     int           // connections held open for the idle figure
	held     int           // connections held open for the peak RSS figure
	timeout  time.Duration // the whole run's limit
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "fileserver" {
		return fileserver(args[1:], stdout, stderr)
	}
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	flags.SetOutput(stderr)
	runs := flags.Int("runs", 3, "repeat every workload `N` times and report medians")
	requests := flags.Int("n", 20000, "`requests` per ab run (at least 100)")
	smoke := flags.Bool("smoke", false, "a tiny run for CI: -n 2000 -runs 1, 50 connections held; nginx optional")
	timeout := flags.Duration("timeout", 15*time.Minute, "give up after `D` (1m with -smoke)")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: go run ./cmd/bench [flags]

Measures stepwise beside nginx and Go's net/http file server with ab, in
one run, and prints a table of ratios. It needs ab and nginx:
  apt-get install apache2-utils nginx
and counts system calls with strace and perf if they are there.
Flags:
`)
		flags.PrintDefaults()
	}
	if help, err := cli.Parse(flags, args); help || err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return cli.Usage(fmt.Errorf("unexpected argument %q", flags.Arg(0)))
	}
	cfg := config{runs: *runs, requests: *requests, smoke: *smoke, idle: 900, held: 1000, timeout: *timeout}
	if cfg.smoke {
		set := map[string]bool{}
		flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["n"] {
			cfg.requests = 2000 // enough for the CPU row to pass a clock tick (10 ms)
		}
		if !set["runs"] {
			cfg.runs = 1
		}
		if !set["timeout"] {
			cfg.timeout = time.Minute
		}
		cfg.idle, cfg.held = 50, 50
	}
	switch {
	case cfg.runs < 1:
		return cli.Usage(fmt.Errorf("-runs %d: want at least 1", cfg.runs))
	case cfg.requests < 100:
		return cli.Usage(fmt.Errorf("-n %d: want at least 100 (one run is ab -c 100)", cfg.requests))
	case cfg.timeout <= 0:
		return cli.Usage(fmt.Errorf("-timeout %v: want a positive duration", cfg.timeout))
	}

	// Ctrl-C, SIGTERM or -timeout cancel ctx: the ab or strace running
	// then is killed, and the deferred b.close stops the servers.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.timeout, fmt.Errorf("gave up after -timeout %v", cfg.timeout))
	defer cancel()

	var table bytes.Buffer
	err := measure(ctx, cfg, &table, stderr)
	// Printed once every server is stopped and the temporary directory
	// removed: a reader that goes away early (| head) cannot stop that.
	// A -smoke table that fails its check is printed too, to show why.
	if _, werr := stdout.Write(table.Bytes()); err == nil {
		err = werr
	}
	return err
}

// measure starts the servers, measures, writes the table to table, and
// stops the servers. With -smoke it then checks the table.
func measure(ctx context.Context, cfg config, table *bytes.Buffer, log io.Writer) error {
	b, err := newBench(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.start(ctx); err != nil {
		return b.why(ctx, err)
	}
	if err := b.measure(ctx); err != nil {
		return b.why(ctx, err)
	}
	b.writeTable(table)
	if cfg.smoke {
		// CI runs -smoke to check that the bench still produces its table.
		if err := checkTable(table.String(), smokeRows, b.tools.nginx != "", b.tools.strace != ""); err != nil {
			return fmt.Errorf("-smoke: the table is not complete: %w", err)
		}
	}
	return nil
}
