// Command stepwise is an HTTP/1.0 server you can watch while it works.
//
// One goroutine serves every client with select(2); -model runs the same
// server the ways it is usually compared with, and stepwise compare runs
// them side by side. Each system call it
// makes and each stage of each request it parses is printed, as it
// happens, on standard error: system calls as strace prints them, HTTP as
// curl -v does (> what the client sent, < what the server answers, * why).
//
// Usage:
//
//	stepwise [flags]
//	stepwise draw [-format table|mermaid|svg] [-o FILE] [-rounds N] [-conn c2] TRACE.jsonl
//	stepwise compare [-pace D] [-quick N] [-models LIST] slow|idle|slowread|many N
//
// The flags are:
//
//	-addr host:port
//		address to listen on (default 127.0.0.1:8080). Port 0 lets the
//		kernel choose; the real address is printed either way.
//	-root DIR
//		directory to serve (default: the built-in demo site)
//	-model select|blocking|threads|fork
//		how to serve (default select), to watch the same scenario each way:
//		select: one thread, select(2) over every socket.
//		blocking: one client at a time, with blocking sockets: accept,
//		read, write, close, then the next; one slow client makes all
//		the others wait.
//		threads: a thread per client, with blocking sockets; each
//		thread's trace lines start with its id, [pid TID], as under
//		strace -f.
//		fork: a process per client, the way inetd does it: the parent
//		accepts and starts this program again (fork+exec) with the
//		socket as fd 3, and the directory and trace files it has open;
//		the child serves the client and exits, its trace lines start
//		[pid PID], and the parent reaps it with wait4 on SIGCHLD.
//		The blocking models bound each read and write with the socket's
//		own timeouts (SO_RCVTIMEO, SO_SNDTIMEO): the time left of
//		-head-timeout or -body-timeout before each read, -write-timeout
//		per write. -step, -break and -delay pause one
//		thread, so they work with select and blocking only.
//	-trace LIST
//		what to trace (default all): a comma-separated list of all, none,
//		sys (system calls), http (what was received, sent and decided),
//		state (connections changing state), or system call names
//		(accept,read; accept and select stand for accept4 and pselect6).
//		none serves silently and costs nothing; it goes with nothing
//		else, nor with -o or -json.
//	-o FILE
//		write the trace to FILE instead of standard error
//	-json FILE
//		also write the trace's events to FILE, one JSON object per line
//		(fields: seq, t, kind, pid, conn, name, args, ret, errno, err, extra,
//		text, comment; see trace.JSONEvent)
//	-ts none|rel|wall
//		timestamp each trace line: nothing (default), seconds since the
//		start (+0.000123), or the time of day (14:05:06.123456); a
//		system call's line, with the time it returned
//	-color auto|always|never
//		colour the trace (default auto: never when NO_COLOR is set, always
//		when FORCE_COLOR or CLICOLOR_FORCE is, none for TERM=dumb, and
//		otherwise only when the trace goes to a terminal)
//	-access-log
//		print one Common Log Format line per request on standard output,
//		and nothing else there: the serving and stopped lines go to
//		standard error instead
//	-explain
//		for beginners: under the first event of each kind, one line in
//		plain words saying what it is ("accept takes the next connection
//		...")
//
// Stepping through it, like a debugger (commands are read from /dev/tty,
// so the trace can still go to a pipe or a file):
//
//	-step
//		pause before every step, system call or stage, and wait for a
//		command: s [N] step, n run to the next select (under -model
//		blocking, which has none, the next accept), c continue, b X
//		break before X (a system call, a connection like c2, or a stage:
//		request-line, header, body, route, refused, status, response,
//		state, signal), d [X] delete, p [DUR] play, fds (the fd table,
//		-model select only), h help, q quit (Ctrl-D too); Enter repeats.
//		While it waits the whole server waits, and its clock stops: a
//		paused request does not time out.
//	-break LIST
//		run, and pause only before these (same names as b, separated by
//		commas; an empty name is an error); with -step, pause at the
//		first step as well, with these set, like gdb's start
//	-delay DURATION
//		slow motion: pause this long before every step (Enter pauses)
//	-s N
//		show at most N bytes of each byte string in the trace (default 32)
//
// Limits and deadlines (see docs/reliability.md), each above zero:
//
//	-head-timeout 10s      from accept to the end of the request head; then 408
//	-body-timeout 30s      from the end of the head to the end of the body; then 408
//	-write-timeout 30s     for a client to take more of its response; then close
//	-linger-timeout 2s     after an early or long answer, for the client to stop sending
//	-shutdown-timeout 5s   after SIGINT or SIGTERM, for responses in flight
//	-max-request-line 8192 longest request line in bytes; then 414
//	-max-head 16384        largest request head in bytes; then 431
//	-max-headers 100       most header fields in a request; then 431
//	-max-body 1048576      largest request body in bytes; then 413
//	-max-workers 256       threads and fork: most threads or processes serving
//	                       at once (at most 8192); the next clients wait in
//	                       the listen queue
//
// SIGINT or SIGTERM stops accepting, lets responses in flight finish, and
// exits 0; a second one stops at once, with exit status 1. Other signals
// do what they do to any Go program: SIGHUP (the terminal went away) ends
// it at once, and SIGQUIT (Ctrl-\) prints every goroutine's stack and
// exits 2.
//
// Comparing the models: stepwise compare runs one classroom scenario
// against each model in turn, each a server of its own (this program on a
// loopback port the kernel picks, its trace off), and prints a timeline
// per model, one row per client and time across; a table of each
// client's wait (from connecting to the first byte back) and total time,
// the requests each server logged, and the processes, threads and fds it
// held, read from /proc; and, in words, what those figures show. The
// scenarios: slow, one client sending its request a byte at a time over
// -pace (default 2s) while -quick others (default 5) come and go; idle,
// one client that says nothing for -pace; slowread, one client that reads
// the demo site's numbers.txt (8 MiB) slowly, over -pace; many N, N quick
// clients at once.
// -models picks the models and their order (default
// blocking,select,threads,fork). For example:
//
//	$ stepwise compare slow
//	...
//	blocking
//	  ms        0             500            1000          1500           2000
//	            +-------------+--------------+-------------+--------------+-
//	  c1 slow   >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>|
//	  c2 quick          ..................................................|
//	  c3 quick                  ..........................................|
//	...
//	select
//	  ...
//	  c1 slow   >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>|
//	  c2 quick          |
//	  c3 quick                  |
//	...
//	Under blocking, all 5 quick clients waited for the slow one: none was answered
//	before its last byte went, at 2030 ms, and the wait was up to 1744 ms. Under
//	select, threads and fork, none waited: ...
//
// compare exits 1 if a server did not run or a client failed, and 2 for a
// mistake on its command line.
//
// Example session. In one terminal:
//
//	$ go run ./cmd/stepwise
//	stepwise: serving the built-in demo site on http://127.0.0.1:8080/
//
// In another:
//
//	$ printf 'GET /hello.txt HTTP/1.0\r\n\r\n' | nc 127.0.0.1 8080
//
// and the first terminal shows, among the rest:
//
//	accept4(7, {sa_family=AF_INET, sin_port=htons(51234), sin_addr=inet_addr("127.0.0.1")}, [112 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK) = 10 /* c1 */
//	read(10, "GET /hello.txt HTTP/1.0\r\n\r\n", 16384) = 27 /* c1 */
//	c1 > GET /hello.txt HTTP/1.0
//	c1 < HTTP/1.0 200 OK
//
// Pictures of a session: stepwise draw reads the JSON lines that -json
// wrote (- for standard input) and draws a table of the loop's rounds for a
// terminal (the default), or a sequence diagram, with a lane for each
// client, the server loop and the kernel and a band for each round, as
// Mermaid text for Markdown (-format mermaid) or as an SVG (-format svg).
// -rounds N keeps the first N rounds, -conn c2 one connection's steps;
// stepwise draw -h lists the rest. For example:
//
//	$ stepwise -json session.jsonl    # and some requests, then Ctrl-C
//	$ stepwise draw -o session.svg session.jsonl
//
// Exit status: 0 after a graceful stop, 1 if the server cannot start (an
// address in use, say), was stopped by a second signal, or could not write
// all of its trace (a full disk), 2 for a bad flag.
package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"stepwise/cmd/internal/cli"
	"stepwise/http10"
	"stepwise/multiplex"
	"stepwise/trace"
)

//go:embed site
var site embed.FS

func main() {
	// Keep the server on the main thread from socket(2) on, so that
	// strace -f shows every network call under the process's own pid.
	runtime.LockOSThread()
	cli.Main("stepwise", run)
}

func run(args []string, stdout, stderr io.Writer) (err error) {
	switch {
	case len(args) > 0 && args[0] == "draw":
		return runDraw(args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "compare":
		return cli.Reporting(stdout, func(stdout io.Writer) error { return compare(args[1:], stdout, stderr) })
	}
	flags := flag.NewFlagSet("stepwise", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8080", "`host:port` to listen on; port 0 lets the kernel choose")
	root := flags.String("root", "", "`directory` to serve (default: the built-in demo site)")
	traceSpec := flags.String("trace", "all", "what to trace: `list` of all, none, sys, http, state or syscall names (accept,read,...)")
	traceFile := flags.String("o", "", "write the trace to `file` instead of standard error")
	jsonFile := flags.String("json", "", "also write the trace's events to `file` as JSON lines")
	stampMode := flags.String("ts", "none", "timestamp each trace line in this `mode`: none, rel (since start) or wall (a system call's stamp: when it returned)")
	accessLog := flags.Bool("access-log", false, "print a Common Log Format line per request on standard output (the serving and stopped lines then go to standard error)")
	explain := flags.Bool("explain", false, "add a plain-language line under the first event of each kind, for beginners")
	colorMode := flags.String("color", "auto", "`when` to colour the trace: auto, always or never")
	step := flags.Bool("step", false, "pause before every step and read a command from the terminal (h for help); select and blocking only")
	breaks := flags.String("break", "", "run, and pause only before these: `list` of system calls, connections (c2) or stages; select and blocking only")
	delay := flags.Duration("delay", 0, "slow motion: pause this long before every step; select and blocking only")
	strSize := flags.Int("s", 32, "show at most `N` bytes of each byte string in the trace")
	modelName := flags.String("model", "select", "how to serve, the `model`: select (one thread), blocking (one client at a time), threads (a thread per client) or fork (a process per client)")
	var cfg multiplex.Config
	flags.DurationVar(&cfg.HeadTimeout, "head-timeout", multiplex.DefaultHeadTimeout, "time from accept to the end of the request head; then 408")
	flags.DurationVar(&cfg.BodyTimeout, "body-timeout", multiplex.DefaultBodyTimeout, "time from the end of the head to the end of the body; then 408")
	flags.DurationVar(&cfg.WriteTimeout, "write-timeout", multiplex.DefaultWriteTimeout, "time for a client to take more of its response (and, after the last write, its end); then close")
	flags.DurationVar(&cfg.LingerTimeout, "linger-timeout", multiplex.DefaultLingerTimeout, "after an early or long answer, time for the client to stop sending")
	flags.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", multiplex.DefaultShutdownTimeout, "after SIGINT or SIGTERM, time for responses in flight")
	flags.IntVar(&cfg.Limits.RequestLine, "max-request-line", http10.DefaultRequestLineBytes, "longest request line in `bytes`; then 414")
	flags.IntVar(&cfg.Limits.Head, "max-head", http10.DefaultHeadBytes, "largest request head in `bytes`; then 431")
	flags.IntVar(&cfg.Limits.Headers, "max-headers", http10.DefaultHeaderFields, "most header fields in a request; then 431")
	flags.Int64Var(&cfg.Limits.Body, "max-body", http10.DefaultBodyBytes, "largest request body in `bytes`; then 413")
	flags.IntVar(&cfg.MaxWorkers, "max-workers", multiplex.DefaultMaxWorkers, "threads and fork: most threads or processes serving at once, 1 to "+strconv.Itoa(multiplex.MostWorkers)+"; the next clients wait in the listen queue")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: stepwise [flags]                  serve, and trace every step
       stepwise compare [flags] SCENARIO  run a scenario against every model (compare -h)
       stepwise draw [flags] TRACE.jsonl  draw a session from a -json trace (draw -h)
Flags:
`)
		flags.PrintDefaults()
	}
	if help, err := cli.Parse(flags, args); help || err != nil {
		return err
	}
	switch {
	case flags.Arg(0) == "compare":
		return cli.Usage(errors.New("compare comes first, before its own flags: stepwise compare [flags] SCENARIO"))
	case flags.NArg() > 0:
		return cli.Usage(fmt.Errorf("unexpected argument %q (serve a directory with -root DIR)", flags.Arg(0)))
	}
	if !slices.Contains(modelNames, *modelName) {
		return cli.Usage(fmt.Errorf("-model %q: want select, blocking, threads or fork", *modelName))
	}
	many := *modelName == "threads" || *modelName == "fork"
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["break"] && *breaks == "" {
		return cli.Usage(errors.New("-break '': want a list of system calls, connections (c2) or stages, e.g. -break accept,c2"))
	}
	if !many && set["max-workers"] {
		return cli.Usage(fmt.Errorf("-max-workers is for -model threads and fork: -model %s serves with one thread", *modelName))
	}
	if err := checkLimits(cfg, *delay, *modelName); err != nil {
		return cli.Usage(err)
	}
	if err := multiplex.CheckAddr(*addr); err != nil {
		return cli.Usage(fmt.Errorf("-addr: %w", err))
	}
	if many && (*step || *breaks != "" || *delay > 0) {
		return cli.Usage(fmt.Errorf("-step, -break and -delay pause one thread, and -model %s has many: step through select or blocking", *modelName))
	}
	// A fork model's child is this program again, started to serve one
	// connection: same flags, and no listening.
	child := *modelName == "fork" && multiplex.ForkChild()

	var srv *multiplex.Server // for the stepper's fds command, once listening
	next := "select"          // what the stepper's n runs to: the top of the loop
	if *modelName == "blocking" {
		next = "accept"
	}
	var fds func() string // the stepper's fds: only the select loop keeps a table
	if *modelName == "select" {
		fds = func() string {
			if srv == nil {
				return "not listening yet\n"
			}
			return srv.FDTable()
		}
	}
	var logTo *multiplex.Output
	if *accessLog {
		logTo = multiplex.Stdout() // before the trace begins: see Stdout
	}
	stepper, term, err := openStepper(*step, *breaks, *delay, next, fds)
	if err != nil {
		return err
	}
	if term != nil {
		defer term.Close()
	}
	t, files, err := openTrace(*traceSpec, *traceFile, *jsonFile, *stampMode, *colorMode, *strSize, stderr, stepper, *explain, *modelName, child)
	if err != nil {
		return err
	}
	defer func() {
		// A trace that could not all be written (a full disk) fails the
		// run, even if serving went well: what it shows is not all.
		if cerr := closeTrace(t, files); err == nil && cerr != nil {
			err = fmt.Errorf("the trace is incomplete: %w", cerr)
			if child {
				err = fmt.Errorf("[pid %d] %w", os.Getpid(), err) // its part of the trace
			}
		}
	}()

	fsys, what, err := openSite(*root, t, child)
	if err != nil {
		return err
	}
	cfg.Addr, cfg.FS, cfg.Trace = *addr, fsys, t
	say := stdout // where the program says it serves, and that it stopped
	if *accessLog {
		cfg.AccessLog = logTo // written with traced write(2) calls
		// Standard output is then the log and nothing else, for a file
		// or a log tool to take as it is.
		say = stderr
	}
	if child {
		// Ctrl-C reaches every process on the terminal; the parent
		// decides when its children stop.
		signal.Ignore(multiplex.Signals()...)
		return multiplex.ServeChild(cfg)
	}
	// A Go program receives signals on a channel, and only an fd can wake
	// select: a goroutine, the only one besides the loop, carries each
	// SIGINT or SIGTERM into the server's signal pipe, and wakes the step
	// prompt. It starts before Listen, so that Ctrl-C works at a prompt
	// during startup too; a signal that comes before the server exists is
	// handed to it as soon as it does.
	//
	// The fork model also needs SIGCHLD, one per child that exits: hence
	// room for more than two. The select loop and fork's parent take
	// SIGCONT too, which wakes select after a stop (SelectSignals).
	sigs := make(chan os.Signal, 16)
	ready := make(chan model, 1)
	switch *modelName {
	case "fork":
		signal.Notify(sigs, multiplex.ForkSignals()...)
	case "select":
		signal.Notify(sigs, multiplex.SelectSignals()...) // SIGCONT: deadlines after a stop
	default: // blocking and threads: each read has its own timeout, and SIGCONT would stop them
		signal.Notify(sigs, multiplex.Signals()...)
	}
	defer signal.Stop(sigs)
	go forwardSignals(sigs, ready, term)
	m, err := listen(*modelName, cfg, files)
	if err != nil {
		signal.Stop(sigs)
		close(sigs) // forwardSignals ends
		if errors.Is(err, multiplex.ErrQuit) {
			// q at a prompt before serving: a stop, not a failure.
			fmt.Fprintln(say, "stepwise: stopped")
			return nil
		}
		return err
	}
	srv, _ = m.(*multiplex.Server)
	ready <- m
	fmt.Fprintf(say, "stepwise: serving %s on http://%s/\n", what, m.Addr())

	err = m.Serve()
	signal.Stop(sigs)
	close(sigs) // forwardSignals ends
	if err == nil {
		fmt.Fprintln(say, "stepwise: stopped")
	}
	return err
}

// checkLimits refuses a deadline or a limit of zero or less, which the
// server would otherwise take to mean its default, and more workers than
// the Go runtime has threads for (the same bound for fork's processes).
func checkLimits(cfg multiplex.Config, delay time.Duration, model string) error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"head-timeout", cfg.HeadTimeout}, {"body-timeout", cfg.BodyTimeout}, {"write-timeout", cfg.WriteTimeout},
		{"linger-timeout", cfg.LingerTimeout}, {"shutdown-timeout", cfg.ShutdownTimeout},
	} {
		if d.v <= 0 {
			return fmt.Errorf("-%s %v: want a time above zero, e.g. 10s", d.flag, d.v)
		}
	}
	for _, n := range []struct {
		flag string
		v    int64
	}{
		{"max-request-line", int64(cfg.Limits.RequestLine)}, {"max-head", int64(cfg.Limits.Head)},
		{"max-headers", int64(cfg.Limits.Headers)}, {"max-body", cfg.Limits.Body},
	} {
		if n.v <= 0 {
			return fmt.Errorf("-%s %d: want a number above zero", n.flag, n.v)
		}
	}
	switch {
	case cfg.MaxWorkers < 1 || cfg.MaxWorkers > multiplex.MostWorkers:
		why := "the Go runtime stops a program at 10,000 threads"
		if model == "fork" {
			why = "each worker is a whole process, with a Go runtime of its own"
		}
		return fmt.Errorf("-max-workers %d: want 1 to %d (%s)", cfg.MaxWorkers, multiplex.MostWorkers, why)
	case delay < 0:
		return fmt.Errorf("-delay %v: want a pause of zero or more", delay)
	}
	return nil
}

// modelNames are the ways to serve, as -model names them.
var modelNames = []string{"select", "blocking", "threads", "fork"}

// A model is one way to serve: select, blocking, threads or fork.
type model interface {
	Addr() string
	Serve() error
	Interrupt(os.Signal)
}

// listen starts the model called name listening.
func listen(name string, cfg multiplex.Config, files multiplex.ForkFiles) (model, error) {
	switch name {
	case "blocking":
		return multiplex.ListenBlocking(cfg)
	case "threads":
		return multiplex.ListenThreads(cfg)
	case "fork":
		return multiplex.ListenFork(cfg, files)
	}
	return multiplex.Listen(cfg)
}

// openSite returns the files to serve and how to describe them. A fork
// model's child serves the directory its parent opened, handed to it open.
func openSite(root string, t *trace.Tracer, child bool) (fs.FS, string, error) {
	switch {
	case root == "":
		sub, err := fs.Sub(site, "site")
		return demoSite{sub}, "the built-in demo site", err
	case child:
		return multiplex.ChildRoot(t), root, nil
	}
	dir, err := multiplex.OpenRoot(root, t)
	if err != nil {
		return nil, "", fmt.Errorf("-root: %w", err)
	}
	return dir, root, nil
}

// forwardSignals carries each signal to the step prompt, which stops
// waiting, and to the server once it exists (from ready). It ends when
// sigs is closed.
func forwardSignals(sigs <-chan os.Signal, ready <-chan model, term *multiplex.Terminal) {
	var srv model
	var pending []os.Signal
	for {
		select {
		case srv = <-ready:
			for _, sig := range pending {
				srv.Interrupt(sig)
			}
			pending = nil
		case sig, ok := <-sigs:
			if !ok {
				return
			}
			if term != nil && multiplex.Stops(sig) {
				term.Interrupt() // Ctrl-C works at the step prompt too; fg after Ctrl-Z goes on waiting
			}
			if srv == nil {
				pending = append(pending, sig)
			} else {
				srv.Interrupt(sig)
			}
		}
	}
}

// openTrace builds the tracer the flags ask for, and opens its files
// (closeTrace flushes and closes them). -trace none gives a nil tracer,
// which costs nothing. Under threads, the server's threads share the
// tracer; under fork, the processes share its files and pipes. child is
// for a fork model's child, whose lines are labelled with its pid and go
// after its parent's, in the files its parent opened and handed it.
func openTrace(spec, file, jsonFile, stamp, colorMode string, strSize int, stderr io.Writer, stepper *trace.Stepper, explain bool, model string, child bool) (*trace.Tracer, multiplex.ForkFiles, error) {
	var none multiplex.ForkFiles
	filter, err := trace.ParseFilter(spec, multiplex.SyscallNames(), multiplex.SyscallAliases())
	if err != nil {
		return nil, none, cli.Usage(fmt.Errorf("-trace: %w", err))
	}
	ts, ok := trace.ParseStamp(stamp)
	if !ok {
		return nil, none, cli.Usage(fmt.Errorf("-ts %q: want none, rel or wall", stamp))
	}
	if strSize < 1 {
		return nil, none, cli.Usage(fmt.Errorf("-s %d: want at least 1 byte", strSize))
	}
	if _, err := wantColor(colorMode, false, os.Getenv); err != nil {
		return nil, none, cli.Usage(err) // checked even when nothing is traced
	}
	if filter.None() && (file != "" || jsonFile != "") {
		return nil, none, cli.Usage(errors.New("-o and -json write the trace, and -trace none turns it off: drop one or the other"))
	}
	if file != "" && jsonFile != "" && sameFile(file, jsonFile) {
		return nil, none, oneFile(file, jsonFile)
	}
	if filter.None() && stepper == nil {
		return nil, none, nil
	}
	opt := trace.Options{StrSize: strSize, Filter: filter, Stamp: ts, Stepper: stepper, Explain: explain, Concurrent: model == "threads", Shared: model == "fork"}
	open := func(name string, handed func(string) *multiplex.Output) (*multiplex.Output, error) {
		if child {
			return handed(name), nil
		}
		return multiplex.Create(name)
	}
	if child {
		opt.Task, opt.Start = os.Getpid(), multiplex.ChildTraceStart()
	}
	var files multiplex.ForkFiles
	w, terminal := stderr, multiplex.IsTerminal(2)
	if file != "" {
		if files.Text, err = open(file, multiplex.ChildText); err != nil {
			return nil, none, err
		}
		w, terminal = files.Text, false
	}
	if jsonFile != "" {
		if files.JSON, err = open(jsonFile, multiplex.ChildJSON); err != nil {
			closeTrace(nil, files)
			return nil, none, err
		}
		opt.JSON = files.JSON
	}
	// Again, now that both exist: two names for one file that was not
	// there yet (a relative and an absolute path, or a symlink to it)
	// look like two files until it is made.
	if !child && files.Text != nil && files.JSON != nil && sameFile(file, jsonFile) {
		closeTrace(nil, files)
		return nil, none, oneFile(file, jsonFile)
	}
	if opt.Color, err = wantColor(colorMode, terminal, os.Getenv); err != nil {
		closeTrace(nil, files)
		return nil, none, cli.Usage(err)
	}
	return trace.New(w, opt), files, nil
}

// oneFile is the usage error for -o and -json naming one file.
func oneFile(file, jsonFile string) error {
	return cli.Usage(fmt.Errorf("-o %s and -json %s are one file: the text and the JSON lines would be mixed in it, and stepwise draw could not read it; give each a file of its own", file, jsonFile))
}

// sameFile reports whether a and b name one regular file, or one that does
// not exist yet: -o and -json there would mix their lines. A device
// (/dev/null, /dev/stderr) may take both.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	switch {
	case errA == nil && errB == nil:
		return fa.Mode().IsRegular() && os.SameFile(fa, fb)
	case errA != nil && errB != nil:
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return false
}

// closeTrace flushes t and closes its files: whatever happened, the trace
// so far is written out. It returns the first error.
func closeTrace(t *trace.Tracer, files multiplex.ForkFiles) error {
	err := t.Flush()
	for _, f := range []*multiplex.Output{files.Text, files.JSON} {
		if f == nil {
			continue
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// openStepper builds the stepper that -step, -break and -delay ask for,
// reading commands from /dev/tty so that the trace can go to a pipe or a
// file; nil if none was asked for.
func openStepper(step bool, breaks string, delay time.Duration, next string, fds func() string) (*trace.Stepper, *multiplex.Terminal, error) {
	if !step && breaks == "" && delay <= 0 {
		return nil, nil, nil
	}
	opt := trace.StepOptions{Out: os.Stderr, FDs: fds, Delay: delay, Step: step, Next: next, Stages: multiplex.Stages(), Calls: multiplex.SyscallNames(), Aliases: multiplex.SyscallAliases()}
	if breaks != "" {
		opt.Break = []string{breaks}
	}
	if _, err := trace.NewStepper(trace.StepOptions{Break: opt.Break, Stages: opt.Stages, Calls: opt.Calls, Aliases: opt.Aliases}); err != nil {
		return nil, nil, cli.Usage(fmt.Errorf("-break: %w", err)) // a typo is a usage error, terminal or not
	}
	term, err := multiplex.OpenTerminal("/dev/tty")
	switch {
	case err == nil:
		opt.In, opt.Out = term, term // prompts on the terminal, even when the trace is piped
	case delay > 0 && !step && breaks == "":
		opt.In = sleeper{} // slow motion needs no keyboard
	default:
		return nil, nil, fmt.Errorf("-step and -break read commands from the terminal: %w (run stepwise in a terminal)", err)
	}
	stepper, _ := trace.NewStepper(opt) // its one error, a bad breakpoint, was ruled out above
	return stepper, term, nil
}

// sleeper is the stepper's input when there is no terminal: slow motion
// without a keyboard. It waits the whole delay and never has a command.
type sleeper struct{}

func (sleeper) Read([]byte) (int, error) { return 0, io.EOF }

func (sleeper) Discard() error { return nil }

func (sleeper) Wait(d time.Duration) (bool, error) {
	time.Sleep(d)
	return false, nil
}

// wantColor decides whether the trace is coloured. An explicit -color
// always or never decides. In auto mode, the environment decides in this
// order: NO_COLOR set and not empty means no colour (no-color.org);
// FORCE_COLOR or CLICOLOR_FORCE set, not empty and not "0" means colour
// (force-color.org, bixense.com/clicolors); TERM=dumb means none; and
// otherwise colour only if the trace goes to a terminal.
func wantColor(mode string, terminal bool, getenv func(string) string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
	default:
		return false, fmt.Errorf("-color %q: want auto, always or never", mode)
	}
	forced := func(name string) bool { v := getenv(name); return v != "" && v != "0" }
	switch {
	case getenv("NO_COLOR") != "":
		return false, nil
	case forced("FORCE_COLOR"), forced("CLICOLOR_FORCE"):
		return true, nil
	case getenv("TERM") == "dumb":
		return false, nil
	}
	return terminal, nil
}
