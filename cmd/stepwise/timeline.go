package main

// What stepwise compare prints: a timeline per model, one table, and what
// the figures say, in words.

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"stepwise/cmd/internal/client"
)

// timelineCols is the width of a timeline, in columns of time.
const timelineCols = 60

// report prints the timelines, the table and the conclusion.
func report(w io.Writer, sc scenario, results []*result) {
	span := time.Millisecond
	for _, r := range results {
		for _, c := range r.conns {
			span = max(span, c.Connected, c.LastSent, c.FirstGot, c.Closed)
		}
	}
	fmt.Fprintln(w, "Timeline: one row per client, time across, the same scale for every model.")
	fmt.Fprintln(w, "  > sending its request   . waiting   = receiving the answer")
	fmt.Fprintln(w, "  | closed by the server   / hung up by the client   x failed")
	for _, r := range results {
		fmt.Fprintln(w)
		fmt.Fprintln(w, r.model)
		if r.err != nil && len(r.conns) == 0 {
			fmt.Fprintf(w, "  %v\n", r.err)
			continue
		}
		axis(w, span)
		for i, c := range r.conns {
			fmt.Fprintf(w, "  %-10s%s\n", c.Name+" "+sc.roles[i].String(), row(c, span))
		}
	}
	fmt.Fprintln(w)
	table(w, sc, results)
	fmt.Fprintln(w)
	fmt.Fprint(w, wrap(conclusion(sc, results), 78))
}

// column is where time d falls on a timeline that spans span.
func column(d, span time.Duration) int {
	return min(timelineCols-1, max(0, int(int64(d)*(timelineCols-1)/int64(span))))
}

// axis prints the time scale: a few round numbers of milliseconds.
func axis(w io.Writer, span time.Duration) {
	step := time.Millisecond
	for _, f := range []time.Duration{2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000} {
		if span/step <= 5 {
			break
		}
		step = f * time.Millisecond
	}
	labels := []byte(strings.Repeat(" ", timelineCols+8))
	ticks := []byte(strings.Repeat("-", timelineCols))
	end := -2 // the last column a label took
	for t := time.Duration(0); t <= span; t += step {
		col := column(t, span)
		ticks[col] = '+'
		if label := strconv.FormatInt(t.Milliseconds(), 10); col > end+1 {
			end = col + copy(labels[col:], label) - 1
		}
	}
	fmt.Fprintf(w, "  %-10s%s\n", "ms", strings.TrimRight(string(labels), " "))
	fmt.Fprintf(w, "  %-10s%s\n", "", ticks)
}

// row draws one client's life: > while it sends, . while it waits, = while
// the answer comes, then how it ended.
func row(c *client.Conn, span time.Duration) string {
	b := []byte(strings.Repeat(" ", timelineCols))
	paint := func(from, to time.Duration, ch byte) {
		for i := column(from, span); i <= column(to, span); i++ {
			b[i] = ch
		}
	}
	if c.Connected == client.Never {
		b[0] = 'x'
		return string(b)
	}
	waiting := c.Connected
	if c.FirstSent != client.Never {
		paint(c.FirstSent, c.LastSent, '>')
		waiting = c.LastSent
	}
	if c.FirstGot == client.Never {
		paint(waiting, c.Closed, '.')
	} else {
		paint(waiting, c.FirstGot, '.')
		paint(c.FirstGot, c.Closed, '=')
	}
	mark := byte('|')
	switch {
	case c.Err != nil:
		mark = 'x'
	case c.ClosedBy == "us":
		mark = '/'
	}
	b[column(c.Closed, span)] = mark
	return strings.TrimRight(string(b), " ")
}

// millis prints a duration in milliseconds, to a tenth below 10.
func millis(d time.Duration) string {
	if d == client.Never {
		return "-"
	}
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// waitTime is how long c waited for its answer: from connecting to the first
// byte back.
func waitTime(c *client.Conn) time.Duration {
	if c.Connected == client.Never || c.FirstGot == client.Never {
		return client.Never
	}
	return c.FirstGot - c.Connected
}

// totalTime is how long c lasted: from connecting to closing.
func totalTime(c *client.Conn) time.Duration {
	if c.Connected == client.Never || c.Closed == client.Never {
		return client.Never
	}
	return c.Closed - c.Connected
}

// table prints one row per client, wait and total under each model, and
// then what each server held.
func table(w io.Writer, sc scenario, results []*result) {
	const label, cell = 22, 9
	line := func(name string, cells []string) {
		s := fmt.Sprintf("%-*s", label, name)
		for _, c := range cells {
			s += fmt.Sprintf("%*s", cell, c)
		}
		fmt.Fprintln(w, strings.TrimRight(s, " "))
	}
	// A model's own figures take both its columns.
	perModel := func(name string, f func(r *result) string) {
		s := fmt.Sprintf("%-*s", label, name)
		for _, r := range results {
			v := "-"
			if r.pid != 0 {
				v = f(r)
			}
			s += fmt.Sprintf("%*s", 2*cell, v)
		}
		fmt.Fprintln(w, s)
	}
	var head1, head2 []string
	for _, r := range results {
		head1 = append(head1, "", r.model)
		head2 = append(head2, "wait", "total")
	}
	line("(ms)", head1)
	line("", head2)
	for i, role := range sc.roles {
		var cells []string
		for _, r := range results {
			if i >= len(r.conns) {
				cells = append(cells, "-", "-")
				continue
			}
			cells = append(cells, millis(waitTime(r.conns[i])), millis(totalTime(r.conns[i])))
		}
		line("c"+strconv.Itoa(i+1)+" "+role.String(), cells)
	}
	perModel("answered 200 OK", func(r *result) string {
		n, asked := 0, 0
		for i, c := range r.conns {
			if sc.roles[i] == idle {
				continue
			}
			asked++
			if c.Err == nil && client.ParseAnswer(c.Got).Code() == 200 {
				n++
			}
		}
		return fmt.Sprintf("%d of %d", n, asked)
	})
	perModel("served", func(r *result) string { return strconv.Itoa(r.served) })
	perModel("processes peak/new", func(r *result) string { return fmt.Sprintf("%d/%d", r.peak.procs, r.newProcs) })
	perModel("threads idle/peak/new", func(r *result) string {
		return fmt.Sprintf("%d/%d/%d", r.idle.threads, r.peak.threads, r.newThreads)
	})
	perModel("fds idle/peak/after", func(r *result) string {
		return fmt.Sprintf("%d/%d/%d", r.fdsBefore, r.peak.fds, r.fdsAfter)
	})
	perModel("children left", func(r *result) string { return strconv.Itoa(len(r.left)) })
	for _, note := range []string{
		"wait: from connecting to the first byte back; total: to the close.",
		"served: requests in the server's access log. processes, threads, fds: the",
		"server's and its children's, read from /proc every millisecond (one that",
		"lives less may go unseen). new: first seen during the scenario. fds idle",
		"and after, once it was over, leave out the Go runtime's epoll and eventfd.",
	} {
		fmt.Fprintf(w, "  %s\n", note)
	}

	// What went wrong, where anything did.
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(w, "%s: %v\n", r.model, r.err)
		}
		for i, c := range r.conns {
			a := client.ParseAnswer(c.Got)
			switch {
			case c.Err != nil:
				fmt.Fprintf(w, "%s, %s %s: failed: %v\n", r.model, c.Name, sc.roles[i], c.Err)
			case a.Code() != 200 && sc.roles[i] != idle:
				fmt.Fprintf(w, "%s, %s %s: %s\n", r.model, c.Name, sc.roles[i], a.Short())
			}
		}
		for _, k := range r.left {
			fmt.Fprintf(w, "%s: child process %s left after its client was done\n", r.model, k)
		}
	}
}

// released is when the first client of a slow or idle scenario let the
// server go: when its last byte began on its way, or when it began to
// hang up. An answer after that may have waited for it; one before it did
// not.
func released(c *client.Conn, r role) time.Duration {
	if r == slow {
		return c.LastSent
	}
	return c.Closed
}

// waited reports whether quick client q was answered only once the first
// client, h, had let the server go.
func waited(q, h *client.Conn, r role) bool {
	return q.Closed == client.Never || h.Closed == client.Never || q.Closed > released(h, r)
}

// conclusion says in words what the figures show: who waited, and what
// not waiting cost.
func conclusion(sc scenario, results []*result) string {
	var ran []*result
	for _, r := range results {
		if r.err == nil && len(r.conns) > 0 && r.conns[0].Connected != client.Never {
			ran = append(ran, r)
		}
	}
	if len(ran) == 0 {
		return "No model ran the scenario: nothing to compare.\n"
	}
	var b strings.Builder
	var free []string // the models that made no client wait
	if holder := sc.roles[0]; holder != quick {
		let, still := "its last byte went", "was still sending"
		switch holder {
		case idle:
			let, still = "it hung up", "still held its connection"
		case reader:
			let, still = "it had read its answer and hung up", "was still reading"
		}
		var freeMax time.Duration
		nq := len(sc.roles) - 1
		for _, r := range ran {
			h := r.conns[0]
			n, longest := 0, time.Duration(0)
			for _, q := range r.conns[1:] {
				if waited(q, h, holder) {
					n++
					longest = max(longest, waitTime(q))
				} else {
					freeMax = max(freeMax, totalTime(q))
				}
			}
			switch n {
			case 0:
				free = append(free, r.model)
			case nq:
				all := fmt.Sprintf("all %d quick clients", nq)
				switch nq {
				case 1:
					all = "the quick client"
				case 2:
					all = "both quick clients"
				}
				fmt.Fprintf(&b, "Under %s, %s waited for %s: none was answered before %s, at %s ms, and the wait was up to %s ms. ",
					r.model, all, holder.who(), let, millis(released(h, holder)), millis(longest))
			default:
				fmt.Fprintf(&b, "Under %s, %d of the %d quick clients waited for %s: they were answered only after %s, at %s ms. ",
					r.model, n, nq, holder.who(), let, millis(released(h, holder)))
			}
		}
		if len(free) > 0 {
			fmt.Fprintf(&b, "Under %s, none waited: each quick client was answered, and done, within %s ms of connecting, while %s %s. ",
				list(free), millis(freeMax), holder.who(), still)
		}
	} else {
		var parts []string
		for _, r := range ran {
			var last time.Duration
			for _, c := range r.conns {
				last = max(last, c.Closed)
			}
			parts = append(parts, fmt.Sprintf("%s ms under %s", millis(last), r.model))
		}
		fmt.Fprintf(&b, "The last of the %d clients was done at %s. ", len(sc.roles), list(parts))
	}
	b.WriteString(cost(ran, free))
	b.WriteString("\n")
	return b.String()
}

// cost says what each model started to serve the scenario: threads and
// processes. free names the models that made no client wait.
func cost(ran []*result, free []string) string {
	var none, some, paid []string
	for _, r := range ran {
		what := ""
		switch {
		case r.newProcs > 0:
			what = fmt.Sprintf("%d process%s (%d threads in all, up to %d process%s at once)",
				r.newProcs, plural(r.newProcs, "", "es"), r.newThreads, r.peak.procs, plural(r.peak.procs, "", "es"))
		case r.newThreads > 0:
			what = fmt.Sprintf("%d thread%s", r.newThreads, plural(r.newThreads, "", "s"))
		default:
			none = append(none, r.model)
			continue
		}
		if len(some) == 0 {
			what = "started at least " + what
		}
		some = append(some, r.model+" "+what)
		if slices.Contains(free, r.model) {
			paid = append(paid, r.model)
		}
	}
	var parts []string
	if len(none) > 0 {
		// Sampled, not counted: a thread that came and went between two
		// looks is not seen.
		parts = append(parts, list(none)+" "+plural(len(none), "was", "were")+" not seen to start a thread or a process")
	}
	if len(some) > 0 {
		parts = append(parts, list(some))
	}
	s := "To serve them, " + strings.Join(parts, "; ")
	switch {
	case len(paid) > 0 && len(paid) == len(some):
		s += ": the price of not waiting"
	case len(paid) > 0:
		s += ": what not waiting cost " + list(paid)
	}
	return s + "."
}

// list joins words as English does: "a", "a and b", "a, b and c".
func list(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	for para := range strings.Lines(text) {
		n := 0
		for _, word := range strings.Fields(para) {
			if n > 0 && n+1+len(word) > width {
				b.WriteString("\n")
				n = 0
			} else if n > 0 {
				b.WriteString(" ")
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
		b.WriteString("\n")
	}
	return b.String()
}
