package draw

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"stepwise/trace"
)

// Table writes the table of rounds: one row per round of the loop, with the
// fds it watched for reading and for writing, the fds it found ready, and
// what the server did then, wrapped to fit Options.Columns:
//
//	round  read set  write set  ready             done
//	    1  [7 8]     []         in [7]            c1: accept4 7 = 11
//	    2  [7 8 11]  []         in [7 11]         c2: accept4 7 = 12; c1: read 11 = 18, > GET / HTTP/1.0,
//	                                              < HTTP/1.0 200 OK
//
// What the server did is a list of system calls (name, fd, result unless a
// plain 0) and the first line of what each client sent (>) and what the
// server sends back (<), grouped by connection.
func (d *Diagram) Table(w io.Writer) error {
	head := []string{"round", "read set", "write set", "ready", "done"}
	rows := [][]string{head}
	done := [][]string{{head[len(head)-1]}} // the last column's items, for wrapping
	for _, b := range d.bands {
		round := b.title()
		if b.round > 0 {
			round = strconv.Itoa(b.round)
		}
		rows = append(rows, []string{round, b.read, b.write, b.ready, ""})
		done = append(done, d.items(b))
	}
	// The first four columns as wide as their widest cell, unless together
	// they would take more than half the table: then within an eighth of
	// it each. The last takes the rest.
	const gap = 2
	last := len(head) - 1
	widths := make([]int, len(head))
	for c := range last {
		for _, r := range rows {
			widths[c] = max(widths[c], runes(r[c]))
		}
	}
	if sum(widths)+last*gap > d.opt.Columns/2 {
		for c := range last {
			widths[c] = min(widths[c], max(len(head[c]), d.opt.Columns/8))
		}
	}
	widths[last] = max(d.opt.Columns-sum(widths)-last*gap, 20)

	out := bufio.NewWriter(w)
	for n, r := range rows {
		cells := make([][]string, len(r))
		height := 0
		for c, text := range r {
			if c == last {
				cells[c] = fill(done[n], widths[c])
			} else {
				cells[c] = wrap(text, widths[c], 0)
			}
			height = max(height, len(cells[c]))
		}
		for i := range height {
			var line strings.Builder
			for c := range cells {
				text := ""
				if i < len(cells[c]) {
					text = cells[c][i]
				}
				pad := strings.Repeat(" ", widths[c]-runes(text))
				if c == 0 && n > 0 && d.bands[n-1].round > 0 {
					line.WriteString(pad + text) // round numbers to the right
				} else {
					line.WriteString(text + pad)
				}
				if c < len(cells)-1 {
					line.WriteString(strings.Repeat(" ", gap))
				}
			}
			out.WriteString(strings.TrimRight(line.String(), " "))
			out.WriteByte('\n')
		}
	}
	return out.Flush()
}

// items says what the server did in band b, as pieces of text to fill the
// last column with, each ending in its separator: items of one connection
// follow its label and are separated by commas, connections by
// semicolons: "c2: accept4 7 = 12;", "c1: read 11 = 18,", "> GET / HTTP/1.0".
func (d *Diagram) items(b band) []string {
	type item struct {
		conn, task int
		text       string
	}
	var items []item
	events := b.events
	for i := 0; i < len(events); i++ {
		e := events[i]
		switch e.Kind {
		case trace.Syscall.String():
			// A round call is the row itself, unless it failed and was
			// retried.
			if !d.isRound(e) {
				items = append(items, item{e.Conn, e.Task, tableCall(e)})
			} else if failed(e) && i+1 < len(events) && d.isRound(events[i+1]) {
				items = append(items, item{e.Conn, e.Task, e.Name + " " + result(e)})
			}
		case trace.Recv.String(), trace.Send.String():
			arrow := "> "
			if e.Kind == trace.Send.String() {
				arrow = "< "
			}
			items = append(items, item{e.Conn, e.Task, arrow + e.Text})
			for i+1 < len(events) && events[i+1].Kind == e.Kind && events[i+1].Conn == e.Conn {
				i++ // the headers: the first line says enough
			}
		case trace.State.String():
			if e.Conn == 0 { // a signal, say; a connection's states show in its calls
				items = append(items, item{0, e.Task, e.Text})
			}
		}
	}
	// A thread's or a child process's steps are labelled with its id too,
	// as strace -f does: under fork they are not the parent's, though they
	// fall in its rounds.
	same := func(a, b item) bool { return a.conn == b.conn && a.task == b.task }
	pieces := make([]string, len(items))
	for i, it := range items {
		if (it.conn > 0 || it.task > 0) && (i == 0 || !same(it, items[i-1])) {
			label := trace.Label(it.conn) // "" for none
			if it.task > 0 {
				label = strings.TrimSpace(label + " [pid " + strconv.Itoa(it.task) + "]")
			}
			it.text = label + ": " + it.text
		}
		switch {
		case i == len(items)-1:
		case same(it, items[i+1]):
			it.text += ","
		default:
			it.text += ";"
		}
		pieces[i] = it.text
	}
	return pieces
}

func sum(ns []int) int {
	total := 0
	for _, n := range ns {
		total += n
	}
	return total
}
