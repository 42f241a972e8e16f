// The race detector changes how often code allocates, so allocation
// counts are checked only without it.

//go:build !race

package http10

import "testing"

// Append grows its buffer once, to the response's size, rather than once
// per doubling: one allocation for a response of any size.
func TestAppendAllocatesOnce(t *testing.T) {
	r := sizedResponse()
	if allocs := testing.AllocsPerRun(100, func() { r.Append(nil) }); allocs != 1 {
		t.Errorf("Append(nil) made %v allocations; want 1", allocs)
	}
}

// A value folded over thousands of lines is joined in one growing buffer,
// not copied again for every line: that cost the server's one loop some
// 10 ms for a 16 KiB head of three-byte folded lines.
func TestFoldedValueAllocations(t *testing.T) {
	head := []byte("GET / HTTP/1.0\r\nX: a\n")
	for len(head) < 16000 {
		head = append(head, "\tb\n"...)
	}
	head = append(head, '\n')
	lim := Limits{}.WithDefaults()
	if _, _, err := ParseRequest(head, lim); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(5, func() { ParseRequest(head, lim) }); allocs > 50 {
		t.Errorf("parsing a head of %d folded lines made %v allocations; want at most 50", (len(head)-22)/3, allocs)
	}
}
