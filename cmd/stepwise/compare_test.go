package main

// stepwise compare (issue 5): the shapes the lesson rests on, not the
// milliseconds. The servers compare starts are this test binary, run
// again as stepwise (STEPWISE_TEST_MAIN=1), as everywhere in this package.

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"stepwise/cmd/internal/client"
)

// testPace is the slow client's pace here: the last quick client starts
// at 5/7 of it, so under select, threads and fork it is done some 140 ms
// before the slow client's last byte, however slow a fork child is to
// start; and four models of it keep the test to a few seconds.
const testPace = 500 * time.Millisecond

// The headline lessons, model by model: one slow client, or one slow
// reader, and five quick ones. Under blocking every quick client is done
// only after the slow one sent its last byte, or the reader had read its
// answer; under select, threads and fork each is done before. threads and
// fork pay for it in threads and processes, and fork reaps every child
// and ends with the fds it began with.
func TestCompareSlow(t *testing.T) {
	t.Setenv("STEPWISE_TEST_MAIN", "1") // for the servers compare starts
	for _, name := range []string{"slow", "slowread"} {
		t.Run(name, func(t *testing.T) { compareSlow(t, newScenario(name, 5, testPace)) })
	}
}

func compareSlow(t *testing.T, sc scenario) {
	runs := map[string]*result{}
	for _, m := range []string{"blocking", "select", "threads", "fork"} {
		r := runModel(os.Args[0], m, sc)
		runs[m] = r
		if r.err != nil {
			t.Fatalf("%s: %v", m, r.err)
		}
		for i, c := range r.conns {
			if a := client.ParseAnswer(c.Got); c.Err != nil || a.Code() != 200 {
				t.Errorf("%s, %s %s: status line %q (%v); want HTTP/1.0 200 OK", m, c.Name, sc.roles[i], a.Status, c.Err)
			}
		}
		if r.served != len(sc.roles) {
			t.Errorf("%s: %d requests in the access log; want %d", m, r.served, len(sc.roles))
		}
		h := r.conns[0]
		if head, _, _ := bytes.Cut(h.Got, []byte("\r\n\r\n")); sc.roles[0] == reader && h.Received != int64(len(head)+4+numbersSize) {
			t.Errorf("%s: the reader received %d bytes; want the head and all %d of numbers.txt", m, h.Received, numbersSize)
		}
		// The slow client's last write began before the server could
		// have its whole request, and the reader had read its answer when
		// it hung up: an answer after that moment is one a blocking server
		// could give, one before it is not.
		let := released(h, sc.roles[0])
		for _, q := range r.conns[1:] {
			switch after := q.Closed > let; {
			case m == "blocking" && !after:
				t.Errorf("blocking: %s was done at %v, before %s let the server go (%v); a server that serves one client at a time cannot have answered it yet", q.Name, q.Closed, sc.roles[0].who(), let)
			case m != "blocking" && after:
				t.Errorf("%s: %s was done at %v, after %s let the server go (%v); want it answered meanwhile", m, q.Name, q.Closed, sc.roles[0].who(), let)
			}
		}
		if m != "fork" && r.peak.procs != 1 {
			t.Errorf("%s: %d processes at once; want 1", m, r.peak.procs)
		}
	}
	// What not waiting costs. Go keeps spare threads and the threads model
	// takes those first, so its cost shows in threads started more than
	// in threads held at once.
	if th, sel := runs["threads"].newThreads, runs["select"].newThreads; th <= sel {
		t.Errorf("threads model started %d threads, select %d; want more", th, sel)
	}
	fork := runs["fork"]
	if fork.peak.procs < 2 || fork.newProcs < 1 {
		t.Errorf("fork: %d processes at once, %d started; want a child process at least, as the slow client holds one", fork.peak.procs, fork.newProcs)
	}
	if len(fork.left) > 0 {
		t.Errorf("fork: child processes left after the scenario: %v; want none, zombie or not", fork.left)
	}
	for m, r := range runs {
		if r.fdsAfter != r.fdsBefore {
			t.Errorf("%s: %d fds before the scenario, %d after; want the same", m, r.fdsBefore, r.fdsAfter)
		}
	}
}

// The command itself, as a teacher runs it: its timelines show the same
// shapes, its table has a row per client, and its conclusion says which
// model made the quick clients wait.
func TestCompareCommand(t *testing.T) {
	stdout, stderr, err := runCompare(t, "compare", "-models", "blocking,select", "-pace", testPace.String(), "-quick", "2", "slow")
	if err != nil {
		t.Fatalf("stepwise compare: %v; stderr:\n%s", err, stderr)
	}
	for model, rows := range timelines(stdout) {
		if len(rows) != 3 || !strings.HasPrefix(rows[0], "c1 slow ") {
			t.Fatalf("%s: timeline rows %q; want c1 slow, c2 quick, c3 quick", model, rows)
		}
		lastByte := strings.LastIndexByte(rows[0], '>') // the column of the slow client's last byte
		for _, row := range rows[1:] {
			done := strings.IndexByte(row, '|')
			switch {
			case done < 0:
				t.Errorf("%s: %q: no | where the client is done", model, row)
			case model == "blocking" && done < lastByte:
				t.Errorf("blocking: %q is done before the slow client's last byte, column %d:\n%s", row, lastByte, stdout)
			case model == "select" && done >= lastByte:
				t.Errorf("select: %q is done at or after the slow client's last byte, column %d:\n%s", row, lastByte, stdout)
			}
		}
	}
	for _, want := range []string{"\nc1 slow ", "\nc3 quick ", "\nanswered 200 OK ", "\nthreads idle/peak/new ", "\nchildren left "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout has no line starting %q:\n%s", want[1:], stdout)
		}
	}
	words := strings.Join(strings.Fields(stdout), " ") // the conclusion is wrapped
	for _, want := range []string{"Under blocking, both quick clients waited for the slow one", "Under select, none waited"} {
		if !strings.Contains(words, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
}

// timelines returns the rows of each model's timeline in compare's
// output, without their labels' indent: "c1 slow   >>>>|".
func timelines(out string) map[string][]string {
	rows := map[string][]string{}
	model := ""
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "blocking" || line == "select" || line == "threads" || line == "fork":
			model = line
			rows[model] = nil
		case line == "":
			model = ""
		case model != "" && strings.HasPrefix(line, "  c"):
			rows[model] = append(rows[model], line[2:])
		}
	}
	return rows
}

// Every mistake on compare's command line is one line and exit status 2;
// an unknown scenario names the known ones.
func TestCompareUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"compare"}, "no scenario; want slow, idle, slowread or many N"},
		{[]string{"compare", "fast"}, `unknown scenario "fast"; want slow, idle, slowread or many N`},
		{[]string{"compare", "slow", "extra"}, "takes no arguments"},
		{[]string{"compare", "many"}, "many takes one argument"},
		{[]string{"compare", "many", "0"}, "from 1 to 50"},
		{[]string{"compare", "many", "lots"}, "from 1 to 50"},
		{[]string{"compare", "-quick", "2", "many", "3"}, "-quick is for slow, idle and slowread"},
		{[]string{"compare", "-pace", "1ms", "slow"}, "-pace 1ms: want 10ms to 5s"},
		{[]string{"compare", "-pace", "soon", "slow"}, `compare: -pace "soon": want a duration with its unit, e.g. 300ms, 2s or 1m (compare -h`},
		{[]string{"compare", "-quick", "0", "slow"}, "-quick 0: want 1 to 50"},
		{[]string{"compare", "-models", "select,coroutines", "slow"}, `unknown model "coroutines"`},
		{[]string{"compare", "-models", "select,select", "slow"}, "select twice"},
		{[]string{"compare", "-bogus", "slow"}, "flag provided but not defined: -bogus"},
		{[]string{"-trace", "none", "compare", "slow"}, "compare comes first"},
	} {
		code, stderr := mustFail(t, tt.args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("stepwise %q: status %d, stderr %q; want 2 and one line with %q", tt.args, code, stderr, tt.want)
		}
	}
}

// runCompare runs stepwise with args to the end and returns what it
// printed.
func runCompare(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := selfCmd(args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// cost says what the sampling saw, no more: a model it saw start nothing
// was not seen to, since a thread can come and go between two looks.
func TestCost(t *testing.T) {
	ran := []*result{
		{model: "select"},
		{model: "threads"},
		{model: "fork", watch: watch{newProcs: 2, newThreads: 14, peak: usage{procs: 1}}},
	}
	want := "To serve them, select and threads were not seen to start a thread or a process; fork started at least 2 processes (14 threads in all, up to 1 process at once): the price of not waiting."
	if got := cost(ran, []string{"select", "fork"}); got != want {
		t.Errorf("cost =\n%s\nwant\n%s", got, want)
	}
}

// A scenario says how many quick clients come, in good English for one.
func TestScenarioAbout(t *testing.T) {
	for n, want := range map[int]string{1: "; 1 quick one comes meanwhile", 5: "; 5 quick ones come meanwhile"} {
		if about := newScenario("slow", n, time.Second).about; !strings.HasSuffix(about, want) {
			t.Errorf("slow with %d quick: %q; want it to end %q", n, about, want)
		}
	}
}
