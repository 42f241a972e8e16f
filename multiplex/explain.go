package multiplex

import (
	"strings"

	"stepwise/trace"
)

// explanations are what -explain prints under the first event of each
// kind: one plain sentence each, for someone who has never seen a system
// call. Keys are system call names and stage names (see Stages).
var explanations = map[string]string{
	"socket":         "socket asks the kernel for a new communication endpoint and returns a file descriptor: a small number that names it from now on.",
	"setsockopt":     "SO_REUSEADDR lets the server bind its port again right after a restart, while old connections still wait out TIME_WAIT: the minute a closed TCP connection is kept, so that its late packets are not taken for a new one's.",
	"bind":           "bind gives the socket its address: the IP and port clients will connect to.",
	"listen":         "listen makes it a listening socket: the kernel now completes connections by itself and queues them, up to this many, for accept.",
	"getsockname":    "getsockname asks which address the socket really has; with port 0 it is how the server learns the port the kernel chose.",
	"pipe2":          "a pipe for signals: when one comes (Ctrl-C sends SIGINT), a goroutine writes its number into the pipe, and select sees the read end become readable, as it sees a socket.",
	"rt_sigprocmask": "the thread that sleeps in select blocks SIGCONT (what fg sends after Ctrl-Z), so that another thread handles it: handled here, it would cut select short with EINTR though nothing is ready.",
	"pselect6":       "select (pselect6 is its modern form) sleeps until an fd in its sets is ready: in the read set, readable; in the write set, writable. It returns how many, and leaves only those in the sets.",
	"accept4":        "accept takes the next connection from the listen queue and gives it a new fd of its own; the listening socket stays open for the next client.",
	"read":           "read copies the bytes waiting on the fd into the server's buffer and returns how many: 0 means the end (the other side has closed, or the file has no more); on a non-blocking fd, EAGAIN means nothing is waiting yet.",
	"write":          "write hands bytes to the kernel to send; when the socket's buffer is full it takes only part, and the server sends the rest when select says there is room.",
	"sendfile":       "sendfile has the kernel copy part of a file straight to the socket: the bytes never pass through the server's memory.",
	"newfstatat":     "newfstatat (stat by name) checks that a file served before is still the same file, unchanged, without opening it.",
	"fcntl":          "fcntl with F_SETFL and O_NONBLOCK makes the socket's calls stop waiting: a read with nothing to read now says EAGAIN at once.",
	"ioctl":          "ioctl TIOCOUTQ (SIOCOUTQ, for a socket) asks how many bytes written to the socket the client has not yet acknowledged, whether still waiting in the kernel or on their way: once the server has closed, a byte from the client makes the kernel reset the connection, and the reset destroys what is still queued.",
	"shutdown":       "shutdown(SHUT_WR) closes only the server's sending side: the client reads end of file after the answer, and the server can still read what the client sends.",
	"close":          "close gives the fd back. Once no fd in any process refers to a socket, the kernel sends what is still queued and ends the connection.",
	"openat":         "the server opens the directory it serves, once; every file will be opened relative to it.",
	"openat2":        "the server opens the file inside the served directory; RESOLVE_BENEATH makes the kernel refuse any path that would leave it.",
	"fstat":          "fstat tells the file's type and size before the server reads it.",
	"gettid":         "gettid asks which thread is running: the number strace -f prints as [pid N]; each connection has a thread of its own here.",
	"wait4":          "wait4 collects a child process that has exited; until its parent does, it stays in the process table as a zombie.",
	"kill":           "kill sends a signal to a process; SIGKILL cannot be caught, so the child stops at once.",
	"fork":           "Go cannot fork without exec: the runtime makes a new process (clone) running this same program (execve), which finds the client's socket as its fd 3, as a program started by inetd does; strace -f shows both calls.",
	"request-line":   "the request line: a method, a path and a version, the first line of every HTTP request (RFC 1945 §5.1).",
	"header":         "a header line: a name, a colon, a value; an empty line ends the request head (RFC 1945 §4.2).",
	"body":           "Content-Length said how many bytes of body follow the head; the server waited for exactly that many (RFC 1945 §7.2).",
	"route":          "the server decides what to answer: which file to send, or which error.",
	"refused":        "the request breaks a rule of RFC 1945, so the server answers with an error status and says why, instead of guessing.",
	"status":         "the status line: the version, a three-digit code and a reason; the first line of every HTTP/1.0 response (RFC 1945 §6.1).",
	"response":       "response headers: Content-Length tells the client where the body ends; Date, Server and Content-Type describe it.",
	"state":          "a connection is always in one state: reading its request, writing the response, draining what the client still sends after it, or closed; the state decides which set select watches it in.",
	"signal":         "a signal has reached the server: SIGINT (Ctrl-C) or SIGTERM asks it to stop, so it accepts no more clients and gives those in flight until -shutdown-timeout to finish.",

	// The finer keys of explanation.
	"write-log":      "fd 1 is standard output: -access-log writes a line there for each request, in the Common Log Format.",
	"signal-SIGCHLD": "SIGCHLD tells a parent that one of its child processes has exited; the parent collects it with wait4.",
	"header-end":     "an empty line ends the request head (RFC 1945 §4.1); this request has no header fields, and what follows it, if anything, is the body.",
	"EINTR":          "EINTR: a signal came while the call waited, and the kernel ended the call early so that the signal's handler could run; nothing went wrong, and the server makes the call again.",
}

// blockingExplanations replace explanations for a client's socket, and its
// state, in the models whose sockets block (blocking, threads, and fork's
// children): there no select waits for them, each call does.
var blockingExplanations = map[string]string{
	"setsockopt-timeout": "SO_RCVTIMEO and SO_SNDTIMEO put a time limit on each read and write of this blocking socket: when it passes, the call stops waiting and fails with EAGAIN (or returns what it did manage). With no select, this is how the server gives up on a slow or silent client.",
	"read":               "read waits until bytes arrive, copies them into the server's buffer and returns how many: 0 means nothing more will come (the client has closed its side); EAGAIN means SO_RCVTIMEO passed and nothing came.",
	"write":              "write hands bytes to the kernel to send; on this blocking socket it waits until the kernel has taken them all, unless SO_SNDTIMEO passes first: then it returns how many were taken, or EAGAIN if none.",
	"state":              "a connection is always in one state: reading its request, writing the response, draining what the client still sends after it, or closed; here, with blocking calls, it only names the step the code serving this client has reached.",
}

// explanation is e's sentence: by its name, or a finer key where one name
// covers calls that need different words. An event of a client (e.Conn
// set) on a sys whose sockets block looks in blockingExplanations first;
// the others (the listener, the signal pipe, files, standard output) are
// the same in every model.
func (k sys) explanation(e trace.Event) string {
	key := e.Name
	switch {
	case key == "setsockopt" && strings.Contains(e.Args, "TIMEO"):
		key = "setsockopt-timeout" // sys.timeout's, not SO_REUSEADDR
	case key == "write" && e.Conn == 0:
		key = "write-log" // sys.log's: every other write is to a client
	case key == "signal" && strings.HasPrefix(e.Text, "SIGCHLD"):
		key = "signal-SIGCHLD"
	case key == "header" && e.Text == "":
		key = "header-end" // a head with no fields: its blank line is its first "header"
	case e.Errno == "EINTR":
		key = "EINTR" // the call's own sentence waits for a call that ends as it should
	}
	if s, ok := blockingExplanations[key]; ok && !k.nonblocking && e.Conn != 0 {
		return s
	}
	return explanations[key]
}
