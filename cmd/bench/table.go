package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// The table's server columns, in order. Each is also the name of the
// server measured in it.
const (
	colStepwise = "stepwise"
	colNginx    = "nginx"
	colNetHTTP  = "net/http"
)

// own names a target against stepwise's own figure in another row.
const own = "own"

// A row is one figure of the table: a value per server per run, and the
// targets issue 6 sets for it.
type row struct {
	label  string
	format string               // for one value: "%.0f"
	unit   string               // after an absolute target: " MiB"
	vals   map[string][]float64 // by column, one per run; NaN where not measured
	base   *row                 // for an "own" target: stepwise's figure to compare with
	checks []check
}

// A check is one target: stepwise's ratio to a column or to its own base
// figure, or stepwise's figure itself, against a limit.
type check struct {
	vs     string // colNginx, colNetHTTP, own, or "" for the figure itself
	limit  float64
	atMost bool // lower is better: the value must not exceed limit
}

// results are the table's rows.
type results struct {
	small10, small100, cpu, syscalls, idle, large10, p99, rss, traced *row

	p50 *row // the median of the c=1 runs: a note, not a row of the table
}

func newResults(cfg config) results {
	r := results{
		small10:  newRow("1 KiB c=10 (req/s)", "%.0f", "", cfg.runs, check{vs: colNginx, limit: 1}, check{vs: colNetHTTP, limit: 1.5}),
		small100: newRow("1 KiB c=100 (req/s)", "%.0f", "", cfg.runs, check{vs: colNginx, limit: 1}, check{vs: colNetHTTP, limit: 1.5}),
		cpu:      newRow("CPU per request c=10 (µs)", "%.1f", "", cfg.runs, check{vs: colNginx, limit: 1, atMost: true}),
		syscalls: newRow("syscalls per request", "%.1f", "", 1, check{limit: 8, atMost: true}),
		idle:     newRow(fmt.Sprintf("%d idle conns, c=10 (req/s)", cfg.idle), "%.0f", "", cfg.runs, check{vs: own, limit: 0.75}),
		large10:  newRow("100 KiB c=10 (req/s)", "%.0f", "", cfg.runs, check{vs: colNginx, limit: 0.9}),
		p99:      newRow("c=1 p99 latency (ms)", "%.3f", "", cfg.runs, check{vs: colNginx, limit: 1, atMost: true}),
		rss:      newRow(fmt.Sprintf("peak RSS, %d conns (MiB)", cfg.held), "%.1f", " MiB", 1, check{limit: 32, atMost: true}),
		traced:   newRow("trace to file, c=10 (req/s)", "%.0f", "", cfg.runs, check{vs: own, limit: 0.5}),
		p50:      newRow("c=1 median latency (ms)", "%.3f", "", cfg.runs),
	}
	r.idle.base, r.traced.base = r.small10, r.small10
	return r
}

func (r results) rows() []*row {
	return []*row{r.small10, r.small100, r.cpu, r.syscalls, r.idle, r.large10, r.p99, r.rss, r.traced}
}

func newRow(label, format, unit string, runs int, checks ...check) *row {
	r := &row{label: label, format: format, unit: unit, vals: map[string][]float64{}, checks: checks}
	for _, col := range []string{colStepwise, colNginx, colNetHTTP} {
		r.vals[col] = slices.Repeat([]float64{math.NaN()}, runs)
	}
	return r
}

func (r *row) set(col string, run int, v float64) { r.vals[col][run] = v }

func (r *row) show(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf(r.format, v)
}

// median is the median of col's values; ok is false if there are none.
func (r *row) median(col string) (v float64, ok bool) {
	return median(r.vals[col])
}

// ratio is stepwise's value over col's, run by run, as a median: runs
// drift, so only figures from the same run are compared.
func (r *row) ratio(col string) (float64, bool) {
	return median(divide(r.vals[colStepwise], r.vals[col]))
}

// ownRatio is stepwise's value over its base row's, run by run.
func (r *row) ownRatio() (float64, bool) {
	return median(divide(r.vals[colStepwise], r.base.vals[colStepwise]))
}

func divide(a, b []float64) []float64 {
	q := make([]float64, len(a))
	for i := range a {
		q[i] = a[i] / b[i] // NaN if either is
	}
	return q
}

// median ignores NaNs.
func median(vals []float64) (float64, bool) {
	var v []float64
	for _, x := range vals {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// verdict says what the row's target is and whether stepwise meets it:
// PASS, MISS, or n/a when a figure it needs is missing.
func (r *row) verdict() (target, result string) {
	var texts []string
	result = "PASS"
	for _, c := range r.checks {
		op := ">="
		if c.atMost {
			op = "<="
		}
		limit := strconv.FormatFloat(c.limit, 'f', -1, 64)
		var v float64
		var ok bool
		switch c.vs {
		case "":
			v, ok = r.median(colStepwise)
			texts = append(texts, op+limit+r.unit)
		case own:
			v, ok = r.ownRatio()
			got := "n/a"
			if ok {
				got = fmt.Sprintf("%.2fx", v)
			}
			texts = append(texts, fmt.Sprintf("%s%sx own c=10 (%s)", op, limit, got))
		default:
			v, ok = r.ratio(c.vs)
			if c.limit == math.Trunc(c.limit) {
				limit += ".0"
			}
			texts = append(texts, op+limit+"x "+c.vs)
		}
		switch {
		case !ok:
			if result == "PASS" {
				result = "n/a"
			}
		case c.atMost && v > c.limit, !c.atMost && v < c.limit:
			result = "MISS"
		}
	}
	return strings.Join(texts, ", "), result
}

// writeTable prints the table, then the notes.
func (b *bench) writeTable(w io.Writer) {
	nginx := "nginx (not installed)"
	if b.tools.nginxVersion != "" {
		nginx = b.tools.nginxVersion + " (1 worker)"
	}
	runs := "median of " + strconv.Itoa(b.cfg.runs) + " runs"
	if b.cfg.runs == 1 {
		runs = "1 run"
	}
	mode := ""
	if b.cfg.smoke {
		mode = ", smoke mode"
	}
	fmt.Fprintf(w, "stepwise vs %s and net/http (%s) on 127.0.0.1, %d CPUs: ab -n %d, %s%s\n",
		nginx, runtime.Version(), runtime.NumCPU(), b.cfg.requests, runs, mode)
	const layout = "%-30s %10s %10s %10s %9s %12s  %-34s %s\n"
	fmt.Fprintf(w, layout, "figure", colStepwise, colNginx, colNetHTTP, "sw/nginx", "sw/net/http", "target", "result")
	for _, r := range b.res.rows() {
		cells := []string{r.label}
		for _, col := range []string{colStepwise, colNginx, colNetHTTP} {
			cells = append(cells, r.cell(col))
		}
		for _, col := range []string{colNginx, colNetHTTP} {
			cells = append(cells, r.ratioCell(col))
		}
		target, result := r.verdict()
		cells = append(cells, target, result)
		fmt.Fprintf(w, layout, toAny(cells)...)
	}
	b.note("ratios are medians of the ratios within each run; \"own c=10\" is stepwise's 1 KiB c=10 rate in the same run")
	if q, ok := b.res.p50.ratio(colNginx); ok {
		var each []string
		for _, col := range []string{colStepwise, colNginx, colNetHTTP} {
			if v, ok := b.res.p50.median(col); ok {
				each = append(each, col+" "+b.res.p50.show(v))
			}
		}
		b.note("c=1 median latency, from the same ab runs as p99 (ms): %s; sw/nginx %.2fx", strings.Join(each, ", "), q)
	}
	if b.cfg.runs > 1 {
		var each []string
		for _, r := range b.res.rows() {
			if q := r.runRatios(colNginx); q != "" {
				each = append(each, r.label+" "+q)
			}
		}
		if len(each) > 0 {
			b.note("sw/nginx in each run, in run order: %s", strings.Join(each, "; "))
		}
	}
	for _, n := range b.notes {
		fmt.Fprintf(w, "  * %s\n", n)
	}
}

// cell is col's median, "n/a" if it was not measured, or "-" in a row
// that measures stepwise alone.
func (r *row) cell(col string) string {
	if r.base != nil && col != colStepwise {
		return "-"
	}
	v, ok := r.median(col)
	if !ok {
		return "n/a"
	}
	return r.show(v)
}

// runRatios lists stepwise's ratio to col in each run, "0.97 1.02 1.05",
// or is empty for a row measured once or without col. The spread says
// how far a verdict near its limit can be trusted.
func (r *row) runRatios(col string) string {
	if r.base != nil || len(r.vals[col]) < 2 {
		return ""
	}
	var each []string
	for _, q := range divide(r.vals[colStepwise], r.vals[col]) {
		if math.IsNaN(q) || math.IsInf(q, 0) {
			return ""
		}
		each = append(each, fmt.Sprintf("%.2f", q))
	}
	return strings.Join(each, " ")
}

func (r *row) ratioCell(col string) string {
	if r.base != nil {
		return "-"
	}
	v, ok := r.ratio(col)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", v)
}

func toAny(s []string) []any {
	a := make([]any, len(s))
	for i := range s {
		a[i] = s[i]
	}
	return a
}

// smokeRows are the table's rows in -smoke mode, which holds 50
// connections open.
var smokeRows = []string{
	"1 KiB c=10 (req/s)",
	"1 KiB c=100 (req/s)",
	"CPU per request c=10 (µs)",
	"syscalls per request",
	"50 idle conns, c=10 (req/s)",
	"100 KiB c=10 (req/s)",
	"c=1 p99 latency (ms)",
	"peak RSS, 50 conns (MiB)",
	"trace to file, c=10 (req/s)",
}

// checkTable checks what CI relies on in a -smoke table: the column
// header, every row, a number in the stepwise column, and a verdict at
// the end of each row. Without nginx its column must say n/a; without
// strace the syscall count may be missing; and CPU time under one clock
// tick is n/a.
func checkTable(out string, rows []string, haveNginx, haveStrace bool) error {
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || strings.Join(strings.Fields(lines[1]), " ") != "figure stepwise nginx net/http sw/nginx sw/net/http target result" {
		return fmt.Errorf("no column header on line 2")
	}
	var errs []error
	for _, label := range rows {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, label+" ") })
		if i < 0 {
			errs = append(errs, fmt.Errorf("no row %q", label))
			continue
		}
		cells := strings.Fields(lines[i][len(label):])
		if len(cells) < 7 {
			errs = append(errs, fmt.Errorf("row %q: %d cells after the label; want at least 7", label, len(cells)))
			continue
		}
		// The CPU row says n/a when the run took less than one clock tick.
		_, err := strconv.ParseFloat(cells[0], 64)
		if err != nil && (haveStrace || label != "syscalls per request") && !(cells[0] == "n/a" && strings.HasPrefix(label, "CPU per request")) {
			errs = append(errs, fmt.Errorf("row %q: stepwise %q is not a number", label, cells[0]))
		}
		if !haveNginx && cells[1] != "n/a" && cells[1] != "-" {
			errs = append(errs, fmt.Errorf("row %q: nginx %q without nginx; want n/a", label, cells[1]))
		}
		if v := cells[len(cells)-1]; v != "PASS" && v != "MISS" && v != "n/a" {
			errs = append(errs, fmt.Errorf("row %q: result %q; want PASS, MISS or n/a", label, v))
		}
	}
	return errors.Join(errs...)
}
