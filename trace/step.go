package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Stepper pauses the server before each event, like a debugger, and
// reads what to do from a terminal. While it waits, the whole server
// waits: there is only one goroutine to wait.
//
// What is typed at a prompt is read as a command. A line typed while the
// server runs (playing, or after c) asks only for a pause before the next
// event; anything else typed meanwhile is discarded before the prompt
// (StepOptions.In's Discard).
//
// Commands (gdb's and delve's words, split at any white space; Enter
// repeats the last one that worked, and a wrong one says what is wrong):
//
//	s, step [N]       do the next N steps (default 1), then pause
//	n, next           run to the next select (or accept: StepOptions.Next)
//	c, continue       run until a breakpoint (or a line typed meanwhile)
//	b, break X[,Y]    pause before X: a system call (accept, read, ...), a
//	                  connection (c2), or a stage the server names; b alone
//	                  lists
//	d, delete [X]     delete breakpoint X, or all of them
//	p, play [DUR]     step on by itself every DUR (default 500ms); a key pauses
//	fds               show the server's fd table
//	h, help           this list
//	q, quit           stop the server (so does end of input: Ctrl-D)
type Stepper struct {
	in      *bufio.Reader
	out     io.Writer
	input   Input
	fds     func() string
	calls   []string            // system call names a breakpoint may name; nil: any
	aliases map[string][]string // other names for them: "accept" for accept4
	next    string              // what n runs to, as the prompt says: "select"
	nextAt  []string            // the calls that are it: pselect6
	stages  []string
	breaks  []string
	mode    stepMode
	count   int           // steps left before the next pause, in stepping mode
	delay   time.Duration // play mode's pace
	last    string        // the command Enter repeats
	quit    bool
	paused  time.Duration // time spent waiting for the person, in all
	since   time.Time     // when the pause under way began; zero if none
	now     func() time.Time
}

// Input is where a Stepper reads commands: normally the terminal.
type Input interface {
	io.Reader
	// Wait waits up to d for something to read (a key pressed), and
	// reports whether it came.
	Wait(d time.Duration) (bool, error)
	// Discard throws away what was typed and not yet read: keys pressed
	// while the server ran, which are not answers to the prompt to come.
	Discard() error
}

type stepMode uint8

const (
	stepping   stepMode = iota // pause before every event
	toNext                     // run to the next select (Stepper.nextAt)
	continuing                 // run until a breakpoint
	playing                    // pause for a moment before every event
)

// StepOptions configure a Stepper.
type StepOptions struct {
	In    Input         // commands (end of input quits, as q does); nil: never pause
	Out   io.Writer     // prompts and answers
	FDs   func() string // the fd table, for the fds command; nil: not available
	Break []string      // breakpoints to start with; if any, the server runs until one
	Step  bool          // pause before the first event even so (gdb's start)
	Delay time.Duration // slow motion: play at this pace from the start
	// Stages are the names the server gives its events that are not
	// system calls, and Calls the system calls it makes; breakpoints may
	// name them. With Calls nil, any name that looks like one is taken.
	Stages  []string
	Calls   []string
	Aliases map[string][]string // names that stand for calls: "accept" for accept4
	// Next is what n runs to, as the prompt names it: "select", the
	// default (pselect6), the top of a select loop; or, for a server that
	// has none, the call at the top of its loop, "accept" say (which
	// Aliases may turn into accept4).
	Next string
	// Now is the clock Paused is measured with; nil means time.Now.
	Now func() time.Time
}

// NewStepper returns a Stepper. With no breakpoints and no delay, or
// with opt.Step, it pauses before the very first event.
func NewStepper(opt StepOptions) (*Stepper, error) {
	s := &Stepper{out: opt.Out, input: opt.In, fds: opt.FDs, stages: opt.Stages, calls: opt.Calls, aliases: opt.Aliases, now: opt.Now, last: "s"}
	if s.now == nil {
		s.now = time.Now
	}
	s.next, s.nextAt = opt.Next, opt.Aliases[opt.Next]
	switch {
	case s.next == "", s.next == "select" && s.nextAt == nil:
		s.next, s.nextAt = "select", []string{"pselect6"}
	case s.nextAt == nil:
		s.nextAt = []string{s.next}
	}
	if opt.In != nil {
		s.in = bufio.NewReader(opt.In)
	}
	if s.out == nil {
		s.out = io.Discard
	}
	for _, b := range opt.Break {
		if err := s.addBreak(b); err != nil {
			return nil, err
		}
	}
	switch {
	case opt.Delay > 0:
		s.mode, s.delay = playing, opt.Delay
	case len(s.breaks) > 0 && !opt.Step:
		s.mode = continuing
	}
	return s, nil
}

// Paused is how long the server has waited for the person so far, at
// prompts and in slow motion. A server subtracts it from its clock, so
// that deadlines count only the time it runs: a class can talk over a
// paused request without it timing out.
func (s *Stepper) Paused() time.Duration {
	if s == nil {
		return 0
	}
	if !s.since.IsZero() {
		return s.paused + s.now().Sub(s.since) // a pause under way counts too
	}
	return s.paused
}

// Quit reports whether the person at the terminal asked to stop.
func (s *Stepper) Quit() bool { return s != nil && s.quit }

// addBreak sets the breakpoints of the list b, all of them or, if one
// is wrong, none.
func (s *Stepper) addBreak(b string) error {
	var breaks []string
	for _, name := range strings.Split(b, ",") {
		name = strings.TrimSpace(name)
		_, conn := ParseLabel(name)
		switch {
		case name == "":
			return fmt.Errorf("breakpoints %q: an empty name (a stray comma?); want names separated by commas, e.g. accept,c2", b)
		case s.aliases[name] != nil:
			breaks = append(breaks, s.aliases[name]...)
		case conn, slices.Contains(s.stages, name), slices.Contains(s.calls, name), s.calls == nil && isIdent(name):
			breaks = append(breaks, name)
		default:
			return fmt.Errorf("breakpoint %q: want a system call (%s), a connection (c2) or a stage (%s)", name, callList(s.calls, s.aliases), strings.Join(s.stages, ", "))
		}
	}
	for _, name := range breaks {
		if !slices.Contains(s.breaks, name) { // set twice, a breakpoint is still one
			s.breaks = append(s.breaks, name)
		}
	}
	return nil
}

func isIdent(s string) bool {
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// hits reports whether e is at a breakpoint.
func (s *Stepper) hits(e Event) bool {
	for _, b := range s.breaks {
		if b == e.Name || e.Conn > 0 && b == Label(e.Conn) {
			return true
		}
	}
	return false
}

// pause is called before e happens (a system call) or is shown (anything
// else). It returns once the person says to go on.
func (s *Stepper) pause(e Event, what string) {
	if s == nil || s.in == nil || s.quit {
		return
	}
	s.since = s.now()
	defer func() {
		s.paused += s.now().Sub(s.since)
		s.since = time.Time{}
	}()
	switch s.mode {
	case toNext:
		if !slices.Contains(s.nextAt, e.Name) && !s.hits(e) {
			return
		}
	case continuing:
		if !s.hits(e) && !s.keyed(0) {
			return
		}
	case playing:
		if s.hits(e) {
			break // a breakpoint stops the show
		}
		fmt.Fprintf(s.out, "[step %d] %s\n", e.Seq, what)
		if !s.keyed(s.delay) {
			return
		}
	case stepping:
		if s.count > 1 {
			s.count--
			return
		}
	}
	s.mode, s.count = stepping, 0
	// Keys typed while the server ran (Enter pressed while nothing seemed
	// to happen, a q) answer no question yet: carried out here they would
	// skip this very pause. Throw them away before asking.
	s.in.Discard(s.in.Buffered())
	s.input.Discard()
	for {
		fds := ", fds" // offered only where there is a table to show
		if s.fds == nil {
			fds = ""
		}
		fmt.Fprintf(s.out, "[step %d] next: %s\n(the whole server is waiting for you: s step, n next %s, c continue, b break, p play%s, h help, q quit) ", e.Seq, what, s.next, fds)
		line, err := s.in.ReadString('\n')
		switch {
		case err == io.EOF && line == "":
			s.endOfInput()
			return
		case err != nil && line == "":
			// Ctrl-C while waiting (or the terminal failed): stop pausing,
			// so the server runs on, and the signal gets through.
			fmt.Fprintln(s.out)
			s.in = nil
			return
		}
		if s.command(strings.TrimSpace(line)) {
			return
		}
	}
}

// keyed waits up to d for a line typed while the server runs on, playing
// or after c, and reports whether one came: it asks for a pause before
// the next event, whatever it says, as a key pressed in gdb's continue
// (Ctrl-C there) does. Ctrl-D quits at once, not at a second one.
func (s *Stepper) keyed(d time.Duration) bool {
	key, err := s.input.Wait(d)
	if err != nil {
		s.in = nil // the terminal is gone: run on
		return false
	}
	if !key {
		return false
	}
	if line, err := s.in.ReadString('\n'); err == io.EOF && line == "" {
		s.endOfInput()
		return false
	}
	return true
}

// endOfInput is Ctrl-D, at a prompt or while playing: nobody will type
// more, so the server stops, as gdb and pdb do.
func (s *Stepper) endOfInput() {
	fmt.Fprintln(s.out, "\nend of input (Ctrl-D): quitting, as q does")
	s.quit = true
}

// command carries out one command line and reports whether the server
// should go on.
func (s *Stepper) command(line string) bool {
	if line == "" {
		line = s.last
	}
	valid := s.last
	s.last = line // Enter repeats it, unless it turns out wrong
	if goOn, ok := s.do(line); ok {
		return goOn
	}
	s.last = valid // a mistake is not repeated: Enter does the last good one
	return false
}

// do carries out one command line, as command does; ok is false (after
// saying what was wrong) if it was not a command.
func (s *Stepper) do(line string) (goOn, ok bool) {
	fields := strings.Fields(line) // "s\t2" too
	word, arg := fields[0], strings.Join(fields[1:], " ")
	switch word {
	case "n", "next", "c", "continue", "bp", "breakpoints", "fds", "h", "help", "?", "q", "quit":
		if arg == "" {
			break
		}
		if _, err := strconv.Atoi(arg); err == nil {
			fmt.Fprintf(s.out, "%s takes no number (s N does N steps)\n", word)
		} else {
			fmt.Fprintf(s.out, "%s takes nothing after it, not %q\n", word, arg)
		}
		return false, false
	}
	switch word {
	case "s", "step":
		n := 1
		if arg != "" {
			var err error
			n, err = strconv.Atoi(arg)
			switch {
			case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(arg, "-"):
				fmt.Fprintf(s.out, "step %s: too many steps (at most %d)\n", arg, math.MaxInt)
				return false, false
			case err != nil || n < 1:
				fmt.Fprintf(s.out, "step %q: want a number of steps, e.g. s 5\n", arg)
				return false, false
			}
		}
		s.mode, s.count = stepping, n
		return true, true
	case "n", "next":
		s.mode = toNext
		return true, true
	case "c", "continue":
		s.mode = continuing
		if len(s.breaks) == 0 {
			fmt.Fprintln(s.out, "no breakpoints: running freely; press Enter to pause at the next step (Ctrl-C stops the server)")
		}
		return true, true
	case "b", "break":
		if arg == "" {
			s.listBreaks()
			return false, true
		}
		if err := s.addBreak(arg); err != nil {
			fmt.Fprintln(s.out, err)
			return false, false
		}
		s.listBreaks()
		return false, true
	case "bp", "breakpoints":
		s.listBreaks()
		return false, true
	case "d", "delete":
		if arg == "" {
			s.breaks = nil
		} else {
			kept := slices.DeleteFunc(slices.Clone(s.breaks), func(b string) bool { return b == arg || slices.Contains(s.aliases[arg], b) })
			if len(kept) == len(s.breaks) {
				fmt.Fprintf(s.out, "delete %q: no such breakpoint (bp lists them)\n", arg)
				return false, false
			}
			s.breaks = kept
		}
		s.listBreaks()
		return false, true
	case "p", "play":
		d := 500 * time.Millisecond
		if arg != "" {
			var err error
			if d, err = time.ParseDuration(arg); err != nil || d <= 0 {
				fmt.Fprintf(s.out, "play %q: want a duration, e.g. p 300ms\n", arg)
				return false, false
			}
		}
		s.mode, s.delay = playing, d
		fmt.Fprintf(s.out, "playing, one step every %v: press Enter to pause\n", d)
		return true, true
	case "fds":
		if s.fds == nil {
			fmt.Fprintln(s.out, "fds: this server keeps no fd table (the select loop does)")
			return false, false
		}
		fmt.Fprint(s.out, s.fds())
		return false, true
	case "h", "help", "?":
		help := strings.Replace(stepHelp, "the next select", "the next "+s.next, 1)
		if s.fds == nil {
			help = strings.Replace(help, fdsHelp, "", 1)
		}
		fmt.Fprint(s.out, help)
		if len(s.stages) > 0 {
			fmt.Fprintln(s.out, "stages:", strings.Join(s.stages, " "))
		}
		return false, true
	case "q", "quit":
		s.quit = true
		return true, true
	}
	fmt.Fprintf(s.out, "unknown command %q: type h for help\n", word)
	return false, false
}

func (s *Stepper) listBreaks() {
	if len(s.breaks) == 0 {
		fmt.Fprintln(s.out, "no breakpoints")
		return
	}
	fmt.Fprintln(s.out, "breakpoints:", strings.Join(s.breaks, " "))
}

const stepHelp = `s, step [N]      do the next N steps (default 1), then pause
n, next          run to the next select
c, continue      run until a breakpoint; Enter pauses sooner
b, break X[,Y]   pause before X: a system call (accept, read, ...), a connection (c2),
                 or a stage (listed below)
bp               list breakpoints          d, delete [X]   delete one, or all
p, play [DUR]    step on by itself every DUR (default 500ms); Enter pauses
fds              show the server's fd table
h, help          this list                 q, quit         stop the server
Enter            repeat the last command
`

// fdsHelp is stepHelp's line for fds, left out where there is no table.
const fdsHelp = "fds              show the server's fd table\n"
