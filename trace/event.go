package trace

import (
	"strconv"
	"strings"
)

// Kind says what sort of step an Event records.
type Kind uint8

const (
	// Syscall is a system call and its result, printed as strace prints it.
	Syscall Kind = iota + 1
	// Recv is something a peer sent, as the server understood it ("c1 > ...").
	Recv
	// Send is something the server is sending to a peer ("c1 < ...").
	Send
	// Info is a decision the server took ("c1 * ...").
	Info
	// State is a connection moving from one state to the next.
	State
)

// String returns the lower-case name of k, as used in filters and JSON.
func (k Kind) String() string {
	switch k {
	case Syscall:
		return "syscall"
	case Recv:
		return "recv"
	case Send:
		return "send"
	case Info:
		return "info"
	case State:
		return "state"
	}
	return "unknown"
}

// An Event is one step the server took. Events are emitted in the order
// they happen.
type Event struct {
	Seq  int // set by the Tracer: 1 for the first event emitted, 2 for the next, ...
	Kind Kind
	Conn int // 1 for the first accepted connection (c1), 2 for the next, ...; 0 for none

	// Task is the thread or process that took the step, when several
	// share one trace: its line starts "[pid 1234] ", as under strace -f.
	// 0 is the main one, whose lines have no label.
	Task int

	// For a Syscall: the call's real name, its arguments as strace prints
	// them, and its return value. A failed call has Ret -1 and Errno set to
	// the symbolic name ("EAGAIN") and ErrText to its description.
	Name    string
	Args    string
	Ret     int
	Errno   string
	ErrText string
	Extra   string // printed after the result, e.g. "(in [5])"

	// Text is the line itself for Recv, Send, Info and State events.
	Text string

	// Comment is printed at the end of the line as /* Comment */, for
	// example which fd is which ("3=listener 5=c1").
	Comment string

	// Explain is one plain sentence about this kind of step, for
	// beginners; a Tracer with Options.Explain prints it under the first
	// event that carries it.
	Explain string
}

// Label names connection n as the trace does: "c1", "c2", ...
func Label(n int) string {
	if n <= 0 {
		return ""
	}
	return "c" + strconv.Itoa(n)
}

// ParseLabel is the inverse of Label: it returns n for "cn", and false for
// anything Label does not make ("c0", "c01", "cx").
func ParseLabel(s string) (n int, ok bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "c"))
	return n, err == nil && Label(n) == s
}
