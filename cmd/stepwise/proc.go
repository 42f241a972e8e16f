package main

// What compare reads from /proc (proc(5)) about the servers it started.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A usage is what the kernel says a server holds at one moment, itself
// and its child processes together.
type usage struct {
	procs   int // the server and its children
	threads int // their threads, all together
	fds     int // their open fds, all together
}

// A watch follows one server in /proc while a scenario runs. Besides the
// most it holds at once, it counts the threads and processes that appear:
// a Go program keeps a few spare threads, and the threads model takes
// those first, so a thread per client shows better in threads started
// than in threads held.
type watch struct {
	pid  int
	idle usage // when the watch began
	peak usage // the most seen at once, each figure on its own
	// fds before the scenario and after it, less the Go runtime's own:
	// the same if the server leaked none
	fdsBefore, fdsAfter int
	seen                map[int]bool // every thread seen, by its id (a process's first thread has the process's id)
	newProcs            int          // processes first seen after the watch began
	newThreads          int          // threads first seen after the watch began, those of new processes included
}

// begin starts watching pid: what it holds now is its idle usage.
func (w *watch) begin(pid int) {
	*w = watch{pid: pid, seen: map[int]bool{}}
	w.sample()
	w.idle, w.newProcs, w.newThreads = w.peak, 0, 0 // one sample: its peak is it
	w.fdsBefore = w.exactFDs()
}

// sample reads the server and its children once. A process or a thread
// that ends meanwhile counts for what could be read of it. Its fds are
// all counted, which is quick: see exactFDs for the slower, exact count.
func (w *watch) sample() {
	var u usage
	for _, p := range append([]int{w.pid}, children(w.pid)...) {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		if err != nil {
			continue // gone
		}
		u.procs++
		u.threads += len(tasks)
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p))
		u.fds += len(fds)
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || w.seen[tid] {
				continue
			}
			w.seen[tid] = true
			w.newThreads++
			if tid == p {
				w.newProcs++
			}
		}
	}
	w.peak = usage{procs: max(w.peak.procs, u.procs), threads: max(w.peak.threads, u.threads), fds: max(w.peak.fds, u.fds)}
}

// exactFDs counts the open fds of the server and its children but for
// the Go runtime's own (see runtimeFD): the count to compare before and
// after, to see a leak. It reads what each fd is, so it is kept out of the
// samples.
func (w *watch) exactFDs() int {
	n := 0
	for _, p := range append([]int{w.pid}, children(w.pid)...) {
		k, _ := ownFDs(p) // a process gone meanwhile holds none
		n += k
	}
	return n
}

// ownFDs counts the open fds of process pid but for the Go runtime's own
// (see runtimeFD).
func ownFDs(pid int) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && !runtimeFD(target) {
			n++ // an error: closed since ReadDir
		}
	}
	return n, nil
}

// runtimeFD reports whether an fd, by what /proc/PID/fd links it to, is
// one of the two the Go runtime holds for its timers (epoll_create1 and
// eventfd2; a server has it open them at start, and a fork child when it
// first arms a timer): not the server's, and counting them would show a
// leak that is not one.
func runtimeFD(target string) bool {
	return target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]"
}

// children lists pid's child processes, zombies included: those of
// each of its threads, in /proc/PID/task/TID/children.
func children(pid int) []int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var kids []int
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		for _, s := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(s); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// canCountChildren says whether this kernel lists children in /proc
// (CONFIG_PROC_CHILDREN): without it a fork server's processes could not
// be counted.
func canCountChildren() error {
	name := fmt.Sprintf("/proc/%d/task/%d/children", os.Getpid(), os.Getpid())
	if _, err := os.Stat(name); err != nil {
		return errors.New("cannot count child processes: " + err.Error() + " (a kernel without CONFIG_PROC_CHILDREN)")
	}
	return nil
}

// end samples the server until it is idle again, for at most
// settleTimeout: no child left (a fork server reaps each child when it
// exits, a moment after its client is answered) and no more fds than
// before (a server closes a connection a moment after its client sees the
// end of it). It returns the children left, if any, as "PID (state)".
func (w *watch) end() []string {
	deadline := time.Now().Add(settleTimeout)
	for {
		w.sample()
		kids := children(w.pid)
		w.fdsAfter = w.exactFDs()
		if len(kids) == 0 && w.fdsAfter <= w.fdsBefore || time.Now().After(deadline) {
			var left []string
			for _, k := range kids {
				left = append(left, fmt.Sprintf("%d (%s)", k, procState(k)))
			}
			return left
		}
		time.Sleep(samplePeriod)
	}
}

// procState is process pid's state in words: "zombie", "sleeping"...
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "gone"
	}
	// "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) == 0 {
		return "?"
	}
	switch fields[0] {
	case "Z":
		return "zombie"
	case "S", "D":
		return "sleeping"
	case "R":
		return "running"
	}
	return fields[0]
}
