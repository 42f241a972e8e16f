package main

import (
	"os"
	"strconv"
	"syscall"
	"testing"
)

// noInheritedFDs marks close-on-exec every fd above 2 that this test
// process holds, so that the servers of the lessons and of the teaching
// guide's step session do not inherit them. An fd
// that whatever started go test left open without close-on-exec (a shell,
// an editor, a CI runner) is passed down to every program the test runs,
// and would take a number the server's trace shows: the transcripts'
// fds would depend on who ran the test.
func noInheritedFDs(t *testing.T) {
	t.Helper()
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if fd, err := strconv.Atoi(name); err == nil && fd > 2 {
			syscall.CloseOnExec(fd) // the directory's own fd, closed by now, does no harm
		}
	}
}
