package main

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// wantNumbers is numbers.txt as it should be, made another way.
func wantNumbers() []byte {
	var b bytes.Buffer
	for i := 1; i <= 131072; i++ {
		fmt.Fprintf(&b, "%06d of 131072, 64 bytes each: made by stepwise as it is read\n", i)
	}
	return b.Bytes()
}

// numbers.txt is 8 MiB of numbered 64-byte lines, whatever the size of
// the reads that take it, and says its size before it is read.
func TestNumbers(t *testing.T) {
	want := wantNumbers()
	if len(want) != numbersSize {
		t.Fatalf("%d bytes made another way; numbersSize is %d", len(want), numbersSize)
	}
	f, err := demoSite{}.Open(numbersName)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != numbersSize || !fi.Mode().IsRegular() || !fi.ModTime().IsZero() {
		t.Errorf("Stat: %v, %v; want a regular file of %d bytes with no modification time", fi, err, numbersSize)
	}
	// TestReader reads it in many ways: one byte, odd sizes, all at once.
	if err := iotest.TestReader(f.(io.Reader), want); err != nil {
		t.Error(err)
	}
}
