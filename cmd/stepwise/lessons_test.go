package main

// The transcripts in docs/lessons/*.md and docs/teaching.md, run for real.
//
// A transcript in a doc is a stretch between two HTML comments:
//
//	<!-- transcript: NAME -->
//	```console
//	$ go run ./cmd/stepwise -trace http
//	(what the server's terminal shows)
//	```
//	```console
//	$ printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.0.1 8080
//	(what the client's terminal shows)
//	```
//	<!-- end -->
//
// Its first console block is the server's terminal: one $ line, the
// command, and then everything the server prints. Each later console
// block is one more terminal, whose $ lines are run one after the other,
// each followed by what it prints. Prose may sit between the blocks.
//
// TestLessons starts this test binary as the server (see TestMain) with
// the $ line's flags, plus -addr 127.0.0.1:0 and -color never (a -json
// FILE is moved to a temporary directory: lessons_pictures_test.go draws
// from it); runs the clients; stops the server with SIGTERM; and compares
// what was printed with the blocks. -update writes what was printed into
// the blocks:
//
//	go test ./cmd/stepwise -run Lessons -update
//
// A line "..." in a block stands for lines left out. The lines between
// two "..." must appear together and in order in what was printed; a
// block that does not start (end) with "..." must match from the first
// (to the last) line. -update keeps the cuts: each run of lines is found
// again by its first line.
//
// The clients a $ line may run:
//
//	printf 'BYTES' | nc 127.0.0.1 8080
//	(printf 'A'; sleep 2; printf 'B') | nc 127.0.0.1 8080
//	curl [ARGS] http://127.0.0.1:8080/PATH
//	go run ./cmd/stepwise-client SCENARIO [ARGS]
//
// The nc forms are played by the test itself, on a socket: it connects,
// sends each printf's bytes, and reads the answer until the server closes.
// A sleep means "let the server read what was sent, and let the other
// terminals take their turn": the test waits until the trace shows the
// server has read every byte sent so far (so the trace must show read
// calls), then runs the next terminal's commands, and comes back. No
// real time passes. curl and stepwise-client are the real programs.
//
// In the select model each client terminal keeps a clock, the seconds it
// has slept, and the terminals move in passes (see playPass, in
// lessons_together_test.go): those whose clocks are earliest connect and
// send what they have up to their next sleep while the server is stopped
// (SIGSTOP); then it goes on, and each waits for its bytes to be read, or
// reads its answer. So what two terminals send in the same second reaches
// one select together, as when two people press Enter at once. The other
// models take one terminal at a time: their threads would race.
//
// What changes from run to run is normalised, and nothing else:
//   - the port the server listens on reads 8080 (the test listens on port
//     0, the student on 8080); a client's port reads PORT;
//   - dates (Date: headers, also cut short inside a quoted write) read
//     Sat, 21 Nov 2026 12:00:00 GMT;
//   - a timeout (select's, or SO_RCVTIMEO's) within half a second of a
//     whole second reads as that second, and stepwise-client's times in
//     milliseconds read N.NN;
//   - thread and process ids read P1, P2, ... in order of appearance;
//   - a call that failed with EINTR and was made again at once on the same
//     fd (select: by the next round) shows once: whether a signal
//     interrupts select depends on which thread the kernel hands it to;
//   - the CR of each CRLF a client printed is dropped, as a terminal
//     shows it.
//
// File descriptors are left as the program prints them: on one machine
// and Go version they are the same on every run (fds 3 to 6 are the Go
// runtime's own, so the listening socket is fd 7). Fds that the test
// process inherited are kept from the server (noInheritedFDs).
//
// Two races are taken out by the test, each in the direction that
// happens most often for a person typing:
//   - The request a printf sends is already there when the server accepts
//     the connection: the test stops the server (with ptrace, which sends
//     no SIGCONT after: see pause), connects, sends, and lets it go on. A
//     real nc wins that race about half the time; lesson 03 shows the
//     other outcome.
//   - Before each new command, the server has finished with the last one:
//     the test waits until the trace shows that command's connections
//     closed.
//
// curl and stepwise-client connect and send on their own, so a trace that
// shows system calls might show an extra select round for them on some
// runs; a transcript that uses them must trace no system calls
// (-trace http, state or both), except stepwise-client idle, which sends
// nothing.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

var update = flag.Bool("update", false, "rewrite the transcripts in docs/lessons/*.md and docs/teaching.md from the real program")

// lessonDocs are the files whose transcripts TestLessons runs.
func lessonDocs(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("../../docs/lessons/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no lessons in docs/lessons (%v)", err)
	}
	guide, _ := filepath.Glob("../../docs/teaching.md")
	return append(docs, guide...)
}

func TestLessons(t *testing.T) {
	noInheritedFDs(t)
	docs := lessonDocs(t)
	texts := make([]string, len(docs))
	client := "" // stepwise-client, built if a transcript runs it
	for i, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		texts[i] = string(b)
		if client == "" && strings.Contains(texts[i], "$ go run ./cmd/stepwise-client ") {
			client = buildClient(t)
		}
	}
	for i, doc := range docs {
		text := texts[i]
		trs, err := parseTranscripts(text)
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		if len(trs) == 0 && filepath.Base(doc) != "README.md" {
			t.Errorf("%s has no transcript; the markers may be broken", doc)
		}
		// Rewrite from the end, so that earlier offsets stay good.
		for i := len(trs) - 1; i >= 0; i-- {
			tr := trs[i]
			t.Run(filepath.Base(doc)+"/"+tr.name, func(t *testing.T) {
				got := runTranscript(t, tr, client)
				if len(got) != len(tr.blocks) {
					t.Fatalf("ran %d terminals; the transcript has %d", len(got), len(tr.blocks))
				}
				for j := len(tr.blocks) - 1; j >= 0; j-- {
					blk := tr.blocks[j]
					if *update {
						lines, err := blk.regenerate(got[j])
						if err != nil {
							t.Errorf("%s: terminal %d: %v", tr.name, j+1, err)
							continue
						}
						text = text[:blk.start] + strings.Join(lines, "\n") + "\n" + text[blk.end:]
						continue
					}
					if err := blk.check(got[j]); err != nil {
						t.Errorf("%s, %s, terminal %d: %v\n(go test ./cmd/stepwise -run Lessons -update rewrites the transcripts)", doc, tr.name, j+1, err)
					}
				}
			})
		}
		text = lessonPictures(t, doc, text, trs)
		if *update && text != texts[i] {
			if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// buildClient builds stepwise-client into a temporary directory.
func buildClient(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stepwise-client")
	cmd := exec.Command("go", "build", "-o", bin, "../stepwise-client")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ../stepwise-client: %v\n%s", err, out)
	}
	return bin
}

// A transcript is the stretch of a doc between its markers.
type transcript struct {
	name   string
	blocks []*block   // the server's terminal, then each client's
	ran    *lessonRan // once it has been played to the end: for its pictures
}

// A block is one console block: lines, and where they sit in the doc.
type block struct {
	start, end int      // byte offsets of the lines inside the fence
	cmds       []string // its $ lines, without "$ "
	lines      []string // all of its lines
}

var (
	transcriptMarker = regexp.MustCompile(`<!-- transcript: (\S+) -->\n`)
	endMarker        = "<!-- end -->"
	fence            = "```console\n"
)

// A stretch is the part of a doc between a marker, such as
// <!-- transcript: NAME -->, and the endMarker after it.
type stretch struct {
	name     string // the marker's first group
	m        []int  // where the marker and its groups are (FindStringSubmatchIndex)
	from, to int    // the stretch, after the marker and before endMarker
}

// stretches finds every stretch that marker starts in doc; kind names it
// in errors.
func stretches(doc string, marker *regexp.Regexp, kind string) ([]stretch, error) {
	var st []stretch
	for _, m := range marker.FindAllStringSubmatchIndex(doc, -1) {
		name := doc[m[2]:m[3]]
		stop := strings.Index(doc[m[1]:], endMarker)
		if stop < 0 {
			return nil, fmt.Errorf("%s %s has no %s", kind, name, endMarker)
		}
		st = append(st, stretch{name: name, m: m, from: m[1], to: m[1] + stop})
	}
	return st, nil
}

func parseTranscripts(doc string) ([]*transcript, error) {
	var trs []*transcript
	seen := map[string]bool{}
	sts, err := stretches(doc, transcriptMarker, "transcript")
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		name := st.name
		if seen[name] {
			return nil, fmt.Errorf("two transcripts named %s", name)
		}
		seen[name] = true
		blocks, _, err := consoleBlocks(doc, st.from, st.to)
		if err != nil {
			return nil, fmt.Errorf("transcript %s: %v", name, err)
		}
		tr := &transcript{name: name, blocks: blocks}
		if len(tr.blocks) == 0 {
			return nil, fmt.Errorf("transcript %s has no console block", name)
		}
		if len(tr.blocks[0].cmds) != 1 || !strings.HasPrefix(tr.blocks[0].cmds[0], "go run ./cmd/stepwise") || strings.HasPrefix(tr.blocks[0].cmds[0], "go run ./cmd/stepwise-client") {
			return nil, fmt.Errorf("transcript %s: the first console block must be the server's, one $ go run ./cmd/stepwise line", name)
		}
		trs = append(trs, tr)
	}
	return trs, nil
}

// consoleBlocks finds the console blocks in doc[from:to], each with the
// text between it and the block before (where a marker may sit). Every
// block must start with a $ line; its cmds are all of its $ lines.
func consoleBlocks(doc string, from, to int) (blocks []*block, before []string, err error) {
	region, base := doc[from:to], from
	for {
		i := strings.Index(region, fence)
		if i < 0 {
			return blocks, before, nil
		}
		j := strings.Index(region[i+len(fence):], "```")
		if j < 0 {
			return nil, nil, errors.New("a console block has no end")
		}
		start := base + i + len(fence)
		end := start + j
		body := strings.TrimSuffix(doc[start:end], "\n")
		b := &block{start: start, end: end, lines: strings.Split(body, "\n")}
		for _, l := range b.lines {
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				b.cmds = append(b.cmds, cmd)
			}
		}
		if len(b.cmds) == 0 || !strings.HasPrefix(b.lines[0], "$ ") {
			return nil, nil, errors.New("a console block must start with a $ line")
		}
		blocks, before = append(blocks, b), append(before, region[:i])
		region, base = region[i+len(fence)+j+3:], end+3
	}
}

// output is what one terminal printed: for the server one entry, for a
// client one per $ line.
type output [][]string

// check compares a block with what its terminal printed.
func (b *block) check(got output) error {
	want := b.outputs()
	if len(want) != len(got) {
		return fmt.Errorf("%d commands; ran %d", len(want), len(got))
	}
	for i := range want {
		if err := match(want[i], got[i]); err != nil {
			return fmt.Errorf("$ %s: %v", b.cmds[i], err)
		}
	}
	return nil
}

// outputs splits the block's lines after each $ line.
func (b *block) outputs() [][]string {
	var outs [][]string
	for _, l := range b.lines {
		if strings.HasPrefix(l, "$ ") {
			outs = append(outs, []string{})
			continue
		}
		outs[len(outs)-1] = append(outs[len(outs)-1], l)
	}
	return outs
}

// regenerate returns the block's new lines: each command, then what it
// printed, cut where the old block was cut.
func (b *block) regenerate(got output) ([]string, error) {
	want := b.outputs()
	var lines []string
	for i, cmd := range b.cmds {
		lines = append(lines, "$ "+cmd)
		cut, err := recut(want[i], got[i])
		if err != nil {
			return nil, fmt.Errorf("$ %s: %v", cmd, err)
		}
		lines = append(lines, cut...)
	}
	return lines, nil
}

// segments splits want at its "..." lines: the runs of lines shown, and
// whether the first and last are cut off.
func segments(want []string) (segs [][]string, open, openEnd bool) {
	var cur []string
	for i, l := range want {
		if l == "..." {
			if i == 0 {
				open = true
			}
			if len(cur) > 0 {
				segs = append(segs, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	openEnd = len(want) > 0 && want[len(want)-1] == "..."
	return segs, open, openEnd
}

// match reports whether got is what want shows: the same lines, or with
// "..." cuts, each run of want's lines together and in order in got.
func match(want, got []string) error {
	segs, open, openEnd := segments(want)
	if len(segs) == 0 {
		if len(got) > 0 && !open {
			return fmt.Errorf("printed %d lines; the transcript shows none:\n%s", len(got), strings.Join(got, "\n"))
		}
		return nil
	}
	at := 0
	for i, seg := range segs {
		j := find(got, seg, at)
		if i == len(segs)-1 && !openEnd {
			// The last run ends where the output ends.
			if j = len(got) - len(seg); j < at || !equal(got[j:], seg) {
				return fmt.Errorf("what was printed does not end with these lines:\n%s\n--- printed:\n%s", strings.Join(seg, "\n"), strings.Join(got, "\n"))
			}
		}
		switch {
		case j < 0:
			return fmt.Errorf("these lines are not in what was printed (in order):\n%s\n--- printed:\n%s", strings.Join(seg, "\n"), strings.Join(got, "\n"))
		case i == 0 && !open && j != 0:
			return fmt.Errorf("printed %d lines before %q:\n%s\n--- printed:\n%s", j, seg[0], strings.Join(got[:j], "\n"), strings.Join(got, "\n"))
		}
		at = j + len(seg)
	}
	return nil
}

// find returns the first index >= from at which seg occurs in got, or -1.
func find(got, seg []string, from int) int {
	for j := from; j+len(seg) <= len(got); j++ {
		if equal(got[j:j+len(seg)], seg) {
			return j
		}
	}
	return -1
}

func equal(a, b []string) bool {
	if len(a) < len(b) {
		return false
	}
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var digits = regexp.MustCompile(`[0-9]+`)

// recut cuts got as want was cut: each run of want's lines is found again
// by its first line (exactly, or with its numbers changed) and keeps its
// length. With no cuts, got is taken whole.
func recut(want, got []string) ([]string, error) {
	segs, open, openEnd := segments(want)
	if !open && !openEnd && len(segs) <= 1 {
		return got, nil
	}
	var out []string
	if open {
		out = append(out, "...")
	}
	at := 0
	for i, seg := range segs {
		j := -1
		for k := at; k < len(got) && j < 0; k++ {
			if got[k] == seg[0] {
				j = k
			}
		}
		for k := at; k < len(got) && j < 0; k++ {
			if digits.ReplaceAllString(got[k], "#") == digits.ReplaceAllString(seg[0], "#") {
				j = k
			}
		}
		if i == 0 && !open {
			j = 0
		}
		if j < 0 {
			return nil, fmt.Errorf("cannot find %q again in what was printed; cut this block by hand:\n%s", seg[0], strings.Join(got, "\n"))
		}
		n := min(len(seg), len(got)-j)
		if i == len(segs)-1 && !openEnd {
			n = len(got) - j
		}
		out = append(out, got[j:j+n]...)
		at = j + n
		if i < len(segs)-1 || openEnd {
			out = append(out, "...")
		}
	}
	return out, nil
}

// A lessonServer is the server of one transcript, running.
type lessonServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	pid    int
	port   string // the real port
	first  string // the "serving" line
	stdout io.Reader
	stderr *os.File // the read end of its stderr
	trace  []byte   // what it has written to stderr so far
	done   bool
	json   string // the file its -json flag names, if any
	seized []int  // its threads that pause stopped, for resume to let go
}

// traced says which kinds of line the -trace flag lets through.
type traced struct{ sys, reads, closes, state bool }

func tracedBy(spec string) traced {
	var tr traced
	for _, w := range strings.Split(spec, ",") {
		switch w {
		case "all":
			return traced{true, true, true, true}
		case "sys":
			tr.sys, tr.reads, tr.closes = true, true, true
		case "state":
			tr.state = true
		case "http", "none":
		case "read":
			tr.sys, tr.reads = true, true
		case "close":
			tr.sys, tr.closes = true, true
		default:
			tr.sys = true // a system call's name
		}
	}
	return tr
}

// startLesson starts the server as the $ line says, on port 0, without
// colour.
func startLesson(t *testing.T, line string) (*lessonServer, traced, string) {
	t.Helper()
	args := strings.Fields(strings.TrimPrefix(line, "go run ./cmd/stepwise"))
	spec, model, jsonFile := "all", "select", ""
	for i, a := range args {
		if a == "-model" && i+1 < len(args) {
			model = args[i+1]
		}
		if a == "-addr" {
			t.Fatalf("$ %s: leave -addr out; the test listens on port 0 and shows it as 8080", line)
		}
		if a == "-trace" && i+1 < len(args) {
			spec = args[i+1]
		}
		if a == "-json" && i+1 < len(args) {
			// Its events, for the lesson's pictures: in a file of the
			// same name, out of the source tree.
			args[i+1] = filepath.Join(t.TempDir(), filepath.Base(args[i+1]))
			jsonFile = args[i+1]
		}
	}
	args = append([]string{"-addr", "127.0.0.1:0", "-color", "never"}, args...)
	cmd := selfCmd(args...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = w
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s := &lessonServer{t: t, cmd: cmd, pid: cmd.Process.Pid, stderr: r, json: jsonFile}
	t.Cleanup(func() {
		if !s.done {
			syscall.Kill(s.pid, syscall.SIGKILL)
			cmd.Wait()
		}
		r.Close()
	})
	out := bufio.NewReader(stdout)
	first, addr, err := readServing(out)
	if err != nil {
		t.Fatalf("$ %s: the server printed %q, then: %v; stderr:\n%s", line, first, err, s.readAll())
	}
	_, port, _ := strings.Cut(addr, ":")
	s.first, s.port, s.stdout = strings.TrimSuffix(first, "\n"), port, out
	return s, tracedBy(spec), model
}

func (s *lessonServer) addr() string { return "127.0.0.1:" + s.port }

// waitFor reads the server's trace until ok says it holds what we wait
// for. The server writes its trace out just before it blocks (in select,
// or in accept and read in the blocking model), so what it shows then is
// the whole of the turn that led there.
func (s *lessonServer) waitFor(what string, ok func(trace string) bool) {
	s.t.Helper()
	buf := make([]byte, 64<<10)
	for !ok(string(s.trace)) {
		s.stderr.SetReadDeadline(time.Now().Add(ioTimeout))
		n, err := s.stderr.Read(buf)
		s.trace = append(s.trace, buf[:n]...)
		if err != nil {
			s.t.Fatalf("waiting for the trace to show %s: %v; the trace so far:\n%s", what, err, s.trace)
		}
	}
}

// readAll reads the rest of the server's stderr, until it exits.
func (s *lessonServer) readAll() string {
	s.stderr.SetReadDeadline(time.Now().Add(ioTimeout))
	rest, _ := io.ReadAll(s.stderr)
	s.trace = append(s.trace, rest...)
	return string(s.trace)
}

// pause stops every thread of the server and returns once they have all
// stopped. It does so with ptrace, not SIGSTOP: each thread is seized and
// interrupted (PTRACE_SEIZE, PTRACE_INTERRUPT), and waits in a ptrace
// stop until resume lets it go (PTRACE_DETACH). A call it was in, such
// as select, is made again, as after SIGSTOP; but SIGSTOP ends with
// SIGCONT, which the select loop hears (multiplex.SelectSignals), and
// its trace would show lines that a person typing the lesson's commands
// never sees. Every ptrace request must come from the thread that seized,
// so the test's goroutine keeps its thread until resume.
func (s *lessonServer) pause() {
	s.t.Helper()
	runtime.LockOSThread()
	for more := true; more; {
		more = false // until a listing of the threads finds none not stopped
		dirs, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", s.pid))
		if err != nil {
			s.t.Fatal(err)
		}
		for _, d := range dirs {
			tid, _ := strconv.Atoi(d.Name())
			if slices.Contains(s.seized, tid) {
				continue
			}
			if err := unix.PtraceSeize(tid); err != nil {
				s.t.Fatalf("ptrace(PTRACE_SEIZE, %d): %v", tid, err)
			}
			s.seized = append(s.seized, tid)
			if err := unix.PtraceInterrupt(tid); err != nil {
				s.t.Fatalf("ptrace(PTRACE_INTERRUPT, %d): %v", tid, err)
			}
			var ws unix.WaitStatus
			if _, err := unix.Wait4(tid, &ws, unix.WALL, nil); err != nil || !ws.Stopped() {
				s.t.Fatalf("waiting for thread %d of the server to stop: %v (status %v)", tid, err, ws)
			}
			more = true // it may have started a thread before it stopped
		}
	}
}

// resume lets every thread that pause stopped go on.
func (s *lessonServer) resume() {
	s.t.Helper()
	for _, tid := range s.seized {
		if err := unix.PtraceDetach(tid); err != nil {
			s.t.Fatalf("ptrace(PTRACE_DETACH, %d): %v", tid, err)
		}
	}
	s.seized = nil
	runtime.UnlockOSThread()
}

// stop sends SIGTERM and returns everything the server's terminal shows:
// the serving line, the trace, and what it printed on stdout after.
func (s *lessonServer) stop() []string {
	s.t.Helper()
	if err := syscall.Kill(s.pid, syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	tr := s.readAll()
	rest, _ := io.ReadAll(s.stdout)
	err := s.cmd.Wait()
	s.done = true
	if err != nil {
		s.t.Fatalf("the server, after SIGTERM: %v; its trace:\n%s", err, tr)
	}
	all := s.first + "\n" + tr + string(rest)
	return strings.Split(strings.TrimSuffix(all, "\n"), "\n")
}

// closedBy matches the trace line that says connection cN is closed.
func closedBy(tr traced, id int) func(string) bool {
	state := regexp.MustCompile(`(?m)^(\[pid \d+\] )?--- c` + strconv.Itoa(id) + ` \S.* -> closed ---$`)
	sys := regexp.MustCompile(`(?m)^(\[pid \d+\] )?close\(\d+\) = 0 /\* c` + strconv.Itoa(id) + ` \*/$`)
	return func(trace string) bool {
		return tr.state && state.MatchString(trace) || !tr.state && sys.MatchString(trace)
	}
}

// readAllOf says whether the trace shows the server has read n bytes of
// connection cN, and tried to read at least once.
func readAllOf(id, n int) func(string) bool {
	re := regexp.MustCompile(`(?m)^(\[pid \d+\] )?read\(\d+, .*\) = (-1|\d+).* /\* c` + strconv.Itoa(id) + ` \*/$`)
	return func(trace string) bool {
		got, tries := 0, 0
		for _, m := range re.FindAllStringSubmatch(trace, -1) {
			tries++
			if v, err := strconv.Atoi(m[2]); err == nil && v > 0 {
				got += v
			}
		}
		return tries > 0 && got >= n
	}
}

// A lessonRun is one transcript being played: the server, and the terminals
// taking turns.
type lessonRun struct {
	t      *testing.T
	srv    *lessonServer
	tr     traced
	conns  int    // connections opened so far; the server numbers them the same
	client string // the stepwise-client binary

	// -model: with blocking the server serves one connection at a time,
	// in the order they came: a client's answer cannot come while an
	// earlier connection is open, so reading it waits until those are
	// done.
	model string
	open  map[int]bool // connections the test has opened and not closed
	held  bool         // the server is stopped while terminals send (see playPass)
}

// A term is one client terminal: its commands, what each printed, and
// where it is.
type term struct {
	cmds []string
	out  output
	next int        // the next command to start
	nc   *ncSession // a command under way, between its sleeps
	at   int        // its clock: the seconds it has slept (see playPass)
}

func runTranscript(t *testing.T, tr *transcript, client string) []output {
	srv, spec, model := startLesson(t, tr.blocks[0].cmds[0])
	r := &lessonRun{t: t, srv: srv, tr: spec, client: client, model: model, open: map[int]bool{}}
	terms := make([]*term, len(tr.blocks)-1)
	for i, b := range tr.blocks[1:] {
		terms[i] = &term{cmds: b.cmds}
	}
	for busy := true; busy; {
		var moved bool
		busy, moved = r.playPass(terms)
		if busy && !moved {
			t.Fatal("every terminal is waiting for another: the transcript cannot be played")
		}
	}
	outs := []output{{normalise(srv.stop(), srv.port, false)}}
	tr.ran = keepLessonRun(t, srv)
	for _, tm := range terms {
		outs = append(outs, tm.out)
	}
	return outs
}

// turn runs tm's commands until one sleeps or waits, or all are done,
// and reports whether tm has more to do and whether it did anything.
func (r *lessonRun) turn(tm *term) (more, progress bool) {
	for {
		if tm.nc != nil {
			out, done, moved := r.continueNC(tm.nc)
			progress = progress || moved
			if !done {
				return true, progress
			}
			tm.out = append(tm.out, out)
			tm.nc = nil
			continue
		}
		if tm.next == len(tm.cmds) {
			return false, progress
		}
		progress = true
		cmd := tm.cmds[tm.next]
		tm.next++
		switch {
		case strings.HasSuffix(cmd, "| nc 127.0.0.1 8080"):
			tm.nc = r.startNC(cmd)
		case strings.HasPrefix(cmd, "curl "):
			tm.out = append(tm.out, r.curl(cmd))
		case strings.HasPrefix(cmd, "go run ./cmd/stepwise-client "):
			tm.out = append(tm.out, r.stepwiseClient(cmd))
		default:
			r.t.Fatalf("$ %s: the lesson test cannot run this; see the top of lessons_test.go", cmd)
		}
	}
}

// An ncSession is a printf | nc command under way.
type ncSession struct {
	cmd   string
	id    int      // cN
	parts []string // what is left: printf 'X' or sleep N
	conn  net.Conn
	sent  int

	// In the select model a pass's sends end before anything is waited
	// for: then the wait that is due (see awaitPass).
	sleepSecs int  // a sleep of this many seconds, if sleeping
	sleeping  bool // waiting for the server to read what was sent
	allSent   bool // every part sent: the answer is next
}

var (
	ncOne   = regexp.MustCompile(`^printf '([^']*)' \| nc 127\.0\.0\.1 8080$`)
	ncMany  = regexp.MustCompile(`^\((.*)\) \| nc 127\.0\.0\.1 8080$`)
	ncPart  = regexp.MustCompile(`^(printf '([^']*)'|sleep \d+)$`)
	printfs = strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\t`, "\t", `\\`, `\`, `%%`, "%")
)

func (r *lessonRun) startNC(cmd string) *ncSession {
	r.t.Helper()
	var parts []string
	if m := ncOne.FindStringSubmatch(cmd); m != nil {
		parts = []string{"printf '" + m[1] + "'"}
	} else if m := ncMany.FindStringSubmatch(cmd); m != nil {
		parts = strings.Split(m[1], "; ")
	} else {
		r.t.Fatalf("$ %s: want printf 'BYTES' | nc 127.0.0.1 8080 or (printf 'A'; sleep 1; printf 'B') | nc 127.0.0.1 8080", cmd)
	}
	for _, p := range parts {
		if !ncPart.MatchString(p) {
			r.t.Fatalf("$ %s: %q: want printf 'BYTES' or sleep N", cmd, p)
		}
	}
	r.conns++
	r.open[r.conns] = true
	s := &ncSession{cmd: cmd, id: r.conns, parts: parts}
	// In the select model the request is there when the server accepts:
	// it connects and sends while the server is stopped. (The other
	// models block in read, and wait for it anyway.)
	r.holdServer()
	s.conn = dial(r.t, r.srv.addr())
	return s
}

func (r *lessonRun) send(s *ncSession, format string) {
	r.t.Helper()
	b := printfs.Replace(format)
	if _, err := io.WriteString(s.conn, b); err != nil {
		r.t.Fatalf("$ %s: write: %v", s.cmd, err)
	}
	s.sent += len(b)
}

// continueNC runs s's parts up to its next sleep, or to its end: then it
// reads the answer and returns what nc would have printed, and done. moved
// says whether it did anything. In the select model it stops before
// waiting, at a sleep or before the answer, and awaitPass goes on (see
// playPass).
func (r *lessonRun) continueNC(s *ncSession) (out []string, done, moved bool) {
	r.t.Helper()
	for len(s.parts) > 0 {
		moved = true
		p := s.parts[0]
		s.parts = s.parts[1:]
		if strings.HasPrefix(p, "sleep ") {
			if !r.tr.reads {
				r.t.Fatalf("$ %s: a sleep waits for the server to read what was sent, so the trace must show read calls (-trace all, sys or read)", s.cmd)
			}
			if r.sendTogether() {
				s.sleeping = true
				s.sleepSecs, _ = strconv.Atoi(strings.TrimPrefix(p, "sleep "))
				return nil, false, true
			}
			r.awaitRead(s)
			return nil, false, true
		}
		r.holdServer()
		r.send(s, strings.TrimSuffix(strings.TrimPrefix(p, "printf '"), "'"))
	}
	if r.sendTogether() && !s.allSent {
		s.allSent = true
		return nil, false, moved
	}
	for id := range r.open {
		if r.model == "blocking" && id < s.id {
			return nil, false, moved // served after c<id>
		}
	}
	got, err := io.ReadAll(s.conn)
	if err != nil {
		r.t.Fatalf("$ %s: reading the answer: %v (after %q)", s.cmd, err, got)
	}
	s.conn.Close()
	delete(r.open, s.id)
	r.settle(s.id, s.id)
	return normalise(lines(string(got)), r.srv.port, false), true, true
}

// settle waits until the trace shows connections first to last closed,
// if it shows closes at all.
func (r *lessonRun) settle(first, last int) {
	r.t.Helper()
	if !r.tr.state && !r.tr.closes {
		return
	}
	for id := first; id <= last; id++ {
		r.srv.waitFor(fmt.Sprintf("c%d closed", id), closedBy(r.tr, id))
		if r.model == "fork" && r.tr.sys {
			// and its process reaped, before anything else happens
			reaped := regexp.MustCompile(`(?m)^c` + strconv.Itoa(id) + ` \* process \S+ has ended`)
			r.srv.waitFor(fmt.Sprintf("c%d's process reaped", id), reaped.MatchString)
		}
	}
}

// lines splits what a terminal printed into lines, without the CR of CRLF.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// shellWords splits a command line at spaces, keeping 'quoted words'
// whole.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quoted, any := false, false
	for _, c := range line {
		switch {
		case c == '\'':
			quoted, any = !quoted, true
		case c == ' ' && !quoted:
			if any {
				words = append(words, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(c)
			any = true
		}
	}
	if any {
		words = append(words, cur.String())
	}
	return words
}

// external runs a client program to its end and returns what it printed.
func (r *lessonRun) external(cmd string, conns int, name string, args ...string) []string {
	r.t.Helper()
	r.releaseServer() // it connects and sends on its own
	if r.tr.sys && !(name == r.client && len(args) > 2 && args[2] == "idle") {
		r.t.Fatalf("$ %s: curl and stepwise-client race the server's read after accept; trace no system calls with them (-trace http,state)", cmd)
	}
	var out bytes.Buffer
	c := exec.Command(name, args...)
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.t.Fatalf("$ %s: %v", cmd, err)
		}
		// A client that says a request failed is part of the lesson.
	}
	r.settle(r.conns+1, r.conns+conns)
	r.conns += conns
	var printed []string
	for _, l := range lines(out.String()) {
		if strings.HasPrefix(l, "* Connecting to hostname: ") || strings.HasPrefix(l, "* Connecting to port: ") {
			continue // curl's note on --connect-to, which only the test adds
		}
		printed = append(printed, l)
	}
	return normalise(printed, r.srv.port, name == r.client)
}

func (r *lessonRun) curl(cmd string) []string {
	r.t.Helper()
	lookPath(r.t, "curl")
	args := append([]string{"--max-time", "10", "--connect-to", "127.0.0.1:8080:" + r.srv.addr()}, shellWords(strings.TrimPrefix(cmd, "curl "))...)
	return r.external(cmd, 1, "curl", args...)
}

func (r *lessonRun) stepwiseClient(cmd string) []string {
	r.t.Helper()
	words := shellWords(strings.TrimPrefix(cmd, "go run ./cmd/stepwise-client "))
	conns := 1
	for i, w := range words {
		switch w {
		case "traversal":
			conns = 4
		case "many":
			if i+1 < len(words) {
				conns, _ = strconv.Atoi(words[i+1])
			}
		}
	}
	return r.external(cmd, conns, r.client, append([]string{"-addr", r.srv.addr()}, words...)...)
}

var (
	listenPort = func(port string) *regexp.Regexp {
		return regexp.MustCompile(`(127\.0\.0\.1:|htons\(|port )` + port + `\b`)
	}
	// the bind of port 0, also as a step prompt announces it
	bindZero     = regexp.MustCompile(`^((?:\[step \d+\] next: )?bind\(\d+, \{sa_family=AF_INET, sin_port=htons\()0\)`)
	clientPort   = regexp.MustCompile(`(127\.0\.0\.1:|htons\()([0-9]{4,5})\b`)
	timeout      = regexp.MustCompile(`\{tv_sec=(\d+), tv_(nsec|usec)=(\d+)\}`)
	timevalBytes = regexp.MustCompile(`(SO_(?:RCV|SND)TIMEO_OLD, )("(?:[^"\\]|\\.)*")`)
	clientMillis = regexp.MustCompile(`\b\d+\.\d\d\b`)
	pidRef       = regexp.MustCompile(`\[pid (\d+)\]|gettid\(\) = (\d+)|process (\d+)|^wait4\(.*\) = ([1-9]\d*)$`)
	interrupted  = regexp.MustCompile(`^((?:\[pid \w+\] )?\w+\([^,)]*).* = -1 EINTR \(Interrupted system call\)(.*)$`)
	dateAfter    = []string{"Date: ", "Last-Modified: "}
	dateShape    = "Sat, 21 Nov 2026 12:00:00 GMT"
)

// normalise rewrites what changes from run to run (see the top of this
// file). timed is for stepwise-client's output, whose times vary.
func normalise(in []string, port string, timed bool) []string {
	own := listenPort(port)
	pids := map[string]string{}
	var out []string
	for _, l := range in {
		l = own.ReplaceAllString(l, "${1}8080")
		l = bindZero.ReplaceAllString(l, "${1}8080)")
		l = clientPort.ReplaceAllStringFunc(l, func(m string) string {
			sub := clientPort.FindStringSubmatch(m)
			if sub[2] == "8080" {
				return m
			}
			return sub[1] + "PORT"
		})
		l = timeout.ReplaceAllStringFunc(l, roundTimeout)
		l = timevalBytes.ReplaceAllStringFunc(l, roundTimevalBytes)
		if timed {
			l = clientMillis.ReplaceAllString(l, "N.NN")
		}
		l = pidRef.ReplaceAllStringFunc(l, func(m string) string {
			sub := pidRef.FindStringSubmatch(m)
			for _, id := range sub[1:] {
				if id == "" {
					continue
				}
				if pids[id] == "" {
					pids[id] = "P" + strconv.Itoa(len(pids)+1)
				}
				return strings.Replace(m, id, pids[id], 1)
			}
			return m
		})
		l = dates(l)
		out = append(out, l)
	}
	// A call that EINTR cut short, made again at once on the same fd:
	// keep the second.
	kept := out[:0]
	for i, l := range out {
		if m := interrupted.FindStringSubmatch(l); m != nil && i+1 < len(out) && strings.HasPrefix(out[i+1], m[1]) && strings.HasSuffix(out[i+1], m[2]) {
			continue
		}
		kept = append(kept, l)
	}
	return kept
}

// roundTimeout rounds a timeout, a timespec (select's) or a timeval
// (SO_RCVTIMEO's), to the nearest whole second. The timeout is the time
// left to a deadline, so it depends on how long the turn took: {tv_sec=1,
// tv_nsec=999000000} for 2 s on a quick turn, 9.74 s for 10 on a machine
// loaded to the hilt. Every timeout in the lessons is a whole number of
// seconds (1, 2, 10, 30), so half a second either way is slack, not a
// blur.
func roundTimeout(m string) string {
	sub := timeout.FindStringSubmatch(m)
	sec, _ := strconv.ParseInt(sub[1], 10, 64)
	frac, _ := strconv.ParseInt(sub[3], 10, 64)
	half := int64(500_000_000)
	if sub[2] == "usec" {
		half = 500_000
	}
	if frac >= half {
		sec++
	}
	return fmt.Sprintf("{tv_sec=%d, tv_%s=0}", sec, sub[2])
}

// roundTimevalBytes rounds SO_RCVTIMEO's timeval as roundTimeout does,
// in the form strace shows it: its 16 bytes, tv_sec then tv_usec, little
// endian, as a string: 9.99 s begins \t, rounded to 10 s it begins \n.
func roundTimevalBytes(m string) string {
	sub := timevalBytes.FindStringSubmatch(m)
	b := unquoteStrace(sub[2])
	if len(b) != 16 {
		return m
	}
	sec, usec := binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	if usec >= 500_000 {
		sec++
	}
	binary.LittleEndian.PutUint64(b[:8], sec)
	binary.LittleEndian.PutUint64(b[8:], 0)
	return sub[1] + trace.Quote(b, len(b))
}

// unquoteStrace reads a string as strace (and trace.Quote) prints it.
func unquoteStrace(q string) []byte {
	q = strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
	var b []byte
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' || i+1 == len(q) {
			b = append(b, q[i])
			continue
		}
		i++
		if c, ok := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', 'f': '\f'}[q[i]]; ok {
			b = append(b, c)
			continue
		}
		if q[i] < '0' || q[i] > '7' {
			b = append(b, q[i]) // \" or \\
			continue
		}
		v, n := 0, 0
		for ; n < 3 && i+n < len(q) && q[i+n] >= '0' && q[i+n] <= '7'; n++ {
			v = v*8 + int(q[i+n]-'0')
		}
		b = append(b, byte(v))
		i += n - 1
	}
	return b
}

// dates replaces each date after "Date: " with dateShape, character by
// character for as long as the characters have the shape of a date, so
// that a date cut short in a quoted string is replaced as far as it goes.
func dates(l string) string {
	b := []byte(l)
	for _, key := range dateAfter {
		for from := 0; ; {
			i := bytes.Index(b[from:], []byte(key))
			if i < 0 {
				break
			}
			at := from + i + len(key)
			for k := 0; k < len(dateShape) && at+k < len(b); k++ {
				c, want := b[at+k], dateShape[k]
				same := c == want ||
					isLetter(c) && isLetter(want) ||
					isDigit(c) && isDigit(want)
				if !same {
					break
				}
				b[at+k] = want
			}
			from = at
		}
	}
	return string(b)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
