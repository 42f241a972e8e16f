//go:build linux

package multiplex

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

// Fork is the process-per-connection server, the way inetd does it: the
// parent selects on its listener and its signal pipe, accepts, and starts
// a child process for each client, handing it the connected socket as fd
// 3; the child serves that one client with blocking calls (serve, as in
// Blocking) and exits. Go cannot fork without exec, so the child is this
// same program started again (fork+exec), told by its environment to
// serve fd 3 (see ServeChild). A slow client holds only its own process;
// the price is a process per client.
//
// When a child exits the kernel sends the parent SIGCHLD, which comes in
// through the signal pipe like SIGINT; the parent then reaps it with
// wait4, or it would linger as a zombie.
type Fork struct {
	selector           // its signal pipe brings SIGCHLD too
	files    []uintptr // what each child gets as fds 0 to 6 (forkExec)
	handed   string    // what else files holds, for the trace: "; also fd 5 (the trace file)"
	exe      string    // the program each child runs: this one, /proc/self/exe
	children []child   // the children not yet reaped, oldest first
	full     bool      // MaxWorkers children are serving: the listener is not watched (room)
	buf      [64]byte
}

// A child is a process serving one connection.
type child struct{ pid, conn int }

// childEnv marks a process started by Fork. Its value is "ID PEER START":
// the connection's number, 7 for c7, the client's address, and when the
// parent's trace began, in Unix nanoseconds (0 for no trace), so that the
// child's times count from it too.
const childEnv = "STEPWISE_FORK_CHILD"

// What a child finds open, besides 0, 1 and 2: its parent's files, not
// the same names opened again. A directory renamed or a trace file
// rotated away while the server runs is then the same for parent and
// children, as after a fork(2) without exec.
const (
	childFD = 3 // its connection
	rootFD  = 4 // the directory served (-root), if the site is a Root
	textFD  = 5 // the trace's text file (-o), if any
	jsonFD  = 6 // the trace's JSON lines file (-json), if any
)

// ForkFiles are the trace's files, which a fork child is handed open
// (textFD, jsonFD) to write its part of the trace after its parent's. The
// directory served, a Root in Config.FS, is handed over too (rootFD).
type ForkFiles struct {
	Text, JSON *Output // nil: none
}

// ForkSignals are the signals the fork model needs from signal.Notify:
// SelectSignals, and SIGCHLD, which says a child has exited.
func ForkSignals() []os.Signal { return append(SelectSignals(), unix.SIGCHLD) }

// ListenFork creates the listening socket and the signal pipe. Each child
// will be handed files, open, and the directory served if it is a Root.
func ListenFork(cfg Config, files ForkFiles) (*Fork, error) {
	f := &Fork{exe: "/proc/self/exe"}
	if err := f.listen(cfg, sys{t: cfg.Trace, who: f.who}); err != nil {
		return nil, err
	}
	none := ^uintptr(0) // -1: fd not open in the child
	f.files = []uintptr{0, 1, 2, none, none, none, none}
	hand := func(fd, at int, what string) {
		f.files[at] = uintptr(fd)
		sep := "; also "
		if f.handed != "" {
			sep = ", "
		}
		f.handed += fmt.Sprintf("%sfd %d (%s)", sep, at, what)
	}
	if r, ok := cfg.FS.(*Root); ok {
		hand(r.fd, rootFD, "the directory served")
	}
	if files.Text != nil {
		hand(files.Text.fd, textFD, "the trace file")
	}
	if files.JSON != nil {
		hand(files.JSON.fd, jsonFD, "the JSON trace file")
	}
	return f, nil
}

// Serve runs the parent until a signal stops it and its children are
// done.
func (f *Fork) Serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		now := f.cfg.Now()
		switch {
		case f.sig.err != nil:
			f.killAll()
			return f.close()
		case f.sig.count > 0 && len(f.children) == 0:
			return f.close()
		case f.sig.count > 0 && !now.Before(f.sig.stopAt):
			f.k.note(0, "shutdown deadline: killing %d children still serving", len(f.children))
			f.killAll()
			return f.close()
		}
		var readable, writable unix.FdSet
		readable.Set(f.sig.r)
		maxfd := f.sig.r
		if f.accepting(now) && f.room() {
			readable.Set(f.fd)
			maxfd = max(maxfd, f.fd)
		}
		if _, err := f.sleep(maxfd+1, &readable, &writable, earliest(f.acceptAt, f.sig.stopAt), f.cfg.Now); err != nil {
			f.close()
			return err
		}
		if readable.IsSet(f.sig.r) {
			f.signaled()
		}
		if f.fd >= 0 && readable.IsSet(f.fd) {
			f.accept()
		}
	}
}

// room reports whether another child may start. With MaxWorkers children
// serving, the parent stops watching the listener until one is reaped, and
// new clients wait in the listen queue.
func (f *Fork) room() bool {
	full := len(f.children) >= f.cfg.MaxWorkers
	if full && !f.full {
		f.k.note(0, "%s serving: not accepting until one is done; new clients wait in the listen queue", allBusy(f.cfg.MaxWorkers, "child", "children"))
	}
	f.full = full
	return !full
}

// accept takes a connection and hands it to a new child.
func (f *Fork) accept() {
	fd, sa, err := f.k.accept(f.fd, f.lastID+1, 0) // 0: the child's socket blocks
	switch {
	case outOfFDs(err): // err is an *os.SyscallError: == unix.EMFILE never held
		f.acceptAt = f.cfg.Now().Add(acceptPause)
		f.k.note(0, "out of file descriptors: not accepting for %v", acceptPause)
		return
	case err != nil:
		return // EAGAIN, ECONNABORTED...: traced by accept
	}
	f.lastID++
	c := &conn{fd: fd, id: f.lastID, peer: sa}
	pid, err := f.forkExec(c)
	if err != nil {
		f.refuse(c, err)
	}
	f.k.close(fd, c.id) // the parent's copy: the child has its own, as fd 3
	if err == nil {
		f.children = append(f.children, child{pid: pid, conn: c.id})
	}
}

// refuse answers c, whose child could not be started (err: out of
// processes or memory, say), with 503 and why: the client is told, not
// dropped. Its socket, made to block for the child, is made not to first,
// so that reading what the client sent cannot hold the parent.
func (f *Fork) refuse(c *conn, err error) {
	if f.k.nonblock(c.fd, c.id) != nil {
		return
	}
	f.k.serviceUnavailable(c, "no process to serve this client: fork+exec failed: "+err.Error(), f.cfg.Now(), make([]byte, readBufSize))
}

// forkExec starts this program again, in a child process, to serve c. The
// system calls are the Go runtime's (clone, then dup2 and execve in the
// child): strace -f shows them; the trace says what came of them.
func (f *Fork) forkExec(c *conn) (int, error) {
	env := slices.DeleteFunc(os.Environ(), func(v string) bool { return strings.HasPrefix(v, childEnv+"=") })
	var start int64
	if t := f.cfg.Trace.Start(); !t.IsZero() {
		start = t.UnixNano()
	}
	env = append(env, childEnv+"="+strconv.Itoa(c.id)+" "+c.peer.String()+" "+strconv.FormatInt(start, 10))
	files := slices.Clone(f.files)
	files[childFD] = uintptr(c.fd)
	pid, err := syscall.ForkExec(f.exe, os.Args, &syscall.ProcAttr{Env: env, Files: files})
	if err != nil {
		return 0, err
	}
	f.k.noteAt(c.id, "fork", "fork+exec: process %d runs this program again (/proc/self/exe) with %s's socket as its fd %d%s", pid, trace.Label(c.id), childFD, f.handed)
	return pid, nil
}

// signaled reads the signals waiting in the pipe and acts on them.
func (f *Fork) signaled() {
	n, err := f.k.read(f.sig.r, 0, f.buf[:])
	if err != nil || n == 0 {
		return
	}
	exited := false
	for _, b := range f.buf[:n] {
		name := unix.SignalName(syscall.Signal(b))
		f.k.signal(name)
		if syscall.Signal(b) == unix.SIGCHLD {
			exited = true
			continue
		}
		if syscall.Signal(b) == unix.SIGCONT {
			f.k.note(0, "%s", continuedNote)
			continue
		}
		f.sig.count++
		if f.sig.count > 1 {
			f.k.note(0, "second %s: stopping now, killing %d children", name, len(f.children))
			f.sig.err = ErrForced
			return
		}
		f.closeListener()
		f.sig.stopAt = f.cfg.Now().Add(f.cfg.ShutdownTimeout)
		f.k.note(0, "shutting down: no longer accepting; %d children have up to %v to finish (a second %s stops them at once)", len(f.children), f.cfg.ShutdownTimeout, name)
	}
	if exited {
		f.reap()
	}
}

// reap collects every child that has exited. Until its parent waits for
// it, an exited child stays in the process table: a zombie.
func (f *Fork) reap() {
	for len(f.children) > 0 {
		pid, ws, err := f.k.wait4(unix.WNOHANG)
		if err != nil || pid <= 0 {
			return // 0: the others are still running
		}
		f.reaped(pid, ws)
	}
}

// reaped forgets the child pid, which wait4 has collected.
func (f *Fork) reaped(pid int, ws unix.WaitStatus) {
	i := slices.IndexFunc(f.children, func(ch child) bool { return ch.pid == pid })
	if i < 0 {
		return
	}
	ch := f.children[i]
	f.children = slices.Delete(f.children, i, i+1)
	how := "exit status " + strconv.Itoa(ws.ExitStatus())
	if ws.Signaled() {
		how = "killed by " + unix.SignalName(ws.Signal())
	}
	f.k.note(ch.conn, "process %d has ended (%s) and is reaped: no zombie left", pid, how)
}

// killAll stops every child at once and reaps them.
func (f *Fork) killAll() {
	for _, ch := range f.children {
		f.k.kill(ch.pid, ch.conn, unix.SIGKILL)
	}
	for len(f.children) > 0 {
		pid, ws, err := f.k.wait4(0)
		if err != nil {
			return
		}
		f.reaped(pid, ws)
	}
}

// close closes the listener and the signal pipe; it returns what Serve
// returns. A trace write error stays in the trace, for its owner to
// report.
func (f *Fork) close() error {
	f.closeAll()
	f.k.t.Flush()
	return f.sig.err
}

// ForkChild reports whether this process is a child started by Fork, to
// serve one connection (ServeChild) rather than listen.
func ForkChild() bool {
	_, ok := os.LookupEnv(childEnv)
	return ok
}

// ChildRoot is the directory a fork child's parent serves, handed to it
// open (rootFD), as a Root traced to t.
func ChildRoot(t *trace.Tracer) *Root { return newRoot(rootFD, t) }

// ChildText and ChildJSON are the trace's files of a fork child's parent,
// -o's and -json's, both called name, handed to it open.
func ChildText(name string) *Output { return &Output{fd: textFD, name: name} }
func ChildJSON(name string) *Output { return &Output{fd: jsonFD, name: name} }

// ChildTraceStart is when a fork child's parent began its trace, for the
// child's to count its times from; zero if it did not say.
func ChildTraceStart() time.Time {
	_, _, start, _ := childInfo()
	return start
}

// childInfo reads childEnv, "ID PEER START", in a fork child.
func childInfo() (id int, peer netip.AddrPort, start time.Time, err error) {
	v := os.Getenv(childEnv)
	f := strings.Fields(v)
	if len(f) == 3 {
		id, err = strconv.Atoi(f[0])
		if err == nil {
			peer, err = netip.ParseAddrPort(f[1])
		}
		if ns, nerr := strconv.ParseInt(f[2], 10, 64); err == nil && nerr == nil && ns > 0 {
			start = time.Unix(0, ns)
		}
	}
	if len(f) != 3 || err != nil || id <= 0 {
		return 0, peer, start, fmt.Errorf("%s=%q: want \"ID PEER START\", as the fork model sets it", childEnv, v)
	}
	return id, peer, start, nil
}

// ServeChild is a fork child's whole life: it serves the connection its
// parent handed it on fd 3, and returns. Its trace, labelled with its pid
// (trace.Options.Task), goes where the parent's goes.
func ServeChild(cfg Config) error {
	id, peer, _, err := childInfo()
	if err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	serve(cfg, sys{t: cfg.Trace}, cfg.FS, &conn{fd: childFD, id: id, peer: peer})
	cfg.Trace.Flush() // a write error stays in the trace, for its owner to report
	return nil
}
