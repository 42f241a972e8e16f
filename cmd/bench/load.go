package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An abResult is what one ab run reports.
type abResult struct {
	complete int     // "Complete requests"
	failed   int     // "Failed requests": errors, or a length unlike the first response's
	non2xx   int     // "Non-2xx responses"
	rps      float64 // "Requests per second"
	p99      float64 // ms: 99% of requests took at most this long (with -e only)
	p50      float64 // ms: the median (with -e only)
}

// ab runs ab -n n -c c against path on s, HTTP/1.0 without keep-alive
// (ab's default). With p99 it also asks ab for its percentile table as a
// CSV file (-e), which gives the times to the µs where the text table
// rounds them to whole milliseconds.
func (b *bench) ab(ctx context.Context, s *server, path string, n, c int, p99 bool) (abResult, error) {
	csv := filepath.Join(b.dir, "percentiles.csv")
	var extra []string
	if p99 {
		extra = []string{"-e", csv}
	}
	r, err := b.abUnder(ctx, nil, s, path, n, c, extra...)
	if err == nil && p99 {
		r.p99, err = percentile(csv, 99)
	}
	if err == nil && p99 {
		r.p50, err = percentile(csv, 50)
	}
	return r, err
}

// abUnder runs ab with the extra flags given, as an argument of the
// command line wrap (ab is run as wrap's last argument), or directly if
// wrap is empty.
func (b *bench) abUnder(ctx context.Context, wrap []string, s *server, path string, n, c int, extra ...string) (abResult, error) {
	args := slices.Concat([]string{"-q", "-r", "-n", strconv.Itoa(n), "-c", strconv.Itoa(c)}, extra, []string{"http://" + s.addr + path})
	cmd := command(ctx, b.tools.ab, args...)
	if len(wrap) > 0 {
		cmd = command(ctx, wrap[0], slices.Concat(wrap[1:], []string{b.tools.ab}, args)...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return abResult{}, fmt.Errorf("%s (against %s): %v\n%s", strings.Join(cmd.Args, " "), s.name, err, out)
	}
	r, err := parseAB(string(out))
	switch {
	case err != nil:
		return r, fmt.Errorf("%s (against %s): %v\n%s", strings.Join(cmd.Args, " "), s.name, err, out)
	case r.non2xx > 0:
		return r, fmt.Errorf("%s answered %d of %d requests for %s with a status other than 2xx", s.name, r.non2xx, r.complete, path)
	case r.failed > 0:
		b.note("%s: %d of %d requests failed (ab -c %d, %s)", s.name, r.failed, r.complete, c, path)
	}
	return r, nil
}

// parseAB reads the figures bench uses from ab's report.
func parseAB(out string) (abResult, error) {
	var r abResult
	var seen int
	for line := range strings.Lines(out) {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		var err error
		switch key {
		case "Complete requests":
			r.complete, err = strconv.Atoi(fields[0])
			seen++
		case "Failed requests":
			r.failed, err = strconv.Atoi(fields[0])
		case "Non-2xx responses":
			r.non2xx, err = strconv.Atoi(fields[0])
		case "Requests per second":
			r.rps, err = strconv.ParseFloat(fields[0], 64)
			seen++
		}
		if err != nil {
			return r, fmt.Errorf("%s: %v", key, err)
		}
	}
	if seen < 2 || r.complete == 0 {
		return r, fmt.Errorf("no completed requests in ab's report")
	}
	return r, nil
}

// percentile reads pct's line from ab -e's CSV file: "99,0.257".
func percentile(csv string, pct int) (float64, error) {
	b, err := os.ReadFile(csv)
	if err != nil {
		return 0, err
	}
	prefix := strconv.Itoa(pct) + ","
	for line := range strings.Lines(string(b)) {
		if ms, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			return strconv.ParseFloat(ms, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %d%% line", csv, pct)
}

// perRequest lists the calls made at least once per 20 requests, the most
// frequent first: "read 3.00, close 2.00, ...".
func perRequest(calls map[string]int, requests int) string {
	names := slices.Collect(maps.Keys(calls))
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(calls[b]-calls[a], strings.Compare(a, b)) })
	var list []string
	for _, name := range names {
		if per := float64(calls[name]) / float64(requests); per >= 0.05 {
			list = append(list, fmt.Sprintf("%s %.2f", name, per))
		}
	}
	return strings.Join(list, ", ")
}

// command is exec.CommandContext for a client bench runs, in a process
// group of its own: when ctx ends the whole group is killed, so that ab
// run under perf stops with perf; and the kernel sends the client SIGTERM
// should bench itself be killed.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd
}

// syscalls is the number of system calls s makes per request: strace -c -f
// attached to its processes while ab makes n requests (c=10), the total of
// strace's summary divided by the requests completed. It counts every
// call, the Go runtime's too, as strace -f of the server would show them.
func (b *bench) syscalls(ctx context.Context, s *server, n int) (float64, error) {
	summary := filepath.Join(b.dir, "strace-summary.txt")
	args := []string{"-c", "-f", "-o", summary, "-p", s.pidList()}
	cmd := command(ctx, b.tools.strace, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	// strace says "Process N attached" once it watches N; until it has said
	// so for every pid, the calls would go uncounted.
	r := bufio.NewReader(stderr)
	var said strings.Builder
	for attached := 0; attached < len(s.pids); {
		line, err := r.ReadString('\n')
		said.WriteString(line)
		if err != nil {
			cmd.Wait()
			return 0, fmt.Errorf("strace %s: %s", strings.Join(args, " "), strings.TrimSpace(said.String()))
		}
		if strings.Contains(line, " attached") {
			attached++
		}
	}
	res, abErr := b.ab(ctx, s, smallFile, n, 10, false)
	cmd.Process.Signal(os.Interrupt) // detach and write the summary
	io.Copy(io.Discard, r)
	cmd.Wait()
	if abErr != nil {
		return 0, abErr
	}
	total, calls, err := straceCounts(summary)
	if err != nil {
		return 0, err
	}
	if s == b.stepwise {
		b.note("stepwise's syscalls per request: %s", perRequest(calls, res.complete))
	}
	return float64(total) / float64(res.complete), nil
}

// A perfCount is what perfSyscalls counts, per request.
type perfCount struct {
	calls       float64 // system calls of every thread of the server
	readAgain   float64 // read(2) calls that said EAGAIN
	acceptAgain float64 // accept4(2) calls that said EAGAIN
}

// perfSyscalls counts s's system calls per request as syscalls does, but
// without strace: perf stat reads the kernel's system call tracepoints for
// s's processes while ab makes n requests (c=10). strace stops the server
// twice at every call, which makes it several times slower, and a slower
// server finds more of its clients' requests already there when it reads.
func (b *bench) perfSyscalls(ctx context.Context, s *server, n int) (perfCount, error) {
	out := filepath.Join(b.dir, "perf-stat.txt")
	again := fmt.Sprintf("ret == %d", -int(syscall.EAGAIN))
	wrap := []string{b.tools.perf, "stat", "-x,", "-o", out,
		"-e", "raw_syscalls:sys_enter",
		"-e", "syscalls:sys_exit_read", "--filter", again,
		"-e", "syscalls:sys_exit_accept4", "--filter", again,
		"-p", s.pidList(), "--"}
	res, err := b.abUnder(ctx, wrap, s, smallFile, n, 10)
	if err != nil {
		return perfCount{}, err
	}
	counts, err := perfCounts(out)
	if err != nil {
		return perfCount{}, err
	}
	per := func(event string) float64 { return float64(counts[event]) / float64(res.complete) }
	return perfCount{per("raw_syscalls:sys_enter"), per("syscalls:sys_exit_read"), per("syscalls:sys_exit_accept4")}, nil
}

// perfCounts reads perf stat -x,'s output: a count, a unit and an event
// name to a line, after a comment.
//
//	# started on Sat Nov 21 18:18:42 2026
//
//	15391,,raw_syscalls:sys_enter,37399711,100.00,,
func perfCounts(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %s not counted: %q", path, f[2], f[0])
		}
		counts[f[2]] = n
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("%s: no counts:\n%s", path, b)
	}
	return counts, nil
}

// straceCounts reads strace -c's summary: the calls of each system call,
// and of all together from the "total" line.
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 67.68    2.059005         395      5200       272 futex
//	...
//	100.00    3.042137          96     31523       272 total
func straceCounts(summary string) (total int, calls map[string]int, err error) {
	b, err := os.ReadFile(summary)
	if err != nil {
		return 0, nil, err
	}
	calls = map[string]int{}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		n, err := strconv.Atoi(f[3])
		if err != nil {
			continue // the header
		}
		if name := f[len(f)-1]; name != "total" {
			calls[name] = n
			continue
		}
		return n, calls, nil
	}
	return 0, nil, fmt.Errorf("%s: no total line:\n%s", summary, b)
}
