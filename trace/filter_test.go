package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testAliases are names a server lets stand for the calls it makes.
var testAliases = map[string][]string{"accept": {"accept4"}, "select": {"pselect6"}}

func TestParseFilter(t *testing.T) {
	known := []string{"accept4", "read", "write", "pselect6", "close"}
	sys := Event{Kind: Syscall, Name: "read"}
	acc := Event{Kind: Syscall, Name: "accept4"}
	sel := Event{Kind: Syscall, Name: "pselect6"}
	recv := Event{Kind: Recv, Text: "GET / HTTP/1.0"}
	info := Event{Kind: Info, Text: "file"}
	state := Event{Kind: State, Text: "a -> b"}
	all := []Event{sys, acc, sel, recv, info, state}
	for _, tc := range []struct {
		spec string
		want []Event // the events it matches
	}{
		{"all", all},
		{"none", nil},
		{"sys", []Event{sys, acc, sel}},
		{"http", []Event{recv, info}},
		{"state", []Event{state}},
		{"http,state", []Event{recv, info, state}},
		{"accept,read", []Event{sys, acc}}, // accept is accept4
		{"select", []Event{sel}},
		{"read, http", []Event{sys, recv, info}},
		{"sys,all", all},
	} {
		f, err := ParseFilter(tc.spec, known, testAliases)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.spec, err)
			continue
		}
		var got []Event
		for _, e := range all {
			if f.Match(e) {
				got = append(got, e)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFilter(%q) matches %v; want %v", tc.spec, got, tc.want)
		}
	}
	for _, bad := range []string{"reed", "none,sys", "none,all", "all,none", "", "sys,"} {
		if _, err := ParseFilter(bad, known, testAliases); err == nil {
			t.Errorf("ParseFilter(%q) = nil error; want one", bad)
		}
	}
	// A misspelt name is answered with the names that work, the textbook
	// ones too: "select" is what a student types.
	_, err := ParseFilter("selct", known, testAliases)
	if want := `"selct" is not all, none, sys, http, state or a system call the server makes (accept4, read, write, pselect6, close; accept and select also work)`; err == nil || err.Error() != want {
		t.Errorf("ParseFilter(%q) = %v; want %s", "selct", err, want)
	}
	var zero Filter
	if !zero.Match(state) || zero.None() {
		t.Error("the zero Filter must match every event")
	}
}

func TestStamp(t *testing.T) {
	now := time.Date(2026, 11, 21, 14, 5, 6, 123456000, time.UTC)
	clock := func() time.Time { return now }
	for _, tc := range []struct {
		stamp Stamp
		want  string
	}{
		{StampNone, "c1 * x\n"},
		{StampRel, "+1.500000 c1 * x\n"},
		{StampWall, "14:05:07.623456 c1 * x\n"},
	} {
		var buf bytes.Buffer
		now = time.Date(2026, 11, 21, 14, 5, 6, 123456000, time.UTC)
		tr := New(&buf, Options{Stamp: tc.stamp, Now: clock})
		now = now.Add(1500 * time.Millisecond)
		tr.Emit(Event{Kind: Info, Conn: 1, Text: "x"})
		tr.Flush()
		if buf.String() != tc.want {
			t.Errorf("stamp %v: %q; want %q", tc.stamp, buf.String(), tc.want)
		}
	}
	// A forked child's tracer counts from its parent's start, not its own.
	var buf bytes.Buffer
	now = time.Date(2026, 11, 21, 14, 5, 6, 0, time.UTC)
	tr := New(&buf, Options{Stamp: StampRel, Now: clock, Start: now.Add(-2 * time.Second)})
	tr.Emit(Event{Kind: Info, Conn: 1, Text: "x"})
	tr.Flush()
	if want := "+2.000000 c1 * x\n"; buf.String() != want || !tr.Start().Equal(now.Add(-2*time.Second)) {
		t.Errorf("with Options.Start 2s ago: %q, Start %v; want %q", buf.String(), tr.Start(), want)
	}
	for _, s := range []string{"none", "rel", "wall"} {
		if _, ok := ParseStamp(s); !ok {
			t.Errorf("ParseStamp(%q) not ok", s)
		}
	}
	if _, ok := ParseStamp("abs"); ok {
		t.Error(`ParseStamp("abs") ok; want not`)
	}
}

// The JSON form has one object per event written, with the documented keys,
// and the same events as the text.
func TestJSON(t *testing.T) {
	start := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	now := start
	var text, js bytes.Buffer
	f, _ := ParseFilter("sys,http", nil, nil)
	tr := New(&text, Options{JSON: &js, Filter: f, Now: func() time.Time { return now }})
	now = now.Add(250 * time.Millisecond)
	tr.Emit(Event{Kind: Syscall, Conn: 1, Name: "read", Args: `5, "GET", 16384`, Ret: 3, Comment: "c1"})
	tr.Emit(Event{Kind: State, Conn: 1, Text: "reading -> writing"}) // filtered out, still numbered
	tr.Emit(Event{Kind: Syscall, Name: "accept4", Args: "3, {}, [112], SOCK_CLOEXEC|SOCK_NONBLOCK", Ret: -1, Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"})
	tr.Emit(Event{Kind: Recv, Conn: 2, Text: "GET / HTTP/1.0"})
	tr.Flush()

	zero, minus := 3, -1
	want := []JSONEvent{
		{Seq: 1, T: 0.25, Kind: "syscall", Conn: 1, Name: "read", Args: `5, "GET", 16384`, Ret: &zero, Comment: "c1"},
		{Seq: 3, T: 0.25, Kind: "syscall", Name: "accept4", Args: "3, {}, [112], SOCK_CLOEXEC|SOCK_NONBLOCK", Ret: &minus, Errno: "EAGAIN", ErrText: "Resource temporarily unavailable"},
		{Seq: 4, T: 0.25, Kind: "recv", Conn: 2, Text: "GET / HTTP/1.0"},
	}
	out := js.String()
	var got []JSONEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e JSONEvent
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, e)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON events:\n%s\nwant %+v", out, want)
	}
	if n := strings.Count(text.String(), "\n"); n != len(want) {
		t.Errorf("text has %d lines, JSON %d events; want the same events in both", n, len(want))
	}
	// Keys are stable and lower case; empty fields are left out.
	if first := strings.SplitN(out, "\n", 2)[0]; first != `{"seq":1,"t":0.25,"kind":"syscall","conn":1,"name":"read","args":"5, \"GET\", 16384","ret":3,"comment":"c1"}` {
		t.Errorf("first JSON line: %s", first)
	}
}

// With Explain, an explanation is printed under the first event that
// carries it, and never again; without, never.
func TestExplain(t *testing.T) {
	events := []Event{
		{Kind: Syscall, Name: "accept4", Ret: 5, Explain: "accept takes a connection"},
		{Kind: Syscall, Name: "read", Ret: 3, Explain: "read reads"},
		{Kind: Syscall, Name: "accept4", Ret: 6, Explain: "accept takes a connection"},
	}
	for _, on := range []bool{true, false} {
		var buf, js bytes.Buffer
		tr := New(&buf, Options{Explain: on, JSON: &js})
		for _, e := range events {
			tr.Emit(e)
		}
		tr.Flush()
		want := "accept4() = 5\nread() = 3\naccept4() = 6\n"
		if on {
			want = "accept4() = 5\n    # accept takes a connection\nread() = 3\n    # read reads\naccept4() = 6\n"
		}
		if buf.String() != want {
			t.Errorf("Explain %v:\n%s\nwant:\n%s", on, buf.String(), want)
		}
		// The JSON carries each explanation once too, on the same event.
		if n := strings.Count(js.String(), `"explain":"accept takes a connection"`); on && n != 1 || !on && strings.Contains(js.String(), `"explain"`) {
			t.Errorf("Explain %v: JSON has the accept explanation %d times:\n%s", on, n, js.String())
		}
	}
}
