package main

// The loopback stress suite (issue 4, "Prove it"): slowloris, faulted
// connections, more clients than select's fd_set holds, and a long mixed
// run. Each test logs one "figure:" line for docs/reliability.md; reproduce
// them with
//
//	go test ./cmd/stepwise -count=1 -run Stress -v
//
// The tests wait for the server only by reading from the client side,
// until a status line or end of file, with a conn deadline that fails the
// test if the server never answers: no goroutines, no sleeps.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needFDs fails the test if this process may not open n fds. The Go
// runtime raises RLIMIT_NOFILE's soft limit to the hard limit at start.
func needFDs(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < n {
		t.Fatalf("RLIMIT_NOFILE is %d (hard %d); this test opens over 1000 client sockets and needs at least %d: raise it with ulimit -Hn", lim.Cur, lim.Max, n)
	}
}

// get sends GET path on a new connection and fails the test unless the
// answer is 200 OK.
func get(t *testing.T, s *server, path string) {
	t.Helper()
	resp, err := exchange(t, s.addr, "GET "+path+" HTTP/1.0\r\n\r\n")
	if line := statusLine(resp); err != nil || line != "HTTP/1.0 200 OK" {
		t.Fatalf("GET %s: status line %q (%v); want HTTP/1.0 200 OK", path, line, err)
	}
}

// loopFDs counts the fds of process pid, leaving out the two the Go
// runtime holds for its timers (epoll_create1 and eventfd2, which the
// server has it open at start): they are not the loop's.
func loopFDs(t *testing.T, pid int) int {
	t.Helper()
	n, err := ownFDs(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// settle makes normal requests for path, each a full round trip, until
// the server's loopFDs count is want or 200 requests have passed, and
// returns the last count and the number of requests made. A client that
// read end of file knows its own fd is closed, but the server may not yet
// have read the resets and closes of clients before it: each round trip is
// one more turn of its loop.
func settle(t *testing.T, s *server, path string, want int) (fds, requests int) {
	t.Helper()
	for requests = 1; requests <= 200; requests++ {
		get(t, s, path)
		if fds = loopFDs(t, s.pid); fds == want {
			break
		}
	}
	return fds, requests
}

// vmRSS returns the resident set size of process pid, in KiB.
func vmRSS(t *testing.T, pid int) int {
	t.Helper()
	b := readFile(t, fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatalf("/proc/%d/status: %q: %v", pid, line, err)
			}
			return kb
		}
	}
	t.Fatalf("/proc/%d/status has no VmRSS line", pid)
	return 0
}

// alive fails the test unless process pid exists and is not a zombie.
func alive(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("kill -0 %d: %v; the server is gone", pid, err)
	}
	b := readFile(t, fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(b)) {
		if state, ok := strings.CutPrefix(line, "State:"); ok && strings.Contains(state, "Z") {
			t.Fatalf("the server (pid %d) has exited: State:%s", pid, strings.TrimSpace(state))
		}
	}
}

func ms(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 1, 64) + " ms" }

// 1. Slowloris: 900 clients that send half a request head and nothing
// more do not keep a normal client from being served, and are cleared
// with a 408 at the head deadline.
func TestStressSlowloris(t *testing.T) {
	needFDs(t, 2500)
	s := start(t, "-trace", "none", "-head-timeout", "2s")
	get(t, s, "/hello.txt")
	base := loopFDs(t, s.pid)

	const n, probes = 900, 20
	began := time.Now()
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, s.addr)
		if _, err := io.WriteString(conns[i], "GET / HTTP/1.0\r\nX-a: b\r\n"); err != nil {
			t.Fatalf("slowloris %d: write: %v", i, err)
		}
	}
	opened := time.Since(began)

	var took []time.Duration
	for i := range probes {
		t0 := time.Now()
		c := dial(t, s.addr)
		c.SetDeadline(t0.Add(time.Second)) // a liveness bound, far above the real figure
		if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil {
			t.Fatalf("probe %d: write: %v", i, err)
		}
		resp, err := io.ReadAll(c)
		c.Close()
		took = append(took, time.Since(t0))
		if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
			t.Fatalf("probe %d with %d slowloris connections held: status line %q (%v); want HTTP/1.0 200 OK within 1s", i, n, line, err)
		}
	}
	// The probes were served after the server had accepted all 900 (the
	// listener's queue is FIFO): each is still open, not yet timed out.
	held := loopFDs(t, s.pid)
	if held != base+n {
		t.Fatalf("after the probes the server has %d fds; want %d (baseline %d + %d slowloris): were they all held during the probes? (%v since the first was opened, -head-timeout 2s)", held, base+n, base, n, time.Since(began))
	}

	got408 := 0
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(ioTimeout))
		resp, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatalf("slowloris %d: read: %v after %q; want a 408 and end of file", i, err, resp)
		}
		if line := statusLine(string(resp)); line != "HTTP/1.0 408 Request Timeout" {
			t.Errorf("slowloris %d: status line %q; want HTTP/1.0 408 Request Timeout", i, line)
			continue
		}
		got408++
	}
	cleared := time.Since(began)
	after, requests := settle(t, s, "/hello.txt", base)
	slices.Sort(took)
	t.Logf("figure: slowloris: %d connections held (opened in %s); %d probes GET /hello.txt 200 in median %s, max %s; at -head-timeout 2s %d/%d read 408 then EOF, all cleared %.2fs after the first connect; server fds %d baseline, %d held, %d after (%d requests)",
		n, ms(opened), probes, ms(took[len(took)/2]), ms(took[len(took)-1]), got408, n, cleared.Seconds(), base, held, after, requests)
	if after != base {
		t.Errorf("server has %d fds open after the slowloris clients left; %d before", after, base)
	}
}

// The faults TestStressFaults cycles through.
var faults = [...]string{"reset after connect", "reset mid-request", "half-close mid-request", "abort mid-response", "close after connect"}

// 2. 10,000 clients that reset, half-close or vanish: the server lives,
// and its fd count comes back to exactly the baseline.
func TestStressFaults(t *testing.T) {
	root := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	if err := os.WriteFile(filepath.Join(root, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "small.txt"), []byte("small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, "-trace", "none", "-root", root)
	get(t, s, "/small.txt")
	base := loopFDs(t, s.pid)

	const total, round = 10000, 100
	const half = "GET /small.txt HTTP/1.0\r\nHost: lo" // half a head
	var made [len(faults)]int
	buf := make([]byte, 4096)
	began := time.Now()
	for r := range total / round {
		conns := make([]*net.TCPConn, round)
		for i := range conns {
			conns[i] = dial(t, s.addr).(*net.TCPConn)
		}
		for i, c := range conns {
			k := (r*round + i) % len(faults)
			made[k]++
			switch k {
			case 0: // reset after connect, nothing sent
				c.SetLinger(0)
			case 1: // reset mid-request
				if _, err := io.WriteString(c, half); err != nil {
					t.Fatalf("round %d, client %d (%s): write: %v", r, i, faults[k], err)
				}
				c.SetLinger(0)
			case 2: // half-close mid-request: the server says 400
				if _, err := io.WriteString(c, half); err != nil {
					t.Fatalf("round %d, client %d (%s): write: %v", r, i, faults[k], err)
				}
				c.CloseWrite()
				resp, err := io.ReadAll(c)
				if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 400 Bad Request" {
					t.Fatalf("round %d, client %d (%s): status line %q (%v); want HTTP/1.0 400 Bad Request", r, i, faults[k], line, err)
				}
			case 3: // abort mid-response
				if _, err := io.WriteString(c, "GET /big.bin HTTP/1.0\r\n\r\n"); err != nil {
					t.Fatalf("round %d, client %d (%s): write: %v", r, i, faults[k], err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					t.Fatalf("round %d, client %d (%s): read: %v", r, i, faults[k], err)
				}
				c.SetLinger(0)
			case 4: // plain close after connect
			}
			c.Close()
		}
	}
	faulted := time.Since(began)
	after, requests := settle(t, s, "/small.txt", base)
	alive(t, s.pid)
	var split []string
	for k, f := range faults {
		split = append(split, fmt.Sprintf("%d %s", made[k], f))
	}
	t.Logf("figure: faults: %d connections in %.1fs (%s); then GET 200; server fds %d baseline, %d after (%d requests to settle; Go runtime poller fds not counted: %d)",
		total, faulted.Seconds(), strings.Join(split, ", "), base, after, requests, fdCount(t, s.pid)-loopFDs(t, s.pid))
	if after != base {
		t.Errorf("server has %d fds open after %d faulted connections; %d before", after, total, base)
	}
}

// 3. More clients at once than select's fd_set holds: those past fd 1023
// get a 503, the rest are served, and service goes on.
func TestStressFDSetSize(t *testing.T) {
	needFDs(t, 2500)
	s := start(t, "-trace", "none")
	get(t, s, "/hello.txt")
	base := loopFDs(t, s.pid)

	const n, batch = 1100, 100
	conns := make([]net.Conn, n)
	probes := map[string]int{}
	for i := range conns {
		conns[i] = dial(t, s.addr)
		if (i+1)%batch != 0 {
			continue
		}
		// The server answers this probe only after accepting every
		// connection queued before it (accept takes them in order): the
		// listener's queue never holds more than a batch, and after the
		// last batch the server has accepted all 1,100.
		resp, err := exchange(t, s.addr, "GET /hello.txt HTTP/1.0\r\n\r\n")
		switch line := statusLine(resp); line {
		case "HTTP/1.0 200 OK", "HTTP/1.0 503 Service Unavailable":
			probes[line]++
		default:
			t.Fatalf("probe after %d connections: status line %q (%v); want 200, or 503 once the fd_set is full", i+1, line, err)
		}
	}
	wrote := make([]error, n)
	for i, c := range conns {
		_, wrote[i] = io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n\r\n")
	}
	// status[i] is client i's status line, "" if it read nothing.
	status := make([]string, n)
	var nothing []string
	ok, full := 0, 0
	for i, c := range conns {
		c.SetDeadline(time.Now().Add(ioTimeout))
		resp, err := io.ReadAll(c)
		c.Close()
		status[i] = statusLine(string(resp))
		switch status[i] {
		case "HTTP/1.0 200 OK":
			ok++
			if err != nil {
				t.Errorf("client %d: 200, then %v; want end of file", i, err)
			}
		case "HTTP/1.0 503 Service Unavailable":
			full++
		case "":
			nothing = append(nothing, fmt.Sprintf("client %d: write %v, read %v", i, wrote[i], err))
		default:
			t.Errorf("client %d: status line %q (%v); want 200 or 503", i, status[i], err)
		}
	}
	alive(t, s.pid)
	after, requests := settle(t, s, "/hello.txt", base)
	t.Logf("figure: fd_set: %d simultaneous connections: %d got 200, %d got 503, %d refused with nothing read; server alive, then GET 200; server fds %d baseline (so %d free below FD_SETSIZE 1024), %d after (%d requests); probes between batches: %d 200, %d 503",
		n, ok, full, len(nothing), base, 1024-base, after, requests, probes["HTTP/1.0 200 OK"], probes["HTTP/1.0 503 Service Unavailable"])
	// Those served are the first clients, as many as the server had free
	// fds below 1024; every later one was refused, with a 503 that the
	// reset from its own late GET may have destroyed: those are listed.
	for _, line := range nothing {
		t.Logf("  refused and no 503 read: %s", line)
	}
	if ok < 1000 {
		t.Errorf("%d clients got 200; want at least 1000 (%d fds free below 1024 at the baseline)", ok, 1024-base)
	}
	if i := slices.IndexFunc(status, func(s string) bool { return s != "HTTP/1.0 200 OK" }); i != ok {
		t.Errorf("client %d was not served (%q), but %d were: want the first %d served", i, status[i], ok, ok)
	}
	if after != base {
		t.Errorf("server has %d fds open afterwards; %d before", after, base)
	}
}

// A mixedReq is one request of the long run: sent whole, or (slow) in two
// writes with the rest of its batch between them.
type mixedReq struct {
	req    string
	slow   bool
	status string // the status line it must get
	body   string // the body it must get, if not ""
}

// mixed returns the i'th request of the long run.
func mixed(i int) mixedReq {
	switch i % 10 {
	case 0, 1:
		return mixedReq{req: "GET /hello.txt HTTP/1.0\r\n\r\n", status: "HTTP/1.0 200 OK"}
	case 2:
		return mixedReq{req: "GET /style.css HTTP/1.0\r\nUser-Agent: stress\r\n\r\n", status: "HTTP/1.0 200 OK"}
	case 3:
		return mixedReq{req: "HEAD /index.html HTTP/1.0\r\n\r\n", status: "HTTP/1.0 200 OK"}
	case 4:
		return mixedReq{req: fmt.Sprintf("GET /missing-%d HTTP/1.0\r\n\r\n", i), status: "HTTP/1.0 404 Not Found"}
	case 5, 6:
		body := strings.Repeat(string(rune('a'+i%26)), (i*7919)%(64<<10+1))
		return mixedReq{req: fmt.Sprintf("POST /echo HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s", len(body), body), status: "HTTP/1.0 200 OK", body: body}
	case 7:
		bad := []string{
			"GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
			"GET /\x00 HTTP/1.0\r\n\r\n",
			"GET / HTTP/1.0\r\nno colon here\r\n\r\n",
			"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
		}
		return mixedReq{req: bad[i/10%len(bad)], status: "HTTP/1.0 400 Bad Request"}
	case 8:
		return mixedReq{req: "GET /hello.txt HTTP/1.0\r\nX-Slow: yes\r\n\r\n", slow: true, status: "HTTP/1.0 200 OK"}
	default:
		return mixedReq{req: "GET /fdset.png HTTP/1.0\r\n\r\n", status: "HTTP/1.0 200 OK"}
	}
}

// runMixed makes requests first..first+count-1 of the long run, in
// batches of 50 concurrent connections.
func runMixed(t *testing.T, s *server, first, count int) {
	t.Helper()
	const batch = 50
	for b := first; b < first+count; b += batch {
		conns := make([]net.Conn, batch)
		reqs := make([]mixedReq, batch)
		for i := range conns {
			conns[i], reqs[i] = dial(t, s.addr), mixed(b+i)
			w := reqs[i].req
			if reqs[i].slow {
				w = w[:len(w)/2]
			}
			if _, err := io.WriteString(conns[i], w); err != nil {
				t.Fatalf("request %d %.40q: write: %v", b+i, reqs[i].req, err)
			}
		}
		for i, r := range reqs {
			if r.slow {
				if _, err := io.WriteString(conns[i], r.req[len(r.req)/2:]); err != nil {
					t.Fatalf("request %d %.40q: second write: %v", b+i, r.req, err)
				}
			}
		}
		for i, r := range reqs {
			resp, err := io.ReadAll(conns[i])
			conns[i].Close()
			head, body, _ := strings.Cut(string(resp), "\r\n\r\n")
			if line := statusLine(head); err != nil || line != r.status || r.body != "" && body != r.body {
				t.Fatalf("request %d %.40q: status line %q (%v), %d body bytes; want %s and %d body bytes", b+i, r.req, line, err, len(body), r.status, len(r.body))
			}
		}
	}
}

// 4. A long mixed run: the server's memory does not grow.
func TestStressMemory(t *testing.T) {
	s := start(t, "-trace", "none")
	const warm, n = 1000, 20000
	runMixed(t, s, 0, warm)
	before := vmRSS(t, s.pid)
	began := time.Now()
	runMixed(t, s, warm, n)
	elapsed := time.Since(began)
	after := vmRSS(t, s.pid)
	growth := after - before
	t.Logf("figure: memory: VmRSS %d KiB after %d warm-up requests, %d KiB after %d more mixed requests in batches of 50 (%.1fs, %.0f req/s): growth %d KiB",
		before, warm, after, n, elapsed.Seconds(), n/elapsed.Seconds(), growth)
	if growth >= 10<<10 {
		t.Errorf("VmRSS grew by %d KiB over %d requests; want under 10 MiB", growth, n)
	}
}
