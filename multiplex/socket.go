//go:build linux

package multiplex

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

// sys makes the server's system calls and reports each one to the trace:
// the call's real name (the one strace shows), its real arguments and its
// real result or errno. Every system call stepwise makes on purpose goes
// through a method of sys, so the trace never says a call happened that did
// not, and never hides one that did.
//
// EINTR is not an error: the call is made again, and both attempts appear in
// the trace (readOnce leaves that to its caller). EAGAIN is returned as it is; the caller treats it as "not ready
// yet" and lets select wait.
type sys struct {
	t *trace.Tracer
	// who names an fd for the comment after select ("3=listener 5=c1").
	who func(fd int) string
	// task labels the events of a thread that is not the server's main
	// one ("[pid 1234]"); 0 for the main thread.
	task int
	// nonblocking says that the sockets this sys reads, writes and accepts
	// on never make a call wait: it makes those calls raw (raw.go).
	nonblocking bool
}

// SyscallNames are the system calls the server makes on purpose, by the
// names strace and the trace give them: what -trace may choose from.
func SyscallNames() []string {
	return []string{"socket", "setsockopt", "bind", "listen", "getsockname", "pipe2", "pselect6",
		"accept4", "read", "write", "sendfile", "shutdown", "ioctl", "fcntl", "close", "openat", "openat2", "fstat", "newfstatat",
		"gettid", "wait4", "kill", "rt_sigprocmask"}
}

// SyscallAliases are the names a textbook gives some of those calls: Go's
// unix.Select is pselect6, and so on. -trace and breakpoints take them.
func SyscallAliases() map[string][]string {
	return map[string][]string{
		"accept": {"accept4"},
		"select": {"pselect6"},
		"open":   {"openat", "openat2"},
		"pipe":   {"pipe2"},
		"stat":   {"fstat", "newfstatat"},
	}
}

// IsTerminal reports whether fd is a terminal: whether the terminal
// ioctl TCGETS works on it.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// Stdout is the process's standard output as an Output: what the access
// log is written to, with write(2) calls the trace shows.
//
// It also has Go read the local time zone now, before the trace begins.
// The log's times are local, and Go reads the zone (openat, read and close
// of /etc/localtime) the first time a local time is formatted: otherwise
// that would happen in the middle of the first request, in calls the
// trace does not show and strace does.
func Stdout() *Output {
	time.Now().Zone()
	return &Output{fd: 1, name: "standard output"}
}

// log writes one line of a log: through a traced write when w is an
// Output (an fd), so that the trace shows the call; otherwise (a test's
// buffer) no system call is made.
func (k sys) log(w io.Writer, line []byte) {
	if o, ok := w.(*Output); ok {
		k.nonblocking = false // standard output may be a pipe that makes write wait
		k.write(o.fd, 0, line)
		return
	}
	w.Write(line)
}

// call describes a finished system call for the trace.
func call(conn int, name, args string, ret int) trace.Event {
	return trace.Event{Kind: trace.Syscall, Conn: conn, Name: name, Args: args, Ret: ret, Comment: trace.Label(conn)}
}

// before lets a stepping trace pause just before a call is made, showing
// the call as it is about to be made.
func (k sys) before(conn int, name, args string) {
	if k.t.Stepping() {
		e := call(conn, name, args, 0)
		e.Task = k.task
		k.t.Before(e)
	}
}

// do makes a call whose only result is an error: it lets a stepping trace
// pause before it, makes it again after EINTR, and traces every attempt.
// args is what the trace shows; it may be empty when the trace is off.
func (k sys) do(conn int, name, args string, f func() error) error {
	return k.doNoted(conn, name, args, "", f)
}

// doNoted is do with a note after the connection's label in the line's
// comment: what an argument strace shows as raw bytes says
// ("c1: {tv_sec=10, tv_usec=0}").
func (k sys) doNoted(conn int, name, args, note string, f func() error) error {
	k.before(conn, name, args)
	for {
		err := f()
		if k.t.On() {
			e := call(conn, name, args, 0)
			if note != "" {
				e.Comment += ": " + note
			}
			k.emit(e, err)
		}
		if err != unix.EINTR {
			return sysErr(name, err)
		}
	}
}

// emit records one finished call, with its errno if it failed. Callers
// check k.t.On() first, so that with tracing off no argument string is
// ever built.
func (k sys) emit(e trace.Event, err error) {
	if errno, ok := err.(unix.Errno); ok {
		e.Ret, e.Errno, e.ErrText = -1, unix.ErrnoName(errno), errText(errno)
	}
	k.t.Emit(k.explained(e))
}

// errText is strerror(3)'s text for errno, as strace prints it.
func errText(errno unix.Errno) string {
	s := errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// socket wraps socket(2). The socket is close-on-exec, and non-blocking if
// flags is unix.SOCK_NONBLOCK: the select loop must never sleep anywhere
// but in select. The blocking models pass 0.
func (k sys) socket(family, flags int) (int, error) {
	args := familyName(family) + ", SOCK_STREAM|SOCK_CLOEXEC" + nonblock(flags) + ", IPPROTO_IP"
	k.before(0, "socket", args)
	for {
		fd, err := unix.Socket(family, unix.SOCK_STREAM|flags|unix.SOCK_CLOEXEC, 0)
		if k.t.On() {
			k.emit(call(0, "socket", args, fd), err)
		}
		if err != unix.EINTR {
			return fd, sysErr("socket", err)
		}
	}
}

// reuseAddr wraps setsockopt(2) with SO_REUSEADDR, so that a restarted
// server can bind its port while old connections sit in TIME_WAIT.
func (k sys) reuseAddr(fd int) error {
	args := strconv.Itoa(fd) + ", SOL_SOCKET, SO_REUSEADDR, [1], 4"
	return k.do(0, "setsockopt", args, func() error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1) })
}

// bind wraps bind(2): give the socket its address.
func (k sys) bind(fd int, addr netip.AddrPort) error {
	args := strconv.Itoa(fd) + ", " + sockaddrString(addr) + ", " + strconv.Itoa(sockaddrLen(addr))
	var sa unix.Sockaddr
	if addr.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
	}
	return k.do(0, "bind", args, func() error { return unix.Bind(fd, sa) })
}

// listen wraps listen(2): from now on the kernel accepts connections on the
// server's behalf and queues up to backlog of them for accept.
func (k sys) listen(fd, backlog int) error {
	args := strconv.Itoa(fd) + ", " + strconv.Itoa(backlog)
	return k.do(0, "listen", args, func() error { return unix.Listen(fd, backlog) })
}

// getsockname wraps getsockname(2): the address the socket really has,
// which tells the port the kernel chose when asked for port 0.
func (k sys) getsockname(fd int) (netip.AddrPort, error) {
	k.before(0, "getsockname", strconv.Itoa(fd)+", ..., ["+strconv.Itoa(unix.SizeofSockaddrAny)+"]")
	for {
		sa, err := rawGetsockname(fd)
		if k.t.On() {
			k.emit(call(0, "getsockname", strconv.Itoa(fd)+", "+sockaddrArgs(sa, err), 0), err)
		}
		if err != unix.EINTR {
			return sa, sysErr("getsockname", err)
		}
	}
}

// accept wraps accept4(2). It returns a close-on-exec fd for the next
// connection waiting on the listener, non-blocking if flags is
// unix.SOCK_NONBLOCK (the select loop's), blocking if it is 0. On a
// non-blocking listener it returns unix.EAGAIN if no connection is
// waiting; on a blocking one it sleeps until one comes. conn is the label
// the new connection will get, for the trace.
func (k sys) accept(fd, conn, flags int) (int, netip.AddrPort, error) {
	if k.t.Stepping() {
		k.before(0, "accept4", strconv.Itoa(fd)+", ..., ["+strconv.Itoa(unix.SizeofSockaddrAny)+"], SOCK_CLOEXEC"+nonblock(flags))
		if k.t.Quit() {
			// q at this prompt: a blocking accept could sleep until the
			// next client, so it is not made, and not traced.
			return -1, netip.AddrPort{}, ErrQuit
		}
	}
	for {
		nfd, sa, err := rawAccept4(fd, flags|unix.SOCK_CLOEXEC, k.nonblocking)
		if k.t.On() {
			if err != nil {
				conn = 0
			}
			k.emit(call(conn, "accept4", strconv.Itoa(fd)+", "+sockaddrArgs(sa, err)+", SOCK_CLOEXEC"+nonblock(flags), nfd), err)
		}
		if err != unix.EINTR {
			return nfd, sa, sysErr("accept4", err)
		}
	}
}

// read wraps read(2). n == 0 with a nil error means the peer closed its
// side: end of file. conn labels the connection in the trace (0 for none).
func (k sys) read(fd, conn int, buf []byte) (int, error) {
	for {
		n, err := k.readOnce(fd, conn, buf)
		if !errors.Is(err, unix.EINTR) {
			return n, err
		}
	}
}

// readOnce is read without the retry: after EINTR it returns, and the
// error says so. A blocking read waits for at most its socket's
// SO_RCVTIMEO, and a read made again would wait that long once more,
// however long the first one had waited; receive sets the time left
// before it reads again.
func (k sys) readOnce(fd, conn int, buf []byte) (int, error) {
	if k.t.Stepping() {
		k.before(conn, "read", strconv.Itoa(fd)+", ..., "+strconv.Itoa(len(buf)))
		if !k.nonblocking && k.t.Quit() {
			// q at this prompt: a blocking read could sleep until the
			// client sends, or until its timeout, so it is not made, and
			// not traced.
			return -1, ErrQuit
		}
	}
	n, err := k.sysRead(fd, buf)
	if k.t.On() {
		data := k.t.Quote(buf[:max(n, 0)])
		if err != nil {
			data = "0x..." // strace prints the buffer's address when the call fails
		}
		k.emit(call(conn, "read", strconv.Itoa(fd)+", "+data+", "+strconv.Itoa(len(buf)), n), err)
	}
	return n, sysErr("read", err)
}

// write wraps write(2). It may write fewer bytes than asked (a partial
// write); the caller keeps the rest for the next time select says the fd is
// writable.
func (k sys) write(fd, conn int, buf []byte) (int, error) {
	var args string
	if k.t.On() {
		args = strconv.Itoa(fd) + ", " + k.t.Quote(buf) + ", " + strconv.Itoa(len(buf))
		k.before(conn, "write", args)
	}
	for {
		n, err := k.sysWrite(fd, buf)
		if k.t.On() {
			k.emit(call(conn, "write", args, n), err)
		}
		if err != unix.EINTR {
			return n, sysErr("write", err)
		}
	}
}

// sendfile wraps sendfile(2): the kernel copies up to count bytes from
// the file in to the socket out, from the file's own offset, which it
// moves on. The bytes never pass through the server's memory. Like write,
// it may send fewer than asked.
func (k sys) sendfile(out, conn, in, count int) (int, error) {
	var args string
	if k.t.On() {
		args = strconv.Itoa(out) + ", " + strconv.Itoa(in) + ", NULL, " + strconv.Itoa(count)
		k.before(conn, "sendfile", args)
	}
	for {
		n, err := k.sysSendfile(out, in, count)
		if k.t.On() {
			k.emit(call(conn, "sendfile", args, n), err)
		}
		if err != unix.EINTR {
			return n, sysErr("sendfile", err)
		}
	}
}

// nonblock wraps fcntl(2) with F_SETFL: fd's calls stop waiting, as
// SOCK_NONBLOCK would have made them. A socket's other flag is O_RDWR.
func (k sys) nonblock(fd, conn int) error {
	var args string
	if k.t.On() {
		args = strconv.Itoa(fd) + ", F_SETFL, O_RDWR|O_NONBLOCK"
	}
	return k.do(conn, "fcntl", args, func() error {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, unix.O_RDWR|unix.O_NONBLOCK)
		return err
	})
}

// shutdown wraps shutdown(2) with SHUT_WR: the server will send nothing
// more, and the client reads end of file after the answer, while the
// server can still read what the client sends.
func (k sys) shutdown(fd, conn int) error {
	var args string
	if k.t.On() {
		args = strconv.Itoa(fd) + ", SHUT_WR"
	}
	return k.do(conn, "shutdown", args, func() error { return unix.Shutdown(fd, unix.SHUT_WR) })
}

// queued wraps ioctl(2) with SIOCOUTQ: how many bytes the server has sent
// on fd that the client's kernel has not yet acknowledged, a FIN counting
// one. strace calls it TIOCOUTQ, the terminal request of the same number.
func (k sys) queued(fd, conn int) (int, error) {
	k.before(conn, "ioctl", strconv.Itoa(fd)+", TIOCOUTQ, ...")
	for {
		n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
		if k.t.On() {
			count := "[" + strconv.Itoa(n) + "]"
			if err != nil {
				count = "0x..." // strace prints the int's address when the call fails
			}
			k.emit(call(conn, "ioctl", strconv.Itoa(fd)+", TIOCOUTQ, "+count, 0), err)
		}
		if err != unix.EINTR {
			return n, sysErr("ioctl", err)
		}
	}
}

// pipe wraps pipe2(2): a pipe whose ends are both non-blocking.
func (k sys) pipe() (r, w int, err error) {
	var p [2]int
	k.before(0, "pipe2", "..., O_NONBLOCK|O_CLOEXEC")
	for {
		err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC)
		if k.t.On() {
			k.emit(call(0, "pipe2", "["+strconv.Itoa(p[0])+", "+strconv.Itoa(p[1])+"], O_NONBLOCK|O_CLOEXEC", 0), err)
		}
		if err != unix.EINTR {
			return p[0], p[1], sysErr("pipe2", err)
		}
	}
}

// close wraps close(2). It is never retried, not even after EINTR: on Linux
// the fd is gone whatever close returns, and a second close could close an
// fd that another open has just reused.
func (k sys) close(fd, conn int) error {
	var args string
	if k.t.On() {
		args = strconv.Itoa(fd)
		k.before(conn, "close", args)
	}
	err := k.sysClose(fd)
	if k.t.On() {
		k.emit(call(conn, "close", args, 0), err)
	}
	return sysErr("close", err)
}

// timeout wraps setsockopt(2) with SO_RCVTIMEO or SO_SNDTIMEO (opt): a
// blocking read or write on fd gives up after d, with EAGAIN. A server
// that does not select has no other way to stop waiting for a client.
// strace calls the options SO_RCVTIMEO_OLD and SO_SNDTIMEO_OLD: they take
// the old struct timeval. strace does not decode that struct: it shows its
// 16 bytes as a string, tv_sec then tv_usec, each a little-endian 64-bit
// integer ("\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" is 10 s), and so does the
// trace; its comment says what the bytes are ("c1: {tv_sec=10,
// tv_usec=0}"), since few can read them at a glance.
func (k sys) timeout(fd, conn, opt int, d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	var args, note string
	if k.t.On() {
		name := "SO_RCVTIMEO_OLD"
		if opt == unix.SO_SNDTIMEO {
			name = "SO_SNDTIMEO_OLD"
		}
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&tv)), unsafe.Sizeof(tv)) // the bytes the kernel reads
		args = strconv.Itoa(fd) + ", SOL_SOCKET, " + name + ", " + k.t.Quote(raw) + ", " + strconv.Itoa(len(raw))
		note = "{tv_sec=" + strconv.FormatInt(tv.Sec, 10) + ", tv_usec=" + strconv.FormatInt(tv.Usec, 10) + "}"
	}
	return k.doNoted(conn, "setsockopt", args, note, func() error { return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv) })
}

// gettid wraps gettid(2): the id of the calling thread, the number strace
// -f shows in "[pid N]" before each of the thread's calls. The returned k
// labels its events with it.
func (k sys) gettid(conn int) sys {
	k.before(conn, "gettid", "")
	tid := unix.Gettid()
	k.task = tid
	if k.t.On() {
		k.emit(call(conn, "gettid", "", tid), nil)
	}
	return k
}

// wait4 wraps wait4(2) for any child (-1): it reaps one child that has
// exited, so that it leaves no zombie, and returns its pid and how it
// ended. With WNOHANG it returns 0 at once if no child has exited yet, and
// unix.ECHILD if there are no children at all.
func (k sys) wait4(options int) (int, unix.WaitStatus, error) {
	opts := "0"
	if options&unix.WNOHANG != 0 {
		opts = "WNOHANG"
	}
	k.before(0, "wait4", "-1, ..., "+opts+", NULL")
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, options, nil)
		if k.t.On() {
			status := "0x..." // strace prints the address when nothing was stored
			if pid > 0 {
				status = "[" + waitStatusString(ws) + "]"
			}
			k.emit(call(0, "wait4", "-1, "+status+", "+opts+", NULL", pid), err)
		}
		if err != unix.EINTR {
			return pid, ws, sysErr("wait4", err)
		}
	}
}

// kill wraps kill(2): send sig to process pid.
func (k sys) kill(pid, conn int, sig unix.Signal) error {
	args := strconv.Itoa(pid) + ", " + unix.SignalName(sig)
	k.before(conn, "kill", args)
	err := unix.Kill(pid, sig)
	if k.t.On() {
		k.emit(call(conn, "kill", args, 0), err)
	}
	return sysErr("kill", err)
}

// holdSIGCONT wraps rt_sigprocmask(2) on the calling thread, the select
// loop's: how is unix.SIG_BLOCK or unix.SIG_UNBLOCK, and the set is
// SIGCONT alone.
//
// The select loop and fork's parent take SIGCONT (SelectSignals), and so
// the Go runtime has a handler for it. A handler that runs on the thread
// asleep in select ends the call with EINTR, though no deadline needs it;
// so an idle server, after a stop and a fg, showed a select that EINTR had
// cut short, or not, as the kernel chose the thread. Blocked here, SIGCONT
// goes to another thread, and only the signal pipe wakes select, and only
// when it waits for a deadline (selector.sleep). A stop and a fg still stop
// and resume this thread: that is not a signal handler's doing. Serve
// unblocks it when it returns, on its way out.
//
// Fork's parent does not block it: a process it starts would inherit the
// mask (Go's fork and exec keep the thread's), and its select ends with
// EINTR at each child's exit (SIGCHLD) anyway.
func (k sys) holdSIGCONT(how int) error {
	var set unix.Sigset_t
	set.Val[(unix.SIGCONT-1)/64] |= 1 << ((unix.SIGCONT - 1) % 64)
	var args string
	if k.t.On() {
		name := "SIG_BLOCK"
		if how == unix.SIG_UNBLOCK {
			name = "SIG_UNBLOCK"
		}
		args = name + ", [CONT], NULL, 8"
	}
	err := k.do(0, "rt_sigprocmask", args, func() error { return unix.PthreadSigmask(how, &set, nil) })
	if how == unix.SIG_UNBLOCK {
		k.t.Flush() // the loop's last call, out before its caller says it stopped
	}
	return err
}

// waitStatusString prints a wait status as strace does:
// "{WIFEXITED(s) && WEXITSTATUS(s) == 0}".
func waitStatusString(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return "{WIFEXITED(s) && WEXITSTATUS(s) == " + strconv.Itoa(ws.ExitStatus()) + "}"
	case ws.Signaled() && ws.CoreDump():
		return "{WIFSIGNALED(s) && WTERMSIG(s) == " + unix.SignalName(ws.Signal()) + " && WCOREDUMP(s)}"
	case ws.Signaled():
		return "{WIFSIGNALED(s) && WTERMSIG(s) == " + unix.SignalName(ws.Signal()) + "}"
	}
	return "0x" + strconv.FormatUint(uint64(ws), 16)
}

// pselect wraps the pselect6(2) system call, which is what unix.Select
// makes on linux/amd64 (and arm64): strace shows that name, and so do we.
// It sleeps until an fd in r is readable or one in w is writable, or until
// timeout (nil: forever). On return r and w hold only the ready fds.
//
// After EINTR (a signal came: SIGINT, or SIGCONT after a stop) it returns
// at once, with no fd ready, rather than make the call again: the timeout
// is the time left to a deadline when the turn began, and the same
// timeout again could wait past the deadline by as long as the process
// was stopped. The loop's next turn works out a new one.
func (k sys) pselect(nfd int, r, w *unix.FdSet, timeout *unix.Timeval) (int, error) {
	var args, roles string
	if k.t.On() {
		args = strconv.Itoa(nfd) + ", " + fdSetString(r, nfd) + ", " + fdSetString(w, nfd) + ", NULL, " + timevalString(timeout) + ", NULL"
		roles = k.roles(r, w, nfd)
		if k.t.Stepping() {
			e := call(0, "pselect6", args, 0)
			e.Comment = roles
			k.t.Before(e)
			if k.t.Quit() {
				// q at this prompt: select could sleep until the next
				// client, so it is not made, and not traced. No fd is
				// ready, and the loop stops before the next turn.
				return noneReady(r, w)
			}
		}
		k.t.Flush() // everything before this call is on screen while we sleep
	}
	n, left, err := pselect6(nfd, r, w, timeout)
	if k.t.On() {
		e := call(0, "pselect6", args, n)
		e.Extra, e.Comment = readyString(n, err, r, w, nfd, timeout != nil, left), roles
		k.emit(e, err)
	}
	if err == unix.EINTR {
		return noneReady(r, w)
	}
	return n, sysErr("pselect6", err)
}

// pselect6 is unix.Select as x/sys makes it on linux/amd64 and arm64,
// the same pselect6 call with the same arguments, except that the
// timespec it passes is kept: the kernel writes into it the time that was
// left when select returned, which strace shows after the ready sets
// ("left {tv_sec=9, tv_nsec=999966407}"), and so does the trace. left
// means nothing when timeout is nil. The timespec is a value on the
// stack, so a round allocates nothing for it.
func pselect6(nfd int, r, w *unix.FdSet, timeout *unix.Timeval) (n int, left unix.Timespec, err error) {
	var ts *unix.Timespec
	if timeout != nil {
		left = unix.Timespec{Sec: timeout.Sec, Nsec: timeout.Usec * 1000}
		ts = &left
	}
	r0, _, e := unix.Syscall6(unix.SYS_PSELECT6, uintptr(nfd), uintptr(unsafe.Pointer(r)), uintptr(unsafe.Pointer(w)), 0, uintptr(unsafe.Pointer(ts)), 0)
	if e != 0 {
		return -1, left, e
	}
	return int(r0), left, nil
}

// noneReady is pselect's answer when it made no call, or one a signal cut
// short: no fd ready.
func noneReady(r, w *unix.FdSet) (int, error) {
	r.Zero()
	w.Zero()
	return 0, nil
}

// roles says what each watched fd is: "3=listener 5=c1 6=c2".
func (k sys) roles(r, w *unix.FdSet, nfd int) string {
	var b []byte
	for fd := 0; fd < nfd; fd++ {
		if !r.IsSet(fd) && !w.IsSet(fd) {
			continue
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(fd), 10)
		b = append(b, '=')
		b = append(b, k.who(fd)...)
	}
	return string(b)
}

// rawAccept4 and rawGetsockname make their system calls themselves
// rather than through unix.Accept4 and unix.Getsockname. Those two decode
// an AF_INET address by first asking getsockopt(SO_PROTOCOL) whether the
// socket is an L2TP one: a hidden system call on every accepted connection
// that the trace would not show and strace would. Here the kernel fills a
// RawSockaddrAny and inetAddr decodes it, which takes unsafe, as it does
// inside x/sys; this and raw.go are the only places stepwise uses unsafe.
// The address comes back as a netip.AddrPort, a value: a unix.Sockaddr
// would be one more allocation on every accept.

func rawAccept4(fd, flags int, nonblocking bool) (int, netip.AddrPort, error) {
	var rsa unix.RawSockaddrAny
	size := uint32(unix.SizeofSockaddrAny)
	var nfd uintptr
	var e unix.Errno
	if nonblocking { // raw.go; each call direct, as unsafe.Pointer's rules ask
		nfd, _, e = unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&size)), uintptr(flags), 0, 0)
	} else { // a blocking listener: accept waits
		nfd, _, e = unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&size)), uintptr(flags), 0, 0)
	}
	if e != 0 {
		return -1, netip.AddrPort{}, e
	}
	return int(nfd), inetAddr(&rsa), nil
}

func rawGetsockname(fd int) (netip.AddrPort, error) {
	var rsa unix.RawSockaddrAny
	size := uint32(unix.SizeofSockaddrAny)
	_, _, e := unix.Syscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&size)))
	if e != 0 {
		return netip.AddrPort{}, e
	}
	return inetAddr(&rsa), nil
}

// inetAddr decodes an IPv4 or IPv6 address (the only kinds a TCP listener
// produces); the port is in network byte order. Anything else is the zero
// AddrPort.
func inetAddr(rsa *unix.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		pp := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&pp.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(pp.Addr), uint16(port[0])<<8|uint16(port[1]))
	case unix.AF_INET6:
		pp := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&pp.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(pp.Addr), uint16(port[0])<<8|uint16(port[1]))
	}
	return netip.AddrPort{}
}

// nonblock is how strace ends a list of flags that may hold SOCK_NONBLOCK.
func nonblock(flags int) string {
	if flags&unix.SOCK_NONBLOCK != 0 {
		return "|SOCK_NONBLOCK"
	}
	return ""
}

// ErrQuit is what a call that could sleep returns, without being made,
// when the person at the step prompt asked to quit before it; and what
// Listen and its kind return after a q at a prompt of theirs, or at an
// earlier one (-root's openat), once they have closed what they opened.
var ErrQuit = errors.New("quit at the step prompt")

func sysErr(name string, err error) error {
	if err == nil || err == unix.EAGAIN {
		// EAGAIN is no failure, only "not now": the loop meets it on most
		// turns, and it goes back bare, without a SyscallError to allocate.
		return err
	}
	return os.NewSyscallError(name, err)
}

func familyName(family int) string {
	if family == unix.AF_INET6 {
		return "AF_INET6"
	}
	return "AF_INET"
}

// sockaddrArgs prints the address and size arguments of a call that
// fills in an address (accept4, getsockname) as strace does: the address
// and "[room => size]"; when the call fails, the address's address and
// the size only as it went in, since the kernel stored neither.
func sockaddrArgs(sa netip.AddrPort, err error) string {
	room := "[" + strconv.Itoa(unix.SizeofSockaddrAny)
	if err != nil {
		return "0x..., " + room + "]"
	}
	return sockaddrString(sa) + ", " + room + " => " + strconv.Itoa(sockaddrLen(sa)) + "]"
}

// sockaddrString prints an address as strace does.
func sockaddrString(a netip.AddrPort) string {
	switch {
	case !a.IsValid():
		return "{}"
	case a.Addr().Is4():
		return `{sa_family=AF_INET, sin_port=htons(` + strconv.Itoa(int(a.Port())) + `), sin_addr=inet_addr("` + a.Addr().String() + `")}`
	}
	return `{sa_family=AF_INET6, sin6_port=htons(` + strconv.Itoa(int(a.Port())) + `), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "` + a.Addr().String() + `", &sin6_addr), sin6_scope_id=0}`
}

// sockaddrLen is the size of the kernel's struct for a.
func sockaddrLen(a netip.AddrPort) int {
	switch {
	case !a.IsValid():
		return 0
	case a.Addr().Is4():
		return unix.SizeofSockaddrInet4
	}
	return unix.SizeofSockaddrInet6
}

// fdSetString prints the fds in set below nfd as strace does: "[3 5]".
func fdSetString(set *unix.FdSet, nfd int) string {
	if set == nil {
		return "NULL"
	}
	b := []byte{'['}
	for fd := 0; fd < nfd; fd++ {
		if set.IsSet(fd) {
			if len(b) > 1 {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, int64(fd), 10)
		}
	}
	return string(append(b, ']'))
}

// readyString is what strace prints after select's result: "(in [5],
// out [6])", and the time left if select had a timeout: "(in [5], left
// {tv_sec=1, tv_nsec=999000000})". A timeout is "(Timeout)" alone.
func readyString(n int, err error, r, w *unix.FdSet, nfd int, timed bool, left unix.Timespec) string {
	switch {
	case err != nil:
		return ""
	case n == 0:
		return "(Timeout)"
	}
	var parts []string
	if s := fdSetString(r, nfd); r != nil && s != "[]" {
		parts = append(parts, "in "+s)
	}
	if s := fdSetString(w, nfd); w != nil && s != "[]" {
		parts = append(parts, "out "+s)
	}
	if timed {
		parts = append(parts, "left {tv_sec="+strconv.FormatInt(left.Sec, 10)+", tv_nsec="+strconv.FormatInt(left.Nsec, 10)+"}")
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// timevalString prints select's timeout as pselect6 receives it: a timespec.
func timevalString(tv *unix.Timeval) string {
	if tv == nil {
		return "NULL"
	}
	return "{tv_sec=" + strconv.FormatInt(tv.Sec, 10) + ", tv_nsec=" + strconv.FormatInt(tv.Usec*1000, 10) + "}"
}
