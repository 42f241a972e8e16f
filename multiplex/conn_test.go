package multiplex

import (
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
