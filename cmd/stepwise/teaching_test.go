package main

// The step-through session in docs/teaching.md, played for real on a
// terminal.
//
// A session in the guide is a stretch between two HTML comments:
//
//	<!-- step-session: NAME -->
//	```console
//	$ go run ./cmd/stepwise -step
//	[step 1] next: socket(...)
//	(the whole server is waiting for you: ...) s
//	(everything the server's terminal shows, prompts and typing included)
//	```
//	<!-- at steps 7 -->
//	```console
//	$ printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.0.1 8080
//	(what nc prints)
//	```
//	<!-- at steps 26, 44 -->
//	```console
//	$ nc 127.0.0.1 8080
//	GET /hello.txt HTTP/1.0
//	(the second line typed: here, an empty one)
//	(what nc prints)
//	```
//	<!-- end -->
//
// The first console block is the server's terminal, whole: no "..." cuts.
// TestTeachingSession starts this test binary as the server (see
// TestMain) with the $ line's flags plus -addr 127.0.0.1:0 and -color
// never, on a pseudo-terminal that is its controlling terminal (so the
// prompts go to /dev/tty, as in class), and its standard input, output and
// error. At each prompt it types the command the block shows after that
// prompt, and compares what the terminal showed with the block.
//
// Each later block is a client terminal, with one command, and before it
// the steps at which it acts: when the server pauses at the first of them,
// the client connects and sends (the whole printf, or the first typed
// line, with the newline Enter sends), and at each later one it sends the
// next typed line. It reads the answer as it comes, and closes when the
// server closes, as nc does. The block is the lines typed, then what came
// back.
//
// What changes from run to run is normalised as in the lessons (ports,
// dates; see lessons_test.go); fd numbers are left as printed. -update
// rewrites the blocks from what was printed:
//
//	go test ./cmd/stepwise -run 'Lessons|Teaching' -update
//
// A fenced block marked <!-- step-help --> must appear, line for line and
// together, in what the session printed: the guide quotes the help as the
// program prints it, so the session must type h.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const teachingDoc = "../../docs/teaching.md"

var (
	sessionMarker = regexp.MustCompile(`<!-- step-session: (\S+) -->\n`)
	atSteps       = regexp.MustCompile(`<!-- at steps? ([0-9, ]+) -->\s*$`)
	helpMarker    = regexp.MustCompile("<!-- step-help -->\n```\n((?s:.*?))```")
	stepLine      = regexp.MustCompile(`^\[step (\d+)\] next: `)
	ncTyped       = regexp.MustCompile(`^nc 127\.0\.0\.1 8080$`)
)

// A session is a step-session of the guide.
type session struct {
	name    string
	server  *block
	clients []*stepClient
}

// A stepClient is one client terminal of a session.
type stepClient struct {
	blk   *block
	steps []int    // when each part is sent
	parts []string // the bytes of each part
	typed int      // lines of blk that were typed, after the $ line

	conn   net.Conn
	sent   int
	out    chan []byte // what came back, once the server closed
	answer []string    // the same, normalised
}

func parseSessions(doc string) ([]*session, error) {
	var ss []*session
	sts, err := stretches(doc, sessionMarker, "step-session")
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		name := st.name
		blocks, before, err := consoleBlocks(doc, st.from, st.to)
		if err != nil {
			return nil, fmt.Errorf("step-session %s: %v", name, err)
		}
		s := &session{name: name}
		for i, b := range blocks {
			cmd := b.cmds[0] // the terminal's one command
			if s.server == nil {
				if !strings.HasPrefix(cmd, "go run ./cmd/stepwise ") || !strings.Contains(" "+cmd+" ", " -step ") {
					return nil, fmt.Errorf("step-session %s: the first console block must be the server's: $ go run ./cmd/stepwise -step ...", name)
				}
				s.server = b
				continue
			}
			c, err := newStepClient(b, before[i])
			if err != nil {
				return nil, fmt.Errorf("step-session %s: $ %s: %v", name, cmd, err)
			}
			s.clients = append(s.clients, c)
		}
		if s.server == nil {
			return nil, fmt.Errorf("step-session %s has no console block", name)
		}
		ss = append(ss, s)
	}
	return ss, nil
}

// newStepClient reads a client block, and the steps written just before it.
func newStepClient(b *block, before string) (*stepClient, error) {
	m := atSteps.FindStringSubmatch(before)
	if m == nil {
		return nil, errors.New("want <!-- at steps N, M --> just before the block")
	}
	c := &stepClient{blk: b}
	for _, f := range strings.Split(m[1], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("at steps %q: %v", m[1], err)
		}
		c.steps = append(c.steps, n)
	}
	switch cmd := b.cmds[0]; {
	case ncOne.MatchString(cmd):
		c.parts = []string{printfs.Replace(ncOne.FindStringSubmatch(cmd)[1])}
	case ncTyped.MatchString(cmd):
		c.typed = len(c.steps)
		if len(b.lines) < 1+c.typed {
			return nil, fmt.Errorf("%d steps, but only %d lines typed", c.typed, len(b.lines)-1)
		}
		for _, l := range b.lines[1 : 1+c.typed] {
			c.parts = append(c.parts, l+"\n")
		}
	default:
		return nil, errors.New("a client here is printf 'BYTES' | nc 127.0.0.1 8080, or nc 127.0.0.1 8080 with the lines typed")
	}
	if len(c.parts) != len(c.steps) {
		return nil, fmt.Errorf("%d parts to send and %d steps", len(c.parts), len(c.steps))
	}
	return c, nil
}

// sameLines compares the server's whole terminal with what the guide shows,
// and names the first line that differs.
func sameLines(want, got []string) error {
	for i := 0; i < len(want) || i < len(got); i++ {
		switch {
		case i >= len(got):
			return fmt.Errorf("the terminal showed %d lines; the guide shows %d, then %q", len(got), len(want), want[i])
		case i >= len(want):
			return fmt.Errorf("the guide shows %d lines; the terminal showed more: %q", len(want), got[i])
		case want[i] != got[i]:
			return fmt.Errorf("line %d differs:\nguide:    %s\nterminal: %s\n--- the terminal, to there:\n%s", i+1, want[i], got[i], strings.Join(got[:i+1], "\n"))
		}
	}
	return nil
}

// commands returns what the server block shows typed at each prompt.
func (s *session) commands() ([]string, error) {
	var cmds []string
	lines := s.server.lines[1:]
	for i, l := range lines {
		if i == 0 || !stepLine.MatchString(lines[i-1]) || !strings.HasPrefix(l, "(") {
			continue
		}
		_, cmd, ok := strings.Cut(l, ") ")
		if !ok {
			return nil, fmt.Errorf("prompt %q: no command after it", l)
		}
		cmds = append(cmds, cmd)
	}
	if len(cmds) == 0 {
		return nil, errors.New("the server's block shows no prompt")
	}
	for _, l := range lines {
		if l == "..." {
			return nil, errors.New("the server's block is cut (...): it must show the whole terminal, every command typed")
		}
	}
	return cmds, nil
}

func TestTeachingSession(t *testing.T) {
	b, err := os.ReadFile(teachingDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	ss, err := parseSessions(text)
	if err != nil {
		t.Fatalf("%s: %v", teachingDoc, err)
	}
	if len(ss) == 0 {
		t.Fatalf("%s has no step-session; the markers may be broken", teachingDoc)
	}
	var printed []string // every session's terminal, for the help check
	for i := len(ss) - 1; i >= 0; i-- {
		s := ss[i]
		t.Run(s.name, func(t *testing.T) {
			got := playSession(t, s)
			printed = append(printed, got...)
			if *update {
				// From the end, so that earlier offsets stay good.
				for j := len(s.clients) - 1; j >= 0; j-- {
					c := s.clients[j]
					lines := append([]string{c.blk.lines[0]}, c.blk.lines[1:1+c.typed]...)
					cut, err := recut(c.blk.lines[1+c.typed:], c.answer)
					if err != nil {
						t.Errorf("$ %s: %v", c.blk.cmds[0], err)
						continue
					}
					lines = append(lines, cut...)
					text = text[:c.blk.start] + strings.Join(lines, "\n") + "\n" + text[c.blk.end:]
				}
				text = text[:s.server.start] + strings.Join(append([]string{s.server.lines[0]}, got...), "\n") + "\n" + text[s.server.end:]
				return
			}
			if err := sameLines(s.server.lines[1:], got); err != nil {
				t.Errorf("%s, step-session %s, the server's terminal: %v\n(go test ./cmd/stepwise -run Teaching -update rewrites it)", teachingDoc, s.name, err)
			}
			for _, c := range s.clients {
				if err := match(c.blk.lines[1+c.typed:], c.answer); err != nil {
					t.Errorf("%s, step-session %s, $ %s: %v", teachingDoc, s.name, c.blk.cmds[0], err)
				}
			}
		})
	}
	if *update && text != string(b) {
		if err := os.WriteFile(teachingDoc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// The help, as quoted, is what h printed.
	helps := helpMarker.FindAllStringSubmatch(text, -1)
	if len(helps) == 0 {
		t.Fatalf("%s quotes no help (<!-- step-help --> before a ``` block); the marker may be broken", teachingDoc)
	}
	for _, h := range helps {
		want := strings.Split(strings.TrimSuffix(h[1], "\n"), "\n")
		if find(printed, want, 0) < 0 {
			t.Errorf("%s: the help quoted is not what h printed in the session:\n%s\n--- printed:\n%s", teachingDoc, h[1], strings.Join(printed, "\n"))
		}
	}
}

// playSession runs the server on a pseudo-terminal, types the session's
// commands at its prompts, and sends each client's parts at their steps.
// It returns what the terminal showed, normalised; each client's answer
// is in its answer field.
func playSession(t *testing.T, s *session) []string {
	cmds, err := s.commands()
	if err != nil {
		t.Fatalf("step-session %s: %v", s.name, err)
	}
	args := strings.Fields(strings.TrimPrefix(s.server.cmds[0], "go run ./cmd/stepwise"))
	for _, a := range args {
		if a == "-addr" || a == "-color" {
			t.Fatalf("step-session %s: leave %s out; the test sets it", s.name, a)
		}
	}
	term := startOnTerminal(t, append([]string{"-addr", "127.0.0.1:0", "-color", "never"}, args...))
	var shown bytes.Buffer
	typedAt := 0 // where the terminal was when the last command was typed
	port := ""
	typed := 0
	for {
		step, done := term.untilPrompt(&shown, typedAt)
		if port == "" {
			if m := regexp.MustCompile(`on http://127\.0\.0\.1:(\d+)/`).FindSubmatch(shown.Bytes()); m != nil {
				port = string(m[1])
			}
		}
		if done {
			break
		}
		for _, c := range s.clients {
			c.act(t, step, port)
		}
		if typed == len(cmds) {
			t.Fatalf("step-session %s: the server pauses at step %d, after the last command the guide shows; the terminal so far:\n%s", s.name, step, shown.String())
		}
		typedAt = shown.Len()
		term.typeLine(cmds[typed])
		typed++
	}
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("step-session %s: the server exited with %v", s.name, err)
	}
	if typed < len(cmds) {
		t.Errorf("step-session %s: the server stopped after %d commands; the guide shows %d", s.name, typed, len(cmds))
	}
	for _, c := range s.clients {
		if c.sent < len(c.parts) {
			t.Errorf("step-session %s: $ %s: sent %d of its %d parts: the server never paused at step %d", s.name, c.blk.cmds[0], c.sent, len(c.parts), c.steps[c.sent])
			continue
		}
		select {
		case out := <-c.out:
			c.answer = normalise(lines(string(out)), port, false)
		case <-time.After(ioTimeout):
			t.Errorf("step-session %s: $ %s: no answer", s.name, c.blk.cmds[0])
		}
	}
	return normalise(lines(shown.String()), port, false)
}

// act sends c's parts that are due at step.
func (c *stepClient) act(t *testing.T, step int, port string) {
	t.Helper()
	for c.sent < len(c.parts) && c.steps[c.sent] <= step {
		if c.conn == nil {
			conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, ioTimeout)
			if err != nil {
				t.Fatalf("$ %s: %v", c.blk.cmds[0], err)
			}
			conn.SetDeadline(time.Now().Add(2 * ioTimeout))
			t.Cleanup(func() { conn.Close() })
			c.conn, c.out = conn, make(chan []byte, 1)
			go func() {
				// As nc does: print what comes, and hang up when the
				// server has.
				b, _ := io.ReadAll(conn)
				conn.Close()
				c.out <- b
			}()
		}
		if _, err := io.WriteString(c.conn, c.parts[c.sent]); err != nil {
			t.Fatalf("$ %s: %v", c.blk.cmds[0], err)
		}
		c.sent++
	}
}

// A terminal is the server running on a pseudo-terminal, and its master
// side.
type terminal struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
}

// startOnTerminal starts this test binary as stepwise with args, with a new
// pseudo-terminal as its controlling terminal and its fds 0, 1 and 2.
func startOnTerminal(t *testing.T, args []string) *terminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("a pseudo-terminal for the step-through session: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var ptn uint32
	raw, err := master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ioctlErr error
	raw.Control(func(fd uintptr) {
		if ioctlErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); ioctlErr == nil {
			ptn, ioctlErr = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN)
		}
	})
	if ioctlErr != nil {
		t.Fatalf("unlocking the pseudo-terminal: %v", ioctlErr)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(ptn)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A teacher's new terminal hands the server fds 0, 1 and 2 and no
	// more. An fd this test inherited without close-on-exec (a CI
	// runner's, say) would reach the server too and shift its numbers.
	noInheritedFDs(t)
	cmd := selfCmd(args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the server holds it now; its exit ends the master's reads
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return &terminal{t: t, cmd: cmd, master: master}
}

// untilPrompt reads what the terminal shows into shown until the server
// waits at a prompt that came after byte from, and returns that pause's
// step; or until the server has exited and closed the terminal (done).
func (tm *terminal) untilPrompt(shown *bytes.Buffer, from int) (step int, done bool) {
	tm.t.Helper()
	buf := make([]byte, 4096)
	for {
		if step, ok := prompting(shown.Bytes()[from:]); ok {
			return step, false
		}
		if err := tm.master.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
			tm.t.Fatalf("a read deadline on the pseudo-terminal: %v", err)
		}
		n, err := tm.master.Read(buf)
		shown.Write(bytes.ReplaceAll(buf[:n], []byte("\r\n"), []byte("\n")))
		switch {
		case errors.Is(err, syscall.EIO), err == io.EOF:
			return 0, true // the server is gone: Linux says EIO
		case err != nil:
			tm.t.Fatalf("waiting for a prompt: %v; the terminal so far:\n%s", err, shown.String())
		}
	}
}

// prompting reports whether the terminal ends with a prompt, waiting for a
// command: a "[step N] next: ..." line, then "(...) " and nothing after.
func prompting(shown []byte) (int, bool) {
	if !bytes.HasSuffix(shown, []byte(") ")) {
		return 0, false
	}
	i := bytes.LastIndexByte(shown, '\n')
	if i < 0 || shown[i+1] != '(' {
		return 0, false
	}
	j := bytes.LastIndexByte(shown[:i], '\n') // -1: the line began before
	m := stepLine.FindSubmatch(shown[j+1 : i])
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n, true
}

// typeLine types a command and Enter; ^C is Ctrl-C, and ^D Ctrl-D, alone.
func (tm *terminal) typeLine(cmd string) {
	tm.t.Helper()
	keys := cmd + "\n"
	switch cmd {
	case "^C":
		keys = "\x03" // the terminal sends SIGINT, and shows ^C
	case "^D":
		keys = "\x04" // end of input: the read returns 0 bytes
	}
	if _, err := tm.master.Write([]byte(keys)); err != nil {
		tm.t.Fatalf("typing %q: %v", cmd, err)
	}
}

// until reads what the terminal shows into shown until done says what
// came after byte from is enough.
func (tm *terminal) until(shown *bytes.Buffer, from int, done func(after []byte) bool) {
	tm.t.Helper()
	buf := make([]byte, 4096)
	for !done(shown.Bytes()[from:]) {
		if err := tm.master.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
			tm.t.Fatalf("a read deadline on the pseudo-terminal: %v", err)
		}
		n, err := tm.master.Read(buf)
		shown.Write(bytes.ReplaceAll(buf[:n], []byte("\r\n"), []byte("\n")))
		if err != nil {
			tm.t.Fatalf("reading the terminal: %v; the terminal so far:\n%s", err, shown.String())
		}
	}
}

// startStepping starts stepwise with args on a terminal, and waits for
// its first pause, which must be step 1's.
func startStepping(t *testing.T, args ...string) (*terminal, *bytes.Buffer) {
	t.Helper()
	term := startOnTerminal(t, args)
	var shown bytes.Buffer
	if step, done := term.untilPrompt(&shown, 0); done || step != 1 {
		t.Fatalf("stepwise %q: want the first pause at step 1; the terminal shows:\n%s", args, shown.String())
	}
	return term, &shown
}

// command types cmd at a prompt, waits for the next one, and returns what
// the terminal showed in between.
func (tm *terminal) command(shown *bytes.Buffer, cmd string) string {
	tm.t.Helper()
	at := shown.Len()
	tm.typeLine(cmd)
	tm.untilPrompt(shown, at)
	return shown.String()[at:]
}

// Keys pressed while the server runs answer no prompt, but ask for one:
// a teacher who typed c with no breakpoint, then presses Enter (twice) or
// q while the server sleeps in select, gets a pause at its next step,
// accept4's once a client comes, and it waits for what is typed there.
func TestStepTypeAhead(t *testing.T) {
	term, shown := startStepping(t, "-addr", "127.0.0.1:0", "-color", "never", "-trace", "none", "-step")
	at := shown.Len()
	term.typeLine("c")
	serving := regexp.MustCompile(`on http://127\.0\.0\.1:(\d+)/\n`)
	term.until(shown, at, serving.Match)
	port := string(serving.FindSubmatch(shown.Bytes()[at:])[1])
	if !strings.Contains(shown.String()[at:], "press Enter to pause") {
		t.Errorf("c with no breakpoint does not say that Enter pauses:\n%s", shown.String()[at:])
	}

	// Typed while the server sleeps in select: once the terminal echoes
	// them, they wait in its input queue.
	inSelect(t, term.cmd.Process.Pid, false)
	at = shown.Len()
	keys := "\n\nq\n"
	if _, err := term.master.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
	term.until(shown, at, func(b []byte) bool { return string(b) == keys })

	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	at = shown.Len()
	step, done := term.untilPrompt(shown, at)
	if done || !strings.Contains(shown.String()[at:], "next: accept4(") {
		t.Fatalf("after the client connected, want a pause before accept4; the terminal shows:\n%s", shown.String()[at:])
	}
	at = shown.Len()
	term.typeLine("s")
	if next, done := term.untilPrompt(shown, at); done || next != step+1 {
		t.Fatalf("s at the breakpoint (step %d): want a pause at step %d; the terminal shows:\n%s", step, step+1, shown.String()[at:])
	}
	term.typeLine("q")
	term.untilPrompt(shown, shown.Len())
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("after q the server exited with %v", err)
	}
}

// Ctrl-D at a prompt says what it does, and stops the server, as q does
// (gdb and pdb quit on end of input too): it does not quietly turn
// stepping off.
func TestStepEndOfInput(t *testing.T) {
	term := startOnTerminal(t, []string{"-addr", "127.0.0.1:0", "-color", "never", "-trace", "none", "-step"})
	var shown bytes.Buffer
	if _, done := term.untilPrompt(&shown, 0); done {
		t.Fatalf("want a pause; the terminal shows:\n%s", shown.String())
	}
	term.stopsWith(&shown, "^D", "end of input (Ctrl-D): quitting, as q does\n")
}

// stopsWith types keys at a prompt and checks that the server then exits,
// cleanly, and that the terminal said want on the way.
func (tm *terminal) stopsWith(shown *bytes.Buffer, keys, want string) {
	tm.t.Helper()
	at := shown.Len()
	tm.typeLine(keys)
	if _, done := tm.untilPrompt(shown, at); !done {
		tm.t.Fatalf("after %s the server paused again; the terminal shows:\n%s", keys, shown.String()[at:])
	}
	if err := tm.cmd.Wait(); err != nil {
		tm.t.Errorf("after %s the server exited with %v", keys, err)
	}
	if !strings.Contains(shown.String()[at:], want) {
		tm.t.Errorf("after %s the terminal does not say %q:\n%s", keys, want, shown.String()[at:])
	}
}

// -step with -break pauses at the first step, as -step alone does, with
// the breakpoints set (gdb's start): -step is not quietly dropped.
func TestStepWithBreak(t *testing.T) {
	term, shown := startStepping(t, "-addr", "127.0.0.1:0", "-color", "never", "-trace", "none", "-step", "-break", "accept")
	if after, want := term.command(shown, "bp"), "breakpoints: accept4\n"; !strings.Contains(after, want) {
		t.Errorf("bp after -break accept does not say %q:\n%s", want, after)
	}
	term.typeLine("q")
	term.untilPrompt(shown, shown.Len())
	if err := term.cmd.Wait(); err != nil {
		t.Errorf("after q the server exited with %v", err)
	}
}

// q at a pause before the blocking model's read stops the server at once:
// the read, which would wait for the client (here up to a minute), is not
// made, and the trace says so.
func TestStepQuitBeforeBlockingRead(t *testing.T) {
	term := startOnTerminal(t, []string{"-model", "blocking", "-addr", "127.0.0.1:0", "-color", "never", "-head-timeout", "60s", "-break", "read"})
	var shown bytes.Buffer
	serving := regexp.MustCompile(`on http://127\.0\.0\.1:(\d+)/\n`)
	term.until(&shown, 0, serving.Match)
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+string(serving.FindSubmatch(shown.Bytes())[1]), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\n"); err != nil { // and no blank line
		t.Fatal(err)
	}
	at := shown.Len()
	if _, done := term.untilPrompt(&shown, at); done {
		t.Fatalf("want a pause before the first read; the terminal shows:\n%s", shown.String()[at:])
	}
	at = shown.Len()
	term.typeLine("c") // the first read takes the line; the next would wait
	if _, done := term.untilPrompt(&shown, at); done || !strings.Contains(shown.String()[at:], "request incomplete") {
		t.Fatalf("want a pause before the second read; the terminal shows:\n%s", shown.String()[at:])
	}
	term.stopsWith(&shown, "q", "c1 * quit at the step prompt: the read, which would wait for the client, is not made; closing without an answer\n")
}
