package multiplex

import (
	"strings"
	"testing"

	"stepwise/http10"
)

func TestWorthParsing(t *testing.T) {
	lim := http10.Limits{RequestLine: 10, Head: 20}
	for _, tc := range []struct {
		fresh    string
		total    int
		headDone bool
		want     bool
	}{
		{"G", 1, false, false},           // inside the request line
		{"GET / HTTP", 10, false, true},  // reaches the request-line limit
		{"x", 11, false, false},          // past it already: nothing new
		{"\n", 12, false, true},          // a line ends
		{"\r", 12, false, true},          // a CR may be a bare CR: the parser refuses it
		{"\x00", 5, false, true},         // a control byte is refused at once
		{"\x7f", 5, false, true},         // so is DEL
		{"abc", 21, false, true},         // crosses the head limit
		{"abc", 30, false, false},        // past both
		{"body", 100, true, true},        // the body may be complete now
		{"\x16\x03\x01", 3, false, true}, // TLS: refused on the first read
		{"ue", 17, false, false},         // a header line in progress
	} {
		if got := worthParsing([]byte(tc.fresh), tc.total, tc.headDone, lim); got != tc.want {
			t.Errorf("worthParsing(%q, %d, %v) = %v; want %v", tc.fresh, tc.total, tc.headDone, got, tc.want)
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
		{"GET /\x00 HTTP/1.0\r\n", 5, `GET /\x00 HTTP/1.0\r\n`, 5},
		{"GET /\x00\x01 HTTP/1.0\r\n", 6, `GET /\x00\x01 HTTP/1.0\r\n`, 9}, // after an escaped byte
		{"GET /abc", 8, "GET /abc", 8},                                     // the byte that has not come yet
		{strings.Repeat("a", 100), 80, "..." + strings.Repeat("a", 50), 33},
	} {
		line, col := pointAt([]byte(tc.buf), tc.off)
		if line != tc.line || col != tc.col {
			t.Errorf("pointAt(%q, %d) = %q, %d; want %q, %d", tc.buf, tc.off, line, col, tc.line, tc.col)
		}
	}
}
