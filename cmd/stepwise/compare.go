package main

// stepwise compare: one scenario against every model, side by side (issue
// 5). Each model runs as its own server process, this program started
// again; the clients are stepwise-client's (cmd/internal/client), and the
// kernel's account of each server comes from /proc (proc.go). What is
// printed is in timeline.go.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"stepwise/cmd/internal/cli"
	"stepwise/cmd/internal/client"
)

// Bounds and deadlines, so that every run ends.
const (
	maxPace         = 5 * time.Second // under the servers' 10 s head timeout
	minPace         = 10 * time.Millisecond
	maxCompared     = 50               // clients in one scenario
	startTimeout    = 10 * time.Second // for a server to say where it listens
	answerTimeout   = 10 * time.Second // for an answer, beyond the pace
	stopTimeout     = 10 * time.Second // for a server to stop after the signal
	settleTimeout   = 2 * time.Second  // for a server to close its last connection and reap its last child
	samplePeriod    = time.Millisecond // how often /proc is read
	compareModelsOK = "blocking, select, threads or fork"
)

// A role is what one client does in a scenario.
type role int

const (
	quick    role = iota // sends a GET in one write and reads the answer
	slow                 // sends a GET one byte at a time, spread over the pace
	idle                 // sends nothing, and hangs up once the pace is over
	reader               // sends a GET for numbers.txt and reads it slowly, over the pace
	numRoles             // the number of roles
)

func (r role) String() string {
	return [numRoles]string{"quick", "slow", "idle", "reader"}[r]
}

// who names the first client of a scenario in compare's conclusion.
func (r role) who() string {
	if r == reader {
		return "the slow reader"
	}
	return "the " + r.String() + " one"
}

// The requests: the slow client asks for another file than the quick
// ones, so that a server's trace or access log tells them apart.
const (
	quickRequest  = "GET / HTTP/1.0\r\n\r\n"
	slowRequest   = "GET /hello.txt HTTP/1.0\r\n\r\n"
	readerRequest = "GET /" + numbersName + " HTTP/1.0\r\n\r\n"
)

// readerPiece is how much the slow reader takes at a time: numbers.txt
// in 128 pieces (more reads: a read may return less), spread over the
// pace.
const readerPiece = 64 << 10

// A scenario is who connects when. The first client connects before any
// other starts, so a blocking server takes it first.
type scenario struct {
	name  string
	about string          // what it shows, in one line
	roles []role          // one per client, c1 first
	at    []time.Duration // when each client starts, from the scenario's start
	pace  time.Duration
}

// quickOnes says "1 quick one comes" or "N quick ones come".
func quickOnes(n int) string {
	if n == 1 {
		return "1 quick one comes"
	}
	return strconv.Itoa(n) + " quick ones come"
}

// newScenario builds the scenario called name; n is its number of quick
// clients.
func newScenario(name string, n int, pace time.Duration) scenario {
	sc := scenario{name: name, pace: pace}
	holder := slow
	switch name {
	case "many":
		sc.about = fmt.Sprintf("%d quick clients at once", n)
		for range n {
			sc.roles = append(sc.roles, quick)
			sc.at = append(sc.at, 0)
		}
		return sc
	case "slow":
		sc.about = fmt.Sprintf("one client sends its request a byte at a time over %v; %s meanwhile", pace, quickOnes(n))
	case "idle":
		holder = idle
		sc.about = fmt.Sprintf("one client connects and says nothing for %v; %s meanwhile", pace, quickOnes(n))
	case "slowread":
		holder = reader
		sc.about = fmt.Sprintf("one client reads an 8 MiB answer slowly, over %v; %s meanwhile", pace, quickOnes(n))
	}
	sc.roles, sc.at = []role{holder}, []time.Duration{0}
	// The quick ones start one by one while the first holds on, the
	// last well before it lets go: k/(n+2) of the pace.
	for k := 1; k <= n; k++ {
		sc.roles = append(sc.roles, quick)
		sc.at = append(sc.at, pace*time.Duration(k)/time.Duration(n+2))
	}
	return sc
}

// A result is one model's run of the scenario.
type result struct {
	model string
	conns []*client.Conn // one per client, as the scenario's roles
	watch                // the server in /proc
	left  []string       // children still there then, with their states
	// served counts the server's access log lines: requests it answered.
	served int
	err    error // the server failed to start or to stop
}

// compare is "stepwise compare [flags] SCENARIO".
func compare(args []string, stdout, stderr io.Writer) error {
	// A mistake is one line (see main); only -h prints the usage.
	flags := flag.NewFlagSet("stepwise compare", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	usage := func() {
		flags.SetOutput(stderr)
		fmt.Fprint(stderr, `Usage: stepwise compare [flags] SCENARIO

Runs SCENARIO against each model, one after the other, each a server of
its own on a loopback port, and prints who waited for whom.

Scenarios:
  slow     one client sends its request a byte at a time, over -pace;
           -quick others send theirs at once meanwhile
  idle     one client connects and sends nothing for -pace; -quick others
           come meanwhile
  slowread one client asks for /numbers.txt (8 MiB) and reads it slowly,
           over -pace; -quick others come meanwhile
  many N   N quick clients at once (1 to 50)
Flags:
`)
		flags.PrintDefaults()
	}
	pace := flags.Duration("pace", 2*time.Second, "slow: how long the slow client takes over its request; idle: how long the idle one stays; slowread: how long the reader takes over its answer")
	nQuick := flags.Int("quick", 5, "slow, idle, slowread: how many quick clients come meanwhile (1 to 50)")
	modelList := flags.String("models", "blocking,select,threads,fork", "which models to compare, in this order: `list` of blocking, select, threads, fork")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return nil
		}
		return cli.Usage(fmt.Errorf("compare: %w (compare -h lists the flags)", cli.FlagError(flags, err)))
	}
	rest := flags.Args()
	if len(rest) == 0 {
		return cli.Usage(errors.New("compare: no scenario; want slow, idle, slowread or many N"))
	}
	name, n := rest[0], *nQuick
	switch {
	case name != "slow" && name != "idle" && name != "slowread" && name != "many":
		return cli.Usage(fmt.Errorf("compare: unknown scenario %q; want slow, idle, slowread or many N", name))
	case name == "many" && len(rest) != 2:
		return cli.Usage(errors.New("compare many takes one argument, the number of clients: many 5 (flags go before the scenario)"))
	case name != "many" && len(rest) > 1:
		return cli.Usage(fmt.Errorf("compare %s takes no arguments, not %q (flags go before the scenario: compare -pace 1s %s)", name, rest[1:], name))
	case *pace < minPace || *pace > maxPace:
		return cli.Usage(fmt.Errorf("compare: -pace %v: want %v to %v", *pace, minPace, maxPace))
	case n < 1 || n > maxCompared:
		return cli.Usage(fmt.Errorf("compare: -quick %d: want 1 to %d", n, maxCompared))
	}
	if name == "many" {
		if isSet(flags, "quick") {
			return cli.Usage(errors.New("compare many: -quick is for slow, idle and slowread; many N's clients are all quick"))
		}
		var err error
		if n, err = strconv.Atoi(rest[1]); err != nil || n < 1 || n > maxCompared {
			return cli.Usage(fmt.Errorf("compare many %q: want a number of clients from 1 to %d", rest[1], maxCompared))
		}
	}
	models, err := parseModels(*modelList)
	if err != nil {
		return cli.Usage(fmt.Errorf("compare: %w", err))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("compare: finding this program, to start the servers: %w", err)
	}
	if err := canCountChildren(); err != nil {
		return fmt.Errorf("compare: %w", err)
	}

	sc := newScenario(name, n, *pace)
	var results []*result
	for _, m := range models {
		fmt.Fprintf(stderr, "stepwise compare: %s: %s ...\n", sc.name, m)
		results = append(results, runModel(exe, m, sc))
	}
	fmt.Fprintf(stdout, "%s\n", wrap(fmt.Sprintf("stepwise compare %s: %s.", sc.name, sc.about), 78))
	report(stdout, sc, results)
	return failures(results)
}

// isSet reports whether the flag called name was given.
func isSet(flags *flag.FlagSet, name string) bool {
	set := false
	flags.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parseModels reads -models: known names, each at most once.
func parseModels(list string) ([]string, error) {
	var models []string
	for m := range strings.SplitSeq(list, ",") {
		switch {
		case !slices.Contains(modelNames, m):
			return nil, fmt.Errorf("-models: unknown model %q; want %s", m, compareModelsOK)
		case slices.Contains(models, m):
			return nil, fmt.Errorf("-models: %s twice", m)
		}
		models = append(models, m)
	}
	return models, nil
}

// failures is compare's error once everything is printed: a server that
// did not run, or clients that failed.
func failures(results []*result) error {
	var bad []string
	for _, r := range results {
		if r.err != nil {
			bad = append(bad, r.model+": "+r.err.Error())
			continue
		}
		for _, c := range r.conns {
			if c.Err != nil {
				bad = append(bad, r.model+": "+c.Name+" failed")
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return errors.New("compare: " + strings.Join(bad, "; "))
}

// runModel starts a server of the model, plays the scenario against it
// while watching it in /proc, and stops it.
func runModel(exe, model string, sc scenario) *result {
	r := &result{model: model}
	srv, err := startServer(exe, model)
	if err != nil {
		r.err = err
		return r
	}
	r.begin(srv.pid)
	r.conns = play(srv.addr, sc, r.sample)
	r.left = r.end()
	r.served, r.err = srv.stop()
	return r
}

// A serverProc is a server this program started: one model, on an
// ephemeral loopback port.
type serverProc struct {
	cmd  *exec.Cmd
	pid  int
	addr string
	out  []*os.File   // its standard output and standard error
	log  chan readAll // its standard output: the access log
	said chan readAll // its standard error after the "serving" line
}

// readAll is what io.ReadAll gave: the text, and why it ended early.
type readAll struct {
	text string
	err  error
}

// startServer runs this program as a server of the model, its trace off
// and its access log on, and returns once it has said where it listens.
// With -access-log, standard output is the log alone, and the serving and
// stopped lines come on standard error, where nothing else does with the
// trace off, save why the server failed.
func startServer(exe, model string) (*serverProc, error) {
	cmd := exec.Command(exe, "-model", model, "-addr", "127.0.0.1:0", "-trace", "none", "-access-log")
	cmd.WaitDelay = time.Second // a fork child still holding a pipe does not hold Wait
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the %s server: %w", model, err)
	}
	s := &serverProc{cmd: cmd, pid: cmd.Process.Pid, out: []*os.File{stdout.(*os.File), stderr.(*os.File)}, log: make(chan readAll, 1), said: make(chan readAll, 1)}
	// Both read as they come, so that neither pipe fills.
	gather := func(r io.Reader, to chan readAll) {
		b, err := io.ReadAll(r)
		to <- readAll{string(b), err}
	}
	go gather(stdout, s.log)
	s.out[1].SetReadDeadline(time.Now().Add(startTimeout))
	errs := bufio.NewReader(stderr)
	line, addr, err := readServing(errs)
	if err != nil {
		cmd.Process.Kill()
		rest, _ := io.ReadAll(errs)
		cmd.Wait()
		why := strings.TrimSpace(line + string(rest))
		if why == "" || !strings.HasPrefix(why, "stepwise: ") {
			why = fmt.Sprintf("its first line was %q (%v)", line, err)
		}
		return nil, fmt.Errorf("the %s server did not start: %s", model, why)
	}
	s.addr = addr
	s.out[1].SetReadDeadline(time.Time{})
	go gather(errs, s.said)
	return s, nil
}

// readServing reads the line run prints once the server listens,
// "stepwise: serving WHAT on http://ADDR/", and returns it and ADDR.
func readServing(stdout *bufio.Reader) (line, addr string, err error) {
	line, err = stdout.ReadString('\n')
	_, url, ok := strings.Cut(strings.TrimSpace(line), " on http://")
	switch {
	case err != nil:
		return line, "", err
	case !strings.HasPrefix(line, "stepwise: serving ") || !ok:
		return line, "", errors.New(`not "stepwise: serving ... on http://ADDR/"`)
	}
	return line, strings.TrimSuffix(url, "/"), nil
}

// stop sends the server SIGINT, as Ctrl-C would, and waits for it to exit;
// after stopTimeout it is killed. It returns the number of requests the
// server logged.
func (s *serverProc) stop() (int, error) {
	s.cmd.Process.Signal(os.Interrupt)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	var log, said readAll
	select {
	case log = <-s.log:
	case <-timer.C:
		s.cmd.Process.Kill()
		for _, f := range s.out {
			f.SetReadDeadline(time.Now()) // a child may hold the pipes open
		}
		log = <-s.log
		log.err = fmt.Errorf("no exit %v after SIGINT; killed", stopTimeout)
	}
	said = <-s.said
	err := s.cmd.Wait()
	served := strings.Count(log.text, "\n")
	switch {
	case log.err != nil:
		return served, log.err
	case err != nil:
		return served, fmt.Errorf("after SIGINT: %v %s", err, strings.TrimSpace(said.text))
	case !strings.HasSuffix(said.text, "stepwise: stopped\n"):
		return served, fmt.Errorf("after SIGINT: standard error ends %q; want \"stepwise: stopped\"", said.text)
	}
	return served, nil
}

// play runs the scenario against addr and returns its clients when they
// are done, calling sample every samplePeriod meanwhile.
//
// Unlike stepwise-client, each client here has a goroutine of its own:
// the point is to time, to the millisecond, when each one is answered,
// and one goroutine reading them in turn would time only its own turns.
// No trace is shown, so nothing is lost by their running in any order.
func play(addr string, sc scenario, sample func()) []*client.Conn {
	start := time.Now()
	conns := make([]*client.Conn, len(sc.roles))
	for i := range conns {
		conns[i] = client.New("c"+strconv.Itoa(i+1), start)
	}
	timeout := sc.pace + answerTimeout
	if conns[0].Dial(addr, timeout) != nil {
		return conns // no server: nothing to play
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			if i > 0 {
				time.Sleep(time.Until(start.Add(sc.at[i])))
				if c.Dial(addr, timeout) != nil {
					return
				}
			}
			act(c, sc.roles[i], sc.pace, timeout)
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(samplePeriod)
	defer tick.Stop()
	for {
		sample()
		select {
		case <-done:
			return conns
		case <-tick.C:
		}
	}
}

// act plays one connected client's role.
func act(c *client.Conn, r role, pace, timeout time.Duration) {
	switch r {
	case quick:
		c.Send([]byte(quickRequest), timeout)
	case slow:
		c.SendSlowly([]byte(slowRequest), pace/time.Duration(len(slowRequest)-1), timeout, io.Discard)
	case idle:
		c.Receive(time.Now().Add(pace), true)
		return
	case reader:
		c.Send([]byte(readerRequest), timeout)
		c.ReceiveSlowly(readerPiece, pace*readerPiece/numbersSize, timeout)
		return
	}
	c.Receive(time.Now().Add(timeout), false)
}
