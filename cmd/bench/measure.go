package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// A workload is one ab run made against each server in turn.
type workload struct {
	row  *row   // where the figure goes
	path string // the file asked for
	c    int    // ab -c
	p99  bool   // the figure is the 99th percentile in ms, not requests/s
	cpu  bool   // also measure CPU time per request, into results.cpu
}

// measure makes every measurement: each workload against each server in
// turn, then stepwise with idle connections and with its trace on, all
// cfg.runs times; then, once, syscalls per request and peak RSS. A short
// ab run against each server first, not counted, warms them all up.
func (b *bench) measure(ctx context.Context) error {
	n := b.cfg.requests
	workloads := []workload{
		{row: b.res.small10, path: smallFile, c: 10, cpu: true},
		{row: b.res.small100, path: smallFile, c: 100},
		{row: b.res.large10, path: largeFile, c: 10},
		{row: b.res.p99, path: smallFile, c: 1, p99: true},
	}
	warm := max(n/10, 100)
	b.progress("warming up: %d requests to each server, not counted", warm)
	for _, s := range append(b.compared(), b.traced) {
		if _, err := b.ab(ctx, s, smallFile, warm, 10, false); err != nil {
			return err
		}
	}
	fewestOpen := b.cfg.idle
	for run := range b.cfg.runs {
		b.progress("run %d of %d, %d requests per ab run", run+1, b.cfg.runs, n)
		for _, w := range workloads {
			for _, s := range b.order(run) {
				if err := ctx.Err(); err != nil {
					return err
				}
				var before int64
				var err error
				if w.cpu {
					if before, err = cpuTicks(s.pids); err != nil {
						return err
					}
				}
				r, err := b.ab(ctx, s, w.path, n, w.c, w.p99)
				if err != nil {
					return err
				}
				v := r.rps
				if w.p99 {
					v = r.p99
					b.res.p50.set(s.name, run, r.p50)
				}
				w.row.set(s.name, run, v)
				b.progress("  %-28s %-10s %s", w.row.label, s.name, w.row.show(v))
				if w.cpu {
					after, err := cpuTicks(s.pids)
					if err != nil {
						return err
					}
					us := float64(after-before) / b.clkTck * 1e6 / float64(r.complete)
					if after == before {
						// Less than one tick (10 ms) in all, as in -smoke: too
						// little to measure, not no time at all.
						us = math.NaN()
					}
					b.res.cpu.set(s.name, run, us)
					b.progress("  %-28s %-10s %s", b.res.cpu.label, s.name, b.res.cpu.show(us))
				}
			}
		}

		// stepwise with idle connections: select's cost grows with the
		// number of fds it watches, ready or not.
		conns, err := hold(b.stepwise.addr, b.cfg.idle)
		if err != nil {
			return err
		}
		r, err := b.ab(ctx, b.stepwise, smallFile, n, 10, false)
		open := stillOpen(conns)
		closeAll(conns)
		if err != nil {
			return err
		}
		fewestOpen = min(fewestOpen, open)
		b.res.idle.set(b.stepwise.name, run, r.rps)
		b.progress("  %-28s %-10s %s (%d of %d still open)", b.res.idle.label, b.stepwise.name, b.res.idle.show(r.rps), open, b.cfg.idle)

		// stepwise writing its whole trace to a file.
		if r, err = b.ab(ctx, b.traced, smallFile, n, 10, false); err != nil {
			return err
		}
		b.res.traced.set(b.stepwise.name, run, r.rps)
		b.progress("  %-28s %-10s %s", b.res.traced.label, b.stepwise.name, b.res.traced.show(r.rps))
		// The trace's megabytes go to disk now, not during the next
		// run's first measurement.
		if err := syncFile(b.traced.log); err != nil {
			return err
		}
	}
	b.note("idle connections still open after ab: %d of %d (the fewest over the runs)", fewestOpen, b.cfg.idle)
	if fi, err := os.Stat(b.traced.log); err == nil {
		b.note("the trace: %d bytes per request written to the file", fi.Size()/int64(b.cfg.runs*n+warm))
	}

	if b.tools.strace != "" {
		straced := max(n/10, 100)
		b.progress("strace -c -f, %d requests", straced)
		for _, s := range b.compared() {
			calls, err := b.syscalls(ctx, s, straced)
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				b.note("syscalls of %s not counted: %v", s.name, err)
				continue
			}
			b.res.syscalls.set(s.name, 0, calls)
			b.progress("  %-28s %-10s %s", b.res.syscalls.label, s.name, b.res.syscalls.show(calls))
		}
	}

	if b.tools.perf != "" {
		if err := b.notePerfSyscalls(ctx, n); err != nil {
			return err
		}
	}

	b.progress("peak RSS with %d connections open", b.cfg.held)
	for _, s := range b.compared() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := resetPeakRSS(s.pids); err != nil {
			b.note("%s: peak RSS not reset (%v): the figure is the peak since it started", s.name, err)
		}
		conns, err := hold(s.addr, b.cfg.held)
		if err != nil {
			return err
		}
		kib, err := peakRSS(s.pids)
		open := stillOpen(conns)
		closeAll(conns)
		if err != nil {
			return err
		}
		mib := float64(kib) / 1024
		b.res.rss.set(s.name, 0, mib)
		b.progress("  %-28s %-10s %s (%d of %d still open)", b.res.rss.label, s.name, b.res.rss.show(mib), open, b.cfg.held)
		if open < b.cfg.held {
			b.note("%s closed %d of the %d connections held for its peak RSS", s.name, b.cfg.held-open, b.cfg.held)
		}
	}
	return nil
}

// order returns the servers compared, in this run's order: each run starts
// with the next one, so that no server always goes first, after whatever
// the run before left behind (TIME_WAIT sockets, a trace file being
// written out, a cold cache). Every other run goes round the other way,
// so that no server always comes after the same one either
// (docs/performance.md, on the c=1 row).
func (b *bench) order(run int) []*server {
	s := slices.Clone(b.compared())
	if run%2 == 1 {
		slices.Reverse(s)
	}
	k := (run / 2) % len(s)
	return slices.Concat(s[k:], s[:k])
}

// syncFile writes the file at path to disk (fsync).
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// notePerfSyscalls notes each server's system calls per request as perf
// counts them, without strace slowing it down (see perfSyscalls). perf
// may lack the right to read the tracepoints: that is a note, not an
// error.
func (b *bench) notePerfSyscalls(ctx context.Context, n int) error {
	b.progress("perf stat, %d requests", n)
	var each []string
	var again string
	for _, s := range b.compared() {
		pc, err := b.perfSyscalls(ctx, s, n)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			b.note("syscalls of %s not counted by perf: %s", s.name, perfReason(err))
			continue
		}
		b.progress("  %-28s %-10s %.1f", "syscalls per request (perf)", s.name, pc.calls)
		each = append(each, fmt.Sprintf("%s %.1f", s.name, pc.calls))
		if s == b.stepwise {
			again = fmt.Sprintf("; stepwise's reads and accepts that said EAGAIN: %.2f and %.2f per request", pc.readAgain, pc.acceptAgain)
		}
	}
	if len(each) > 0 {
		b.note("syscalls per request without strace (perf stat, c=10): %s%s", strings.Join(each, ", "), again)
	}
	return nil
}

// perfReason is the line of err's message that says why perf failed: the
// one after "Error:" (on the same line or the next; perf's usage text
// follows), or else the first line.
func perfReason(err error) string {
	msg := err.Error()
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Error:")
		if !ok {
			continue
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			return rest
		}
		for _, next := range lines[i+1:] {
			if next = strings.TrimSpace(next); next != "" {
				return next
			}
		}
	}
	return lines[0]
}
