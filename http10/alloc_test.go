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
