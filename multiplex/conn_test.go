package multiplex

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"stepwise/http10"
)

func TestWorthParsing(t *testing.T) {
	line := http10.Partial{Next: 10}                   // a line in progress: the next decision is at 10 bytes
	afterLF := http10.Partial{Method: "GET", Next: 13} // the byte after a line feed decides
	for _, tc := range []struct {
		fresh string
		total int
		p     http10.Partial
		want  bool
	}{
		{"GET /", 5, http10.Partial{}, true}, // the first read
		{"G", 6, line, false},                // inside the line
		{"a", 10, line, true},                // reaches Next: a limit
		{"abc", 12, line, true},              // past it
		{"\n", 8, line, true},                // a line ends
		{"\r", 8, line, true},                // a CR may be a bare CR: the parser refuses it
		{"\x00", 8, line, true},              // a control byte is refused at once
		{"\x7f", 8, line, true},              // so is DEL
		{"\x16\x03\x01", 3, line, true},      // TLS
		{"H", 13, afterLF, true},             // an ordinary byte after a line feed
		{"body", 100, http10.Partial{HeadDone: true, Next: 100}, true},   // the body's last byte
		{"bo\ndy", 99, http10.Partial{HeadDone: true, Next: 100}, false}, // short of it, line feed or not
	} {
		if got := worthParsing([]byte(tc.fresh), tc.total, tc.p); got != tc.want {
			t.Errorf("worthParsing(%q, %d, %+v) = %v; want %v", tc.fresh, tc.total, tc.p, got, tc.want)
		}
	}
}

func TestPointAt(t *testing.T) {
	for _, tc := range []struct {
		buf  string
		off  int
		line string
		col  int
	}{
		{"GET / HTTP/1.0 extra\r\n\r\n", 15, `GET / HTTP/1.0 extra\r\n`, 15},
		{"GET / HTTP/1.0\r\nBad Header\r\n\r\n", 19, `Bad Header\r\n`, 3},
		{"GET /\x00 HTTP/1.0\r\n", 5, `GET /\0 HTTP/1.0\r\n`, 5},
		{"GET /\x00\x01 HTTP/1.0\r\n", 6, `GET /\0\1 HTTP/1.0\r\n`, 7}, // after an escaped byte
		{"GET /\x01\x017\r\n", 6, `GET /\1\0017\r\n`, 7},               // octal in full before a digit, as strace
		{"\xff\r\n", 0, `\377\r\n`, 0},                                 // as the read line shows it
		{"Bad Name\\x01: v\r\n", 8, `Bad Name\\x01: v\r\n`, 8},         // a client's backslash, doubled: not a byte
		{"Bad Name\x01: v\r\n", 8, `Bad Name\1: v\r\n`, 8},             // the byte itself
		{`GET /"a" HTTP/1.0` + "\r\n", 5, `GET /"a" HTTP/1.0\r\n`, 5},  // no quotes around it: none escaped
		{"GET /abc", 8, "GET /abc", 8},                                 // the byte that has not come yet
		{strings.Repeat("a", 100), 80, "..." + strings.Repeat("a", 50), 33},
		// Exactly the window on each side: all of it shown, and no "..." for what was not cut.
		{strings.Repeat("a", 60), 30, strings.Repeat("a", 60), 30},
		{strings.Repeat("a", 61), 30, strings.Repeat("a", 60) + "...", 30},
		{strings.Repeat("a", 61), 31, "..." + strings.Repeat("a", 60), 33},
	} {
		line, col := pointAt([]byte(tc.buf), tc.off)
		if line != tc.line || col != tc.col {
			t.Errorf("pointAt(%q, %d) = %q, %d; want %q, %d", tc.buf, tc.off, line, col, tc.line, tc.col)
		}
	}
}

// TestReuse checks what a closed conn keeps for the next connection: its
// small buffers, empty, and nothing else.
func TestReuse(t *testing.T) {
	small, big := make([]byte, 10, keepBytes), make([]byte, 10, keepBytes+1)
	c := &conn{fd: 9, id: 3, state: stateDraining, pending: http10.Partial{HeadDone: true, Method: "GET", Next: 9}, linger: true, in: small, wire: small[:5], out: small[5:], fileLeft: 7, piece: big, line: "GET /", status: 200, size: 6}
	c.peer = netip.MustParseAddrPort("127.0.0.1:1")
	c.deadline = clock
	got := c.reuse()
	if got != c {
		t.Fatal("reuse returned another conn")
	}
	if len(c.in) != 0 || cap(c.in) != keepBytes || len(c.wire) != 0 || cap(c.wire) != keepBytes {
		t.Errorf("small buffers: in len %d cap %d, wire len %d cap %d; want empty, cap %d kept", len(c.in), cap(c.in), len(c.wire), cap(c.wire), keepBytes)
	}
	c.in, c.wire = nil, nil
	if !reflect.DeepEqual(*c, conn{}) {
		t.Errorf("after reuse, besides its buffers: %+v; want a zero conn", *c)
	}
	c = &conn{in: big, wire: big}
	if c.reuse(); c.in != nil || c.wire != nil {
		t.Errorf("buffers over %d bytes kept: in cap %d, wire cap %d", keepBytes, cap(c.in), cap(c.wire))
	}
}

// TestSpareConns checks that the server serves a new connection with the
// conn of one it closed, and answers it as it answered the first.
func TestSpareConns(t *testing.T) {
	s := newServer(t, site)
	first := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n")
	if len(s.spare) != 1 {
		t.Fatalf("%d spare conns after one connection closed; want 1", len(s.spare))
	}
	spare := s.spare[0]
	s.get(t, "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello") // fills the spare's buffers
	if second := s.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n"); second != first {
		t.Errorf("served by a spare conn:\n%q\nwant, as the first time:\n%q", second, first)
	}
	if len(s.spare) != 1 || s.spare[0] != spare {
		t.Errorf("spare conns %v; want the one conn, reused each time", s.spare)
	}
}

// The note of a full threads or fork server counts its workers in words.
func TestAllBusy(t *testing.T) {
	for n, want := range map[int]string{1: "the one thread is", 2: "both threads are", 256: "all 256 threads are"} {
		if got := allBusy(n, "thread", "threads"); got != want {
			t.Errorf("allBusy(%d) = %q; want %q", n, got, want)
		}
	}
}
