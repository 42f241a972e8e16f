package main

// The comparison models of issue 5 (-model select, blocking, threads,
// fork), each run as the real command and driven by real clients.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace/draw"
)

var models = []string{"select", "blocking", "threads", "fork"}

// dateLine is the Date header, the one line two answers may not share.
var dateLine = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r$`)

// Every model gives the same bytes as the select loop, Date aside: they
// share http10 and the traced system calls, and differ only in who waits.
func TestModelsAnswerAlike(t *testing.T) {
	hello := string(readFile(t, "site/hello.txt"))
	requests := []struct{ name, req, want string }{
		{"GET", "GET /hello.txt HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n"},
		{"HEAD", "HEAD /hello.txt HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n"},
		{"404", "GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n"},
		{"HTTP/0.9", "GET /hello.txt\r\n", hello},
	}
	ref := start(t, "-trace", "none")
	want := make([]string, len(requests))
	for i, r := range requests {
		resp, err := exchange(t, ref.addr, r.req)
		if err != nil || !strings.HasPrefix(resp, r.want) {
			t.Fatalf("select, %s: %q (%v); want it to start %q", r.name, resp, err, r.want)
		}
		want[i] = dateLine.ReplaceAllString(resp, "Date: *\r")
	}
	for _, m := range models[1:] {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "none")
			for i, r := range requests {
				resp, err := exchange(t, s.addr, r.req)
				if err != nil {
					t.Errorf("%s: read: %v after %q", r.name, err, resp)
				}
				if got := dateLine.ReplaceAllString(resp, "Date: *\r"); got != want[i] {
					t.Errorf("%s: got\n%q\nwant, as -model select answers,\n%q", r.name, got, want[i])
				}
			}
		})
	}
}

// A HEAD whose head stops coming gets its 408 without a body, in every
// model: the answer to HEAD never has one (RFC 1945, 8.2).
func TestModelsHeadTimeout(t *testing.T) {
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "none", "-head-timeout", "100ms")
			resp, err := exchange(t, s.addr, "HEAD /hello.txt HTTP/1.0\r\nX: y")
			if err != nil || statusLine(resp) != "HTTP/1.0 408 Request Timeout" || !strings.HasSuffix(resp, "\r\n\r\n") {
				t.Errorf("got %q (%v); want 408 with no body", resp, err)
			}
		})
	}
}

// A client that connects and sends nothing before -head-timeout is closed
// without an answer in every model, as the select loop closes it: there is
// no request to answer, so no 408 either.
func TestModelsIdleClientClosed(t *testing.T) {
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "none", "-head-timeout", "100ms")
			if resp, err := exchange(t, s.addr, ""); err != nil || resp != "" {
				t.Errorf("a client that sent nothing got %q (%v); want end of file and no answer", resp, err)
			}
		})
	}
}

// A client that sends a byte every 50 ms, each well within the time one
// read may wait, still has only -head-timeout from accept for its head,
// and -body-timeout from the end of the head for its body, in every model.
// The models that block used to give each read the whole time again, so a
// slowloris could hold a worker for as long as it liked. The other
// deadline is long, and the drip ends first: a body still held to the
// head's deadline would be answered.
func TestModelsDeadlinesCountFromTheStart(t *testing.T) {
	for _, tt := range []struct{ name, head, drip, headTimeout, bodyTimeout, want string }{
		{"head", "GET /hello.txt HTTP/1.0\r\n", strings.Repeat("X-Drip: y\r\n", 10) + "\r\n", "300ms", "10s", "the request head did not arrive in time"},
		{"body", "POST /echo HTTP/1.0\r\nContent-Length: 100\r\n\r\n", strings.Repeat("y", 100), "10s", "300ms", "the request body did not arrive in time"},
	} {
		for _, m := range models {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				s := start(t, "-model", m, "-trace", "none", "-head-timeout", tt.headTimeout, "-body-timeout", tt.bodyTimeout)
				c := dial(t, s.addr)
				if _, err := io.WriteString(c, tt.head); err != nil {
					t.Fatal(err)
				}
				answered := make(chan struct{})
				dripped := make(chan int)
				go func() { // the drip takes 5 s in all, unless answered first
					sent := 0
					for ; sent < len(tt.drip); sent++ {
						select {
						case <-answered:
							c.(*net.TCPConn).CloseWrite() // the lingering close can end
							dripped <- sent
							return
						case <-time.After(50 * time.Millisecond):
						}
						if _, err := io.WriteString(c, tt.drip[sent:sent+1]); err != nil {
							break
						}
					}
					dripped <- sent
				}()
				first := make([]byte, 1)
				_, err := io.ReadFull(c, first)
				close(answered)
				rest, _ := io.ReadAll(c)
				sent := <-dripped
				resp := string(first) + string(rest)
				if err != nil || statusLine(resp) != "HTTP/1.0 408 Request Timeout" || !strings.Contains(resp, tt.want) || sent == len(tt.drip) {
					t.Errorf("after %d of %d bytes dripped: %q (%v); want 408, %q, before the drip ended", sent, len(tt.drip), resp, err, tt.want)
				}
			})
		}
	}
}

// The headline lesson: one slow client (connected, half a request sent)
// and one quick one. The blocking server sleeps in the slow client's read,
// so the quick one gets nothing until the slow one is done; select,
// threads and fork answer the quick one while the slow one still holds.
func TestModelsSlowClient(t *testing.T) {
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "none")
			slow := dial(t, s.addr) // first in the listen queue
			if _, err := io.WriteString(slow, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
				t.Fatal(err)
			}
			quick := dial(t, s.addr)
			if _, err := io.WriteString(quick, "GET / HTTP/1.0\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			if m == "blocking" {
				unanswered(t, quick, "quick client, while the slow client holds the blocking server")
			} else {
				resp, err := io.ReadAll(quick)
				if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
					t.Fatalf("quick client, while the slow one holds: status line %q (%v); want HTTP/1.0 200 OK", line, err)
				}
			}
			// The slow client finishes its request, and is answered.
			if _, err := io.WriteString(slow, "\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := io.ReadAll(slow)
			if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
				t.Errorf("slow client: status line %q (%v); want HTTP/1.0 200 OK", line, err)
			}
			if m == "blocking" {
				resp, err := io.ReadAll(quick)
				if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
					t.Errorf("quick client, after the slow one: status line %q (%v); want HTTP/1.0 200 OK", line, err)
				}
			}
		})
	}
}

// The threads and fork models serve at most -max-workers clients at once:
// the next one waits in the listen queue until a worker is done, so that a
// crowd of idle clients cannot exhaust threads or processes.
func TestModelsMaxWorkers(t *testing.T) {
	for _, m := range []string{"threads", "fork"} {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-max-workers", "2", "-color", "never")
			var slow []net.Conn
			for range 2 {
				c := dial(t, s.addr)
				if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
					t.Fatal(err)
				}
				slow = append(slow, c)
			}
			third := dial(t, s.addr)
			if _, err := io.WriteString(third, "GET / HTTP/1.0\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			unanswered(t, third, "third client, while two workers hold") // not even accepted
			// One slow client finishes: its worker ends, and the third is
			// served. Then the other one finishes too.
			if _, err := io.WriteString(slow[0], "\r\n"); err != nil {
				t.Fatal(err)
			}
			for i, c := range []net.Conn{slow[0], third, slow[1]} {
				if c == slow[1] {
					if _, err := io.WriteString(c, "\r\n"); err != nil {
						t.Fatal(err)
					}
				}
				resp, err := io.ReadAll(c)
				if line := statusLine(string(resp)); err != nil || line != "HTTP/1.0 200 OK" {
					t.Errorf("client %d: status line %q (%v); want HTTP/1.0 200 OK", i+1, line, err)
				}
			}
			if tr := s.trace(); !strings.Contains(tr, "* both ") || !strings.Contains(tr, "are serving: not accepting until one is done") {
				t.Errorf("the trace does not say why the third client waited:\n%s", tr)
			}
		})
	}
}

// The blocking server sleeps in its client's read, where a signal does not
// wake it. A second signal, or the shutdown deadline after the first, cuts
// that client short from another thread, and the server stops: at once,
// not when the client or its 60-second timeouts are done.
func TestBlockingStops(t *testing.T) {
	const half = "GET /hello.txt HTTP/1.0\r\n"
	const tooBig = "POST /echo HTTP/1.0\r\nContent-Length: 99999999\r\n\r\n" // 413, then a lingering close
	for _, tc := range []struct {
		name, flags  string
		sigs         []syscall.Signal
		code         int
		req, waitFor string // what the client sends, and what the trace shows once the server sleeps in its read
		resp, ended  string // what the client gets, and what the cut ended
		why          string
	}{
		// SIGTERM then SIGINT: two signals of one kind could merge into one.
		{"second signal", "-shutdown-timeout 60s", []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}, 1,
			half, "c1 * request incomplete after 25 bytes", "", "the read; closing without an answer", "a second signal"},
		{"shutdown deadline", "-shutdown-timeout 100ms", []syscall.Signal{syscall.SIGTERM}, 0,
			half, "c1 * request incomplete after 25 bytes", "", "the read; closing without an answer", "the shutdown deadline (100ms after the signal)"},
		{"lingering close", "-shutdown-timeout 60s -linger-timeout 60s", []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}, 1,
			tooBig, "c1 * lingering close", "HTTP/1.0 413 ", "the lingering close; the answer was sent", "a second signal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := startLesson(t, "go run ./cmd/stepwise -model blocking -head-timeout 60s "+tc.flags)
			c := dial(t, s.addr())
			if _, err := io.WriteString(c, tc.req); err != nil {
				t.Fatal(err)
			}
			s.waitFor(tc.waitFor, func(tr string) bool { return strings.Contains(tr, tc.waitFor) })
			for _, sig := range tc.sigs {
				if err := syscall.Kill(s.pid, sig); err != nil {
					t.Fatal(err)
				}
			}
			if resp, err := io.ReadAll(c); err != nil || !strings.HasPrefix(string(resp), tc.resp) || tc.resp == "" && len(resp) > 0 {
				t.Errorf("the client cut short: read %.60q (%v); want %q and end of file", resp, err, tc.resp)
			}
			tr := s.readAll()
			err := s.cmd.Wait()
			s.done = true
			if code := s.cmd.ProcessState.ExitCode(); code != tc.code {
				t.Errorf("exit status %d (%v); want %d", code, err, tc.code)
			}
			if !strings.Contains(tr, "c1 * the server is stopping after "+tc.why+": another thread shut this socket down") || !strings.Contains(tr, "which ended "+tc.ended+"\n") {
				t.Errorf("the trace does not say why c1's call ended:\n%s", tr)
			}
		})
	}
}

// The threads and fork models keep their promise too: after SIGTERM a
// client still in flight has -shutdown-timeout, not its own 60-second
// head timeout; then the process ends (threads) or the children are
// killed (fork), and the exit status is 0.
func TestManyStopAtTheShutdownDeadline(t *testing.T) {
	for _, tc := range []struct{ model, why string }{
		{"threads", "shutdown deadline: 1 threads still serving end with the process"},
		{"fork", "shutdown deadline: killing 1 children still serving"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			s, _, _ := startLesson(t, "go run ./cmd/stepwise -model "+tc.model+" -head-timeout 60s -shutdown-timeout 100ms")
			c := dial(t, s.addr())
			if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
				t.Fatal(err)
			}
			const waitFor = "c1 * request incomplete after 25 bytes"
			s.waitFor(waitFor, func(tr string) bool { return strings.Contains(tr, waitFor) })
			if err := syscall.Kill(s.pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if resp, err := io.ReadAll(c); err != nil || len(resp) > 0 {
				t.Errorf("the client in flight: read %.60q (%v); want end of file at the shutdown deadline", resp, err)
			}
			tr := s.readAll()
			err := s.cmd.Wait()
			s.done = true
			if code := s.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit status %d (%v); want 0", code, err)
			}
			if !strings.Contains(tr, tc.why) {
				t.Errorf("the trace does not say %q:\n%s", tc.why, tr)
			}
		})
	}
}

// A threads server stopped with no client says no thread is serving: the
// slot its accept held is given back before the count, not counted as a
// thread with a client to finish.
func TestThreadsShutdownWithNoClient(t *testing.T) {
	s := start(t, "-model", "threads", "-o", "/dev/stdout", "-color", "never")
	sendSignal(t, s, syscall.SIGTERM)
	code, stdout := wait(t, s)
	if want := "shutting down: no longer accepting; 0 threads have up to 5s to finish"; code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("SIGTERM with no client: exit %d, stdout:\n%s\nwant 0 and %q", code, stdout, want)
	}
}

// A fork child is handed its parent's open files, not their names: with
// the directory served and the trace files renamed (a log rotated), a new
// child serves the same directory and writes to the same files.
func TestForkChildGetsItsParentsFiles(t *testing.T) {
	dir := t.TempDir()
	root, log, jsonl := filepath.Join(dir, "www"), filepath.Join(dir, "trace.txt"), filepath.Join(dir, "trace.jsonl")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, "-model", "fork", "-root", root, "-o", log, "-json", jsonl, "-color", "never")
	if resp, err := exchange(t, s.addr, "GET /a.txt HTTP/1.0\r\n\r\n"); err != nil || !strings.HasSuffix(resp, "\r\n\r\na\n") {
		t.Fatalf("c1: %q (%v); want a.txt", resp, err)
	}
	for _, name := range []string{root, log, jsonl} {
		if err := os.Rename(name, name+".1"); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := exchange(t, s.addr, "GET /a.txt HTTP/1.0\r\n\r\n"); err != nil || !strings.HasSuffix(resp, "\r\n\r\na\n") {
		t.Errorf("c2, after the renames: %q (%v); want a.txt all the same", resp, err)
	}
	// A graceful stop waits for the children, whose trace is then written.
	sendSignal(t, s, syscall.SIGTERM)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("SIGTERM: exit status %d; want 0; stderr:\n%s", code, s.trace())
	}
	for _, name := range []string{log, jsonl} {
		if _, err := os.Stat(name); err == nil {
			t.Errorf("%s is back: a child opened it again by name", name)
		}
	}
	text, err := os.ReadFile(log + ".1")
	if err != nil {
		t.Fatal(err)
	}
	events, err := os.ReadFile(jsonl + ".1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"c2 * fork+exec: process ", "] c2 < HTTP/1.0 200 OK\n", "] close(3) = 0 /* c2 */\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the renamed trace file has no %q:\n%s", want, text)
		}
	}
	if !strings.Contains(string(text), "; also fd 4 (the directory served), fd 5 (the trace file), fd 6 (the JSON trace file)\n") {
		t.Errorf("the fork+exec note does not say which fds the child is handed:\n%s", text)
	}
	if n := strings.Count(string(events), `"conn":2`); n < 10 {
		t.Errorf("the renamed JSON file has %d events of c2; want the child's too:\n%s", n, events)
	}
}

// unanswered checks that c gets nothing, as who, while other clients hold
// the server. Not a measurement: the server cannot answer c, however long
// we wait; 300 ms only bounds how long the test looks.
func unanswered(t *testing.T, c net.Conn, who string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%s: read %d bytes (%v); want nothing, a read timeout", who, n, err)
	}
	c.SetReadDeadline(time.Now().Add(ioTimeout))
}

// The fork model reaps every child: after 20 requests, no child is left,
// zombie or not, and the parent holds the fds it held before.
func TestForkReapsChildren(t *testing.T) {
	// The trace, only the wait4 calls, comes on the server's stdout: each
	// reaped child is a line to wait for, not a moment to guess.
	s := start(t, "-model", "fork", "-trace", "wait4", "-o", "/dev/stdout", "-color", "never")
	before := loopFDs(t, s.pid)
	const requests = 20
	for range requests {
		get(t, s, "/hello.txt")
	}
	s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
	reaped := map[int]bool{}
	for len(reaped) < requests {
		line, err := s.stdout.ReadString('\n')
		if err != nil {
			t.Fatalf("%d children reaped, then reading the trace: %v; want %d", len(reaped), err, requests)
		}
		const prefix = "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = "
		if pid, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), prefix)); strings.HasPrefix(line, prefix) && err == nil {
			reaped[pid] = true
		}
	}
	if kids := children(s.pid); len(kids) > 0 {
		t.Errorf("/proc/%d/task/*/children: %v; want no children left", s.pid, kids)
	}
	for _, pid := range childrenOf(t, s.pid) {
		t.Errorf("process %d is still a child of the server (state %s); want none", pid, procState(pid))
	}
	if after := loopFDs(t, s.pid); after != before {
		t.Errorf("parent fds: %d before, %d after %d requests; want the same", before, after, requests)
	}
}

// childrenOf lists the processes whose parent is pid, zombies included,
// from /proc/*/stat.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			n, _ := strconv.Atoi(strings.Fields(string(b))[0])
			kids = append(kids, n)
		}
	}
	return kids
}

// SIGINT stops the threads and fork models gracefully too: no more
// accepting, the request in flight answered, exit status 0. With the trace
// on (and, under -race, a server built with the race detector), the lines
// of the thread or process serving c1 carry its id, as under strace -f.
func TestModelsSIGINT(t *testing.T) {
	for _, m := range []string{"threads", "fork"} {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-color", "never")
			slow := dial(t, s.addr)
			if _, err := io.WriteString(slow, "GET /hello.txt HTTP/1.0\r\n"); err != nil {
				t.Fatal(err)
			}
			// Accepted after the slow client, so that one has its own
			// thread or process by the time this is answered.
			get(t, s, "/hello.txt")
			sendSignal(t, s, syscall.SIGINT)
			listenerClosed(t, s)
			finishInFlight(t, s, slow)
			tr := s.stderr.String()
			// c1's first read: the half request, or all of it if the
			// child process started after the rest had come.
			read := regexp.MustCompile(`(?m)^\[pid (\d+)\] read\(\d+, "GET /hello.txt HTTP/1.0\\r\\n.* /\* c1 \*/$`).FindStringSubmatch(tr)
			if read == nil || read[1] == strconv.Itoa(s.pid) {
				t.Errorf("trace has no line \"[pid N] read(FD, \\\"GET /hello.txt HTTP/1.0\\\\r\\\\n...) = ... /* c1 */\" with N not the server's pid %d:\n%s", s.pid, tr)
			}
			if !regexp.MustCompile(`(?m)^accept4\(`).MatchString(tr) {
				t.Errorf("trace has no unlabelled accept4 line: the main thread's lines should carry no [pid N]:\n%s", tr)
			}
		})
	}
}

// An unknown model is a usage error; so is stepping through many threads.
func TestModelFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-model", "coroutines"},
		{"-model", "threads", "-step"},
		{"-model", "fork", "-break", "read"},
		{"-model", "threads", "-delay", "100ms"},
		{"-model", "select", "-max-workers", "10"},
		{"-model", "blocking", "-max-workers", "10"},
	} {
		code, stderr := mustFail(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("stepwise %q: status %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// A client that sends bytes after its request (an old browser's extra
// CRLF, a pipelined request) gets the whole of a long answer in every
// model, even when the bytes come after the server's last write, while
// the answer's end is still queued in its kernel: the close lingers, where
// a plain close would reset the connection and throw that end away.
func TestLateBytesDoNotCutALongAnswer(t *testing.T) {
	root := t.TempDir()
	// Bigger than the server's socket buffer can hold (up to 4 MiB, the
	// default tcp_wmem) with the client's small receive window: when the
	// server has written it all, megabytes of it are still queued.
	const size = 12 << 20
	if err := os.WriteFile(filepath.Join(root, "big.bin"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			// The trace of the last write's aftermath, on stdout: a line to
			// wait for, not a moment to guess.
			s := start(t, "-model", m, "-root", root, "-trace", "shutdown,close", "-o", "/dev/stdout", "-color", "never")
			c, err := smallWindow.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioTimeout))
			if _, err := io.WriteString(c, "GET /big.bin HTTP/1.0\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			type result struct {
				got []byte
				err error
			}
			read := make(chan result, 1)
			go func() { // the server writes its last bytes only as these are read
				got, err := io.ReadAll(c)
				read <- result{got, err}
			}()
			s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
			for line := ""; !strings.Contains(line, "shutdown("); { // fork's parent closes its copy first
				if line, err = s.stdout.ReadString('\n'); err != nil {
					t.Fatalf("waiting for the shutdown of a lingering close after the last write: %v", err)
				}
			}
			if _, err := io.WriteString(c, "\r\n"); err != nil { // after it all was written
				t.Fatal(err)
			}
			r := <-read
			got, err := r.got, r.err
			if _, body, ok := strings.Cut(string(got), "\r\n\r\n"); err != nil || !ok || len(body) != size {
				t.Errorf("got %d bytes (%v); want the head and all %d of the body, then end of file", len(got), err, size)
			}
		})
	}
}

// await reads the trace of s, which goes to its stdout (-o /dev/stdout),
// up to the first line that contains all of want, and returns that line.
func await(t *testing.T, s *server, want ...string) string {
	t.Helper()
lines:
	for {
		line, err := s.stdout.ReadString('\n')
		if err != nil {
			t.Fatalf("waiting for a trace line with %q: %v", want, err)
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				continue lines
			}
		}
		return line
	}
}

// smallWindow dials with a receive buffer of 4 KiB: a client that takes
// an answer slowly, as over a slow link.
var smallWindow = net.Dialer{Timeout: ioTimeout, Control: func(_, _ string, rc syscall.RawConn) error {
	var err error
	rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	return err
}}

// A lingering close whose time is up waits on while the end of a long
// answer is still queued for a client that takes it slowly: a byte the
// client sent after a close would make the kernel reset the connection,
// and the reset would lose that end. It waits no longer than the write
// timeout for a client that takes nothing.
func TestLingeringCloseWaitsForASlowReader(t *testing.T) {
	root := t.TempDir()
	// The server's socket buffer takes all of it (loopback grows it to
	// 4 MiB), the client's window a few KiB: the last write and the
	// shutdown come while the client has read nothing, and nearly all of
	// it is still queued when the linger time is up.
	const size = 1 << 20
	if err := os.WriteFile(filepath.Join(root, "big.bin"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	request := func(t *testing.T, s *server) net.Conn {
		c, err := smallWindow.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := io.WriteString(c, "GET /big.bin HTTP/1.0\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
		return c
	}
	for _, m := range models {
		t.Run(m+"/a slow reader gets it all", func(t *testing.T) {
			s := start(t, "-model", m, "-root", root, "-linger-timeout", "50ms", "-o", "/dev/stdout", "-color", "never")
			c := request(t, s)
			_, count, _ := strings.Cut(await(t, s, "TIOCOUTQ, ["), "TIOCOUTQ, [")
			if n, _ := strconv.Atoi(count[:strings.IndexByte(count, ']')]); n <= 1 {
				t.Fatalf("TIOCOUTQ says %d queued; want the answer still queued (more than the FIN)", n)
			}
			await(t, s, "lingering on: ")
			if _, err := io.WriteString(c, "\r\n"); err != nil { // after the linger time was up
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if _, body, ok := strings.Cut(string(got), "\r\n\r\n"); err != nil || !ok || len(body) != size {
				t.Errorf("got %d bytes (%v); want the head and all %d of the body, then end of file", len(got), err, size)
			}
		})
		t.Run(m+"/a stalled reader has the write timeout", func(t *testing.T) {
			s := start(t, "-model", m, "-root", root, "-linger-timeout", "50ms", "-write-timeout", "300ms", "-o", "/dev/stdout", "-color", "never")
			request(t, s) // and never read
			await(t, s, "timeout: the client has not taken the end of the response 300ms after the last write (")
			await(t, s, "close(", "/* c1 */")
		})
		if m == "select" {
			continue // select sleeps until the deadline lingerOn gives
		}
		// A blocking read waits SO_RCVTIMEO: when the write timeout cuts
		// the last step short, the read must wait only that long, as the
		// note says, not a whole linger time past the write timeout.
		t.Run(m+"/the last step waits as long as the note says", func(t *testing.T) {
			s := start(t, "-model", m, "-root", root, "-linger-timeout", "200ms", "-write-timeout", "350ms", "-o", "/dev/stdout", "-color", "never")
			request(t, s) // and never read
			_, wait, _ := strings.Cut(await(t, s, "lingering on: "), "asking again in ")
			said, err := time.ParseDuration(strings.TrimSpace(wait))
			if err != nil || said >= 200*time.Millisecond {
				t.Fatalf("lingering on: asking again in %q (%v); want less than the linger time (the write timeout is 350ms)", wait, err)
			}
			line := await(t, s, "SO_RCVTIMEO_OLD")
			// The timeval's 16 bytes, as strace shows them: tv_sec 0, then
			// tv_usec, little endian.
			_, tv, ok := strings.Cut(line, "SO_RCVTIMEO_OLD, ")
			tv, _, _ = strings.Cut(tv, ", 16)")
			b := unquoteStrace(tv)
			var usec uint64
			if len(b) == 16 && binary.LittleEndian.Uint64(b[:8]) == 0 {
				usec = binary.LittleEndian.Uint64(b[8:])
			}
			if got := time.Duration(usec) * time.Microsecond; !ok || got.Round(time.Millisecond) != said {
				t.Fatalf("after \"asking again in %v\": %q; want setsockopt SO_RCVTIMEO of %v before the next read", said, line, said)
			}
			await(t, s, "timeout: the client has not taken the end of the response 350ms after the last write (")
		})
	}
}

// A fork child's times count from its parent's start: in the JSON, the
// child's first event comes after the parent's accept of its client.
func TestForkChildTimesFollowItsParents(t *testing.T) {
	jsonl := filepath.Join(t.TempDir(), "trace.jsonl")
	s := start(t, "-model", "fork", "-json", jsonl, "-trace", "all", "-o", os.DevNull)
	get(t, s, "/hello.txt")
	sendSignal(t, s, syscall.SIGTERM)
	if code, _ := wait(t, s); code != 0 {
		t.Fatalf("SIGTERM: exit status %d; want 0", code)
	}
	events, err := draw.Read(bytes.NewReader(readFile(t, jsonl)))
	if err != nil {
		t.Fatal(err)
	}
	var accepted, child float64 = -1, -1
	for _, e := range events {
		switch {
		case e.Task == 0 && e.Name == "accept4" && e.Ret != nil && *e.Ret >= 0 && accepted < 0:
			accepted = e.T
		case e.Task != 0 && child < 0:
			child = e.T
		}
	}
	if accepted < 0 || child < accepted {
		t.Errorf("the parent accepted c1 at t=%v and its child's first event is at t=%v; want the child's later", accepted, child)
	}
}

// -explain tells the truth about the models whose sockets block: no
// sentence written for the select loop (select says there is room, select
// watches the state, the signal came through the pipe) under their calls,
// and the SO_RCVTIMEO setsockopt, the blocking server's own way of giving
// up on a client, explained. fork's parent does select on a signal pipe,
// but SIGCHLD does not stop it.
func TestExplainBlockingModels(t *testing.T) {
	lies := map[string][]string{
		"blocking": {"select says", "select watches", "through the pipe"},
		"threads":  {"select says", "select watches", "through the pipe"},
		"fork":     {"select says", "select watches", "stops accepting"},
	}
	for _, m := range models[1:] {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-explain", "-access-log", "-color", "never")
			get(t, s, "/hello.txt")
			sendSignal(t, s, syscall.SIGINT)
			if code, _ := wait(t, s); code != 0 {
				t.Fatalf("exit status %d after SIGINT; want 0; stderr:\n%s", code, s.stderr)
			}
			tr := s.stderr.String()
			for _, lie := range lies[m] {
				if strings.Contains(tr, lie) {
					t.Errorf("an explanation says %q, which is not true of -model %s:\n%s", lie, m, tr)
				}
			}
			_, after, ok := strings.Cut(tr, "SO_RCVTIMEO_OLD")
			_, next, _ := strings.Cut(after, "\n")
			if !ok || !strings.HasPrefix(next, "    # SO_RCVTIMEO") {
				t.Errorf("the first setsockopt with SO_RCVTIMEO_OLD is not explained as such:\n%s", tr)
			}
		})
	}
}

// Every model has the Go runtime open the two fds its timers need, an
// epoll instance and an eventfd, before the listening socket. Left to
// the first timer, they could be asked for when the server holds every fd
// it may have, and the runtime would stop the program.
func TestRuntimePollerOpensFirst(t *testing.T) {
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "none")
			dir := fmt.Sprintf("/proc/%d/fd", s.pid)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			poller := map[string]int{}
			listener := -1
			for _, e := range entries {
				fd, _ := strconv.Atoi(e.Name())
				switch target, _ := os.Readlink(filepath.Join(dir, e.Name())); {
				case runtimeFD(target):
					poller[target] = fd
				case strings.HasPrefix(target, "socket:"):
					listener = fd // the only socket before any client comes
				}
			}
			if len(poller) != 2 || listener < 0 {
				t.Fatalf("the runtime's fds %v and a listener %d; want an eventpoll and an eventfd, and a socket", poller, listener)
			}
			for target, fd := range poller {
				if fd > listener {
					t.Errorf("%s is fd %d, after the listener (%d); want it opened first", target, fd, listener)
				}
			}
		})
	}
}

// Out of fds, a server of many clients at once keeps serving: accept
// fails with EMFILE, the server waits a moment, and once clients leave it
// serves again. threads used to wait with time.Sleep, its first timer,
// and with no fd left for the runtime's poller that stopped the program.
func TestOutOfFDs(t *testing.T) {
	for _, m := range []string{"select", "threads"} {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-trace", "accept", "-o", "/dev/stdout", "-color", "never")
			var lim unix.Rlimit
			if err := unix.Prlimit(s.pid, unix.RLIMIT_NOFILE, nil, &lim); err != nil {
				t.Fatal(err)
			}
			lim.Cur = uint64(fdCount(t, s.pid) + 3) // room for three clients
			if err := unix.Prlimit(s.pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
				t.Fatal(err)
			}
			s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
			var idle []net.Conn
			for range 5 {
				idle = append(idle, dial(t, s.addr))
			}
			await(t, s, "accept4(", "EMFILE")
			for _, c := range idle {
				c.Close()
			}
			get(t, s, "/hello.txt")
		})
	}
}

// A download cut short is logged, in every model, with the bytes of its
// body that went out, not with the file's size: a client that reads
// nothing is closed at the write timeout, with most of the file unsent.
func TestAccessLogCutShort(t *testing.T) {
	root := t.TempDir()
	const size = 32 << 20 // more than a socket's buffers on loopback hold
	if err := os.WriteFile(filepath.Join(root, "big.bin"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	logged := regexp.MustCompile(`"GET /big\.bin HTTP/1\.0" 200 (\d+)\n$`)
	for _, m := range models {
		t.Run(m, func(t *testing.T) {
			s := start(t, "-model", m, "-root", root, "-access-log", "-trace", "none", "-write-timeout", "300ms")
			c, err := smallWindow.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := io.WriteString(c, "GET /big.bin HTTP/1.0\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			s.pipe.SetReadDeadline(time.Now().Add(ioTimeout))
			line, err := s.stdout.ReadString('\n') // the log line, at the close
			sent := logged.FindStringSubmatch(line)
			if err != nil || sent == nil {
				t.Fatalf("access log line %q (%v); want one for GET /big.bin", line, err)
			}
			if n, _ := strconv.Atoi(sent[1]); n <= 0 || n >= size {
				t.Errorf("access log says %d bytes of a %d-byte body sent; want those that went out before the close", n, size)
			}
		})
	}
}
