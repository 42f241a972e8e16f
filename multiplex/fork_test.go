//go:build linux

package multiplex

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stepwise/trace"
)

// When no child can be started (out of processes, say), the client gets
// a 503 that says why, not a connection closed without a word.
func TestForkExecFailureAnswers503(t *testing.T) {
	var out bytes.Buffer
	f, err := ListenFork(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(&out, trace.Options{}), Now: func() time.Time { return clock }}, ForkFiles{})
	if err != nil {
		t.Fatal(err)
	}
	f.exe = filepath.Join(t.TempDir(), "no-such-program")
	done := make(chan error, 1)
	go func() { done <- f.Serve() }()
	c, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(c)
	f.Interrupt(syscall.SIGTERM)
	if serr := <-done; serr != nil {
		t.Errorf("Serve: %v", serr)
	}
	if !strings.HasPrefix(string(resp), "HTTP/1.0 503 Service Unavailable\r\n") || !strings.Contains(string(resp), "fork+exec failed") {
		t.Errorf("got %q (%v); want a 503 that says fork+exec failed", resp, err)
	}
	// The socket stops blocking, so that reading what the client sent
	// cannot hold the parent; the read is there, before the close, so that
	// the close does not reset the connection under the answer.
	for _, want := range []string{"c1 * no process to serve this client: fork+exec failed: no such file or directory\n", "fcntl(", ", F_SETFL, O_RDWR|O_NONBLOCK) = 0 /* c1 */\n", "\nshutdown(", "\nread(", "\nclose("} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the trace has no %q:\n%s", want, out.String())
		}
	}
}
