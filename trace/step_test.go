package trace

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// script is an Input that answers each read with its next line; after
// the last, end of input. A line that starts with "~" was typed ahead,
// while the server ran: Discard throws such lines away, as tcflush does.
// keys says what Wait reports in play mode.
type script struct {
	lines []string
	keys  []bool
	reads int
}

func (s *script) Read(p []byte) (int, error) {
	if len(s.lines) == 0 {
		return 0, io.EOF
	}
	s.reads++
	n := copy(p, strings.TrimPrefix(s.lines[0], "~")+"\n")
	s.lines = s.lines[1:]
	return n, nil
}

func (s *script) Discard() error {
	for len(s.lines) > 0 && strings.HasPrefix(s.lines[0], "~") {
		s.lines = s.lines[1:]
	}
	return nil
}

func (s *script) Wait(time.Duration) (bool, error) {
	if len(s.keys) == 0 {
		return false, nil
	}
	k := s.keys[0]
	s.keys = s.keys[1:]
	return k, nil
}

// session runs the events through a stepping tracer and returns the
// numbers of the events it paused before, and what it said.
func session(t *testing.T, in *script, opt StepOptions, events []Event) (paused []int, out string) {
	t.Helper()
	var said bytes.Buffer
	opt.In, opt.Out = in, &said
	st, err := NewStepper(opt)
	if err != nil {
		t.Fatal(err)
	}
	tr := New(io.Discard, Options{Stepper: st})
	for _, e := range events {
		before := said.Len()
		if e.Kind == Syscall {
			tr.Before(e)
		}
		tr.Emit(e)
		if strings.Contains(said.String()[before:], "the whole server is waiting") {
			paused = append(paused, tr.seq)
		}
		if st.Quit() {
			break
		}
	}
	return paused, said.String()
}

// One request's worth of events: 1 select, 2 accept4, 3 state, 4 select,
// 5 read, 6 request line (c1), 7 state, 8 c2's request line, 9 write, 10 close.
var steps = []Event{
	{Kind: Syscall, Name: "pselect6"},
	{Kind: Syscall, Name: "accept4", Conn: 1},
	{Kind: State, Conn: 1, Name: "state", Text: "new connection"},
	{Kind: Syscall, Name: "pselect6"},
	{Kind: Syscall, Name: "read", Conn: 1},
	{Kind: Recv, Conn: 1, Name: "request-line", Text: "GET / HTTP/1.0"},
	{Kind: State, Conn: 1, Name: "state", Text: "reading -> writing"},
	{Kind: Recv, Conn: 2, Name: "request-line", Text: "GET /x HTTP/1.0"},
	{Kind: Syscall, Name: "write", Conn: 1},
	{Kind: Syscall, Name: "close", Conn: 1},
}

func TestStepper(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		opt   StepOptions
		want  []int  // events paused before
		says  string // in the output
	}{
		{"step each", []string{"s", "s", "s"}, StepOptions{}, []int{1, 2, 3, 4}, "[step 1] next: pselect6()"},
		{"enter repeats", []string{"s", "", ""}, StepOptions{}, []int{1, 2, 3, 4}, ""},
		{"step N", []string{"s 3", "s"}, StepOptions{}, []int{1, 4, 5}, ""},
		{"next select", []string{"n", "n"}, StepOptions{}, []int{1, 4}, "n next select, "},
		{"next select, named", []string{"n", "n"}, StepOptions{Next: "select"}, []int{1, 4}, "n next select, "},
		{"next accept, in a loop with no select", []string{"n", "n"}, StepOptions{Next: "accept", Aliases: testAliases}, []int{1, 2}, "n next accept, "},
		{"help names what n runs to", []string{"h", "c"}, StepOptions{Next: "accept", Aliases: testAliases}, []int{1}, "run to the next accept\n"},
		{"break on a call", []string{"b write", "c"}, StepOptions{}, []int{1, 9}, "next: write()"},
		{"break on a connection", []string{"b c2", "c", "c"}, StepOptions{}, []int{1, 8}, "next: c2 > GET /x HTTP/1.0"},
		{"break on a stage", []string{"b request-line", "c", "c"}, StepOptions{Stages: []string{"request-line"}}, []int{1, 6, 8}, ""},
		{"textbook name", []string{"b accept", "c"}, StepOptions{Aliases: testAliases}, []int{1, 2}, "breakpoint"},
		{"delete", []string{"b write", "d", "c"}, StepOptions{}, []int{1}, "no breakpoints"},
		{"a breakpoint set twice is one", []string{"b write", "b write,close", "c", "c"}, StepOptions{}, []int{1, 9, 10}, "breakpoints: write close\n"},
		{"Enter typed while running is thrown away", []string{"b read", "c", "~", "~", "s", "s"}, StepOptions{}, []int{1, 5, 6, 7}, ""},
		{"q typed while running is thrown away", []string{"~q", "s", "q"}, StepOptions{Break: []string{"read"}}, []int{5, 6}, ""},
		{"-step -break pauses first", []string{"c", "c"}, StepOptions{Break: []string{"read"}, Step: true}, []int{1, 5}, ""},
		{"empty breakpoint", []string{"b read,", "c"}, StepOptions{}, []int{1}, `breakpoints "read,": an empty name`},
		{"blank breakpoint", []string{"b  ", "c"}, StepOptions{}, []int{1}, "no breakpoints"},
		{"-break starts running", []string{"c"}, StepOptions{Break: []string{"read"}}, []int{5}, ""},
		{"bad command", []string{"jump", "s"}, StepOptions{}, []int{1, 2}, `unknown command "jump": type h for help`},
		{"bad step count", []string{"s x", "s"}, StepOptions{}, []int{1, 2}, `step "x": want a number`},
		{"enter after a mistake steps", []string{"s x", ""}, StepOptions{}, []int{1, 2}, ""},
		{"n takes no number", []string{"n 3", "s"}, StepOptions{}, []int{1, 2}, "n takes no number"},
		{"c takes no number", []string{"b write", "c 2", "c"}, StepOptions{}, []int{1, 9}, "c takes no number"},
		{"q takes nothing", []string{"q now", "s"}, StepOptions{}, []int{1, 2}, `q takes nothing after it, not "now"`},
		{"delete what is not there", []string{"b write", "d foo", "c"}, StepOptions{}, []int{1, 9}, `delete "foo": no such breakpoint`},
		{"step too many", []string{"s 99999999999999999999999", "s"}, StepOptions{}, []int{1, 2}, "step 99999999999999999999999: too many steps"},
		{"tab splits", []string{"s\t3", "s"}, StepOptions{}, []int{1, 4, 5}, ""},
		{"enter after a mistake repeats the last good command", []string{"n", "jump", ""}, StepOptions{}, []int{1, 4}, `unknown command "jump"`},
		{"unknown breakpoint", []string{"b reed", "c"}, StepOptions{Calls: []string{"read"}}, []int{1}, `breakpoint "reed": want a system call (read)`},
		{"unknown breakpoint names the textbook names", []string{"b selct", "c"}, StepOptions{Calls: []string{"read", "pselect6"}, Aliases: testAliases}, []int{1}, `breakpoint "selct": want a system call (read, pselect6; accept and select also work)`},
		{"help", []string{"h", "c"}, StepOptions{}, []int{1}, "repeat the last command"},
		{"fds", []string{"fds", "c"}, StepOptions{FDs: func() string { return "fd table\n" }}, []int{1}, "fd table"},
		{"fds offered", []string{"h", "c"}, StepOptions{FDs: func() string { return "" }}, []int{1}, "p play, fds, h help"},
		{"fds in help", []string{"h", "c"}, StepOptions{FDs: func() string { return "" }}, []int{1}, "\nfds              show"},
		{"end of input quits", []string{"s"}, StepOptions{}, []int{1, 2}, "end of input (Ctrl-D): quitting"},
		{"quit", []string{"s", "q"}, StepOptions{}, []int{1, 2}, ""},
		{"play", []string{"p 10ms"}, StepOptions{}, []int{1}, "[step 2] accept4()"},
		// n runs to the next select, but as in gdb a breakpoint on the way stops it.
		{"next stops at a breakpoint", []string{"b accept4", "n", "n"}, StepOptions{}, []int{1, 2, 4}, ""},
		{"a breakpoint stops play", []string{"b write", "p 1ms", "c"}, StepOptions{}, []int{1, 9}, "[step 8] c2 > GET /x HTTP/1.0"},
		{"step zero", []string{"s 0", "s"}, StepOptions{}, []int{1, 2}, `step "0": want a number`},
		{"play needs a positive pace", []string{"p 0s", "p -1s", "s"}, StepOptions{}, []int{1, 2}, `play "-1s": want a duration`},
		{"delete by textbook name", []string{"b accept", "d accept", "c"}, StepOptions{Aliases: testAliases}, []int{1}, "no breakpoints"},
		// Lines that came in one read with the c are typed ahead too: the
		// next pause throws them away.
		{"lines after c in one read are thrown away", []string{"b read", "c\nq", "s", "s"}, StepOptions{}, []int{1, 5, 6, 7}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &script{lines: tc.lines}
			paused, out := session(t, in, tc.opt, steps)
			if !slices.Equal(paused, tc.want) {
				t.Errorf("commands %q: paused before events %v; want %v\n%s", tc.lines, paused, tc.want, out)
			}
			if !strings.Contains(out, tc.says) {
				t.Errorf("commands %q: output does not say %q:\n%s", tc.lines, tc.says, out)
			}
		})
	}
}

func TestStepperQuitAndPlay(t *testing.T) {
	var said bytes.Buffer
	st, _ := NewStepper(StepOptions{In: &script{lines: []string{"q"}}, Out: &said})
	tr := New(io.Discard, Options{Stepper: st})
	tr.Before(steps[0])
	if !tr.Quit() {
		t.Error("after q: Quit() = false; want true")
	}
	// Ctrl-D at a prompt quits too, as in gdb and pdb.
	st, _ = NewStepper(StepOptions{In: &script{}, Out: &said})
	tr = New(io.Discard, Options{Stepper: st})
	tr.Before(steps[0])
	if !tr.Quit() {
		t.Error("after end of input: Quit() = false; want true")
	}
	// Ctrl-D pressed during play quits at once: no prompt waits for a
	// second one.
	said.Reset()
	st, _ = NewStepper(StepOptions{In: &script{keys: []bool{true}}, Out: &said, Delay: time.Millisecond})
	tr = New(io.Discard, Options{Stepper: st})
	tr.Before(steps[0])
	if !tr.Quit() || strings.Contains(said.String(), "waiting for you") || !strings.Contains(said.String(), "end of input (Ctrl-D): quitting") {
		t.Errorf("Ctrl-D while playing: Quit() = %v, said %q; want true, a quit and no prompt", tr.Quit(), said.String())
	}
	// A key pressed during play pauses it.
	in := &script{lines: []string{"", "c"}, keys: []bool{false, true}}
	paused, _ := session(t, in, StepOptions{Delay: time.Millisecond}, steps)
	if !slices.Equal(paused, []int{2}) {
		t.Errorf("play, key at the second step: paused before %v; want [2]", paused)
	}
	// So does a line typed after c, before the next event, whatever it
	// says: the only way back to the prompt without a breakpoint.
	in = &script{lines: []string{"c", "q", "c"}, keys: []bool{false, true}}
	paused, said2 := session(t, in, StepOptions{}, steps)
	if !slices.Equal(paused, []int{1, 3}) || !strings.Contains(said2, "press Enter to pause") {
		t.Errorf("c, then a line typed before the third step: paused before %v; want [1 3], and c to say Enter pauses:\n%s", paused, said2)
	}
	// And Ctrl-D after c quits, with no prompt after it.
	in = &script{lines: []string{"c"}, keys: []bool{true}}
	paused, said2 = session(t, in, StepOptions{}, steps)
	if !slices.Equal(paused, []int{1}) || !strings.Contains(said2, "end of input (Ctrl-D): quitting") {
		t.Errorf("c, then Ctrl-D: paused before %v; want [1], then a quit:\n%s", paused, said2)
	}
	if _, err := NewStepper(StepOptions{Break: []string{"Read!"}}); err == nil {
		t.Error(`NewStepper with breakpoint "Read!" = nil error; want one`)
	}
	for _, b := range []string{"", " ", "read,", ",read", "read,,write"} {
		if _, err := NewStepper(StepOptions{Break: []string{b}}); err == nil {
			t.Errorf("NewStepper with breakpoints %q = nil error; want one", b)
		}
	}
	if _, err := NewStepper(StepOptions{Break: []string{"acept"}, Calls: []string{"accept4"}}); err == nil {
		t.Error(`NewStepper with breakpoint "acept" among known calls = nil error; want one`)
	}
}

// Without an fd table (StepOptions.FDs nil: a server with no select
// loop), neither the prompt nor h offers fds, and fds says why.
func TestStepperNoFDs(t *testing.T) {
	_, out := session(t, &script{lines: []string{"h", "fds", "c"}}, StepOptions{}, steps)
	if strings.Contains(out, "fds,") || strings.Contains(out, "show the server's fd table") {
		t.Errorf("with no fd table, the prompt or the help offers fds:\n%s", out)
	}
	if want := "fds: this server keeps no fd table"; !strings.Contains(out, want) {
		t.Errorf("fds with no fd table does not say %q:\n%s", want, out)
	}
}
