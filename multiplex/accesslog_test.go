//go:build linux

package multiplex

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

func TestAccessLog(t *testing.T) {
	var log bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, AccessLog: &log, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s, &bytes.Buffer{}}
	t.Cleanup(func() { s.Close() })
	for _, req := range []string{
		"GET /hello.txt HTTP/1.0\r\n\r\n",
		"HEAD /hello.txt HTTP/1.0\r\n\r\n",
		"HEAD /missing HTTP/1.0\r\n\r\n", // its error page is not sent: no bytes
		"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /hello.txt\r\n",
		"GET /\"quoted\" \x01 HTTP/1.0\r\n\r\n", // a hostile line cannot forge the log
	} {
		ts.get(t, req)
	}
	// The sizes of the error pages are http10's business: shown as N.
	got := regexp.MustCompile(`(?m) (404|400) [1-9]\d*$`).ReplaceAllString(log.String(), " $1 N")
	want := `127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /hello.txt HTTP/1.0" 200 6
127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "HEAD /hello.txt HTTP/1.0" 200 -
127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "HEAD /missing HTTP/1.0" 404 -
127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /missing HTTP/1.1" 404 N
127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /hello.txt" 200 6
127.0.0.1 - - [21/Nov/2026:12:00:00 +0000] "GET /\x22quoted\x22 \x01 HTTP/1.0" 400 N
`
	if got != want {
		t.Errorf("access log:\n%s\nwant:\n%s", got, want)
	}
}

// -explain: every system call and stage the server traces has an
// explanation, and each is printed once.
func TestExplanations(t *testing.T) {
	for _, name := range append(SyscallNames(), Stages()...) {
		if explanations[name] == "" {
			t.Errorf("no explanation for %q", name)
		}
	}
	var buf bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: site, Trace: trace.New(&buf, trace.Options{Explain: true}), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s, &buf}
	t.Cleanup(func() { s.Close() })
	ts.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n")
	ts.get(t, "GET /hello.txt HTTP/1.0\r\n\r\n")
	log := ts.log()
	if n := strings.Count(log, "    # "+explanations["accept4"]); n != 1 {
		t.Errorf("the accept4 explanation appears %d times in two requests; want once:\n%s", n, log)
	}
	// A head with no fields: its blank line is said to end it, not to be
	// a header line; the header line's sentence waits for a header.
	if !strings.Contains(log, "c1 >\n    # "+explanations["header-end"]) || strings.Contains(log, explanations["header"]) {
		t.Errorf("the blank line of a head without fields is not explained as its end:\n%s", log)
	}
	ts.get(t, "GET /hello.txt HTTP/1.0\r\nHost: x\r\n\r\n")
	if log := ts.log(); !strings.Contains(log, "c3 > Host: x\n    # "+explanations["header"]) {
		t.Errorf("the first header line is not explained:\n%s", log)
	}
	// A call a signal cut short is explained as such, whatever the call.
	var out bytes.Buffer
	k := sys{t: trace.New(&out, trace.Options{Explain: true})}
	k.emit(call(0, "pselect6", "1, [0], NULL, NULL, NULL, NULL", 0), unix.EINTR)
	k.t.Flush()
	if !strings.Contains(out.String(), "= -1 EINTR (Interrupted system call)\n    # "+explanations["EINTR"]) {
		t.Errorf("a select that EINTR ended is not explained as such:\n%s", out.String())
	}
}

// A download cut short is logged with the bytes of its body that went
// out, as nginx logs $body_bytes_sent, not with the file's size: here a
// client that reads nothing, closed at the write timeout.
func TestAccessLogCountsWhatWasSent(t *testing.T) {
	const size = 8 << 20
	now := clock
	var log bytes.Buffer
	s, err := Listen(Config{Addr: "127.0.0.1:0", FS: fstest.MapFS{"big.bin": {Data: make([]byte, size)}}, AccessLog: &log, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s, &bytes.Buffer{}}
	t.Cleanup(func() { s.Close() })
	c := ts.dial(t)
	send(t, c, "GET /big.bin HTTP/1.0\r\n\r\n")
	ts.turns(t, 1) // accept, read, answer: the first writes
	now = now.Add(DefaultWriteTimeout)
	s.expire(now) // the client took nothing: closed
	m := regexp.MustCompile(`"GET /big.bin HTTP/1.0" 200 (\d+)\n$`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("access log %q; want a line for GET /big.bin", log.String())
	}
	if n, _ := strconv.Atoi(m[1]); n <= 0 || n >= size {
		t.Errorf("access log says %d bytes of a %d-byte body sent; want those that went out before the close", n, size)
	}
}
