package multiplex

// explanations are what -explain prints under the first event of each
// kind: one plain sentence each, for someone who has never seen a system
// call. Keys are system call names and stage names (see Stages).
var explanations = map[string]string{
	"socket":       "socket asks the kernel for a new communication endpoint and returns a file descriptor: a small number that names it from now on.",
	"setsockopt":   "SO_REUSEADDR lets the server bind its port again right after a restart, while old connections still wait out TIME_WAIT.",
	"bind":         "bind gives the socket its address: the IP and port clients will connect to.",
	"listen":       "listen makes it a listening socket: the kernel now completes connections by itself and queues them, up to this many, for accept.",
	"getsockname":  "getsockname asks which address the socket really has; with port 0 it is how the server learns the port the kernel chose.",
	"pipe2":        "a pipe for signals: when Ctrl-C comes, a byte is written into it, and select sees the read end become readable like any client.",
	"pselect6":     "select (pselect6 is its modern form) sleeps until an fd in its sets is ready: in the read set, readable; in the write set, writable. It returns how many, and leaves only those in the sets.",
	"accept4":      "accept takes the next connection from the listen queue and gives it a new fd of its own; the listening socket stays open for the next client.",
	"read":         "read copies the bytes that have arrived into the server's buffer and returns how many: 0 means the other side has closed, EAGAIN that nothing is waiting.",
	"write":        "write hands bytes to the kernel to send; when the socket's buffer is full it takes only part, and the server sends the rest when select says there is room.",
	"sendfile":     "sendfile has the kernel copy part of a file straight to the socket: the bytes never pass through the server's memory.",
	"newfstatat":   "newfstatat (stat by name) checks that a file served before is still the same file, unchanged, without opening it.",
	"ioctl":        "ioctl FIONREAD asks how many bytes the client has sent that the server has not read: closing a socket with unread bytes makes the kernel reset the connection, and the reset can destroy the end of the answer.",
	"shutdown":     "shutdown(SHUT_WR) closes only the server's sending side: the client reads end of file after the answer, and the server can still read what the client sends.",
	"close":        "close gives the fd back; for a socket, the kernel sends what is still queued and then ends the connection.",
	"openat":       "the server opens the directory it serves, once; every file will be opened relative to it.",
	"openat2":      "the server opens the file inside the served directory; RESOLVE_BENEATH makes the kernel refuse any path that would leave it.",
	"fstat":        "fstat tells the file's type and size before the server reads it.",
	"gettid":       "gettid asks which thread is running: the number strace -f prints as [pid N]; each connection has a thread of its own here.",
	"wait4":        "wait4 collects a child process that has exited; until its parent does, it stays in the process table as a zombie.",
	"kill":         "kill sends a signal to a process; SIGKILL cannot be caught, so the child stops at once.",
	"fork":         "Go cannot fork without exec: the runtime makes a new process (clone) running this same program (execve), which finds the client's socket as its fd 3, as a program started by inetd does; strace -f shows both calls.",
	"request-line": "the request line: a method, a path and a version, the first line of every HTTP request (RFC 1945 §5.1).",
	"header":       "a header line: a name, a colon, a value; an empty line ends the request head (RFC 1945 §4.2).",
	"body":         "Content-Length said how many bytes of body follow the head; the server waited for exactly that many (RFC 1945 §7.2).",
	"route":        "the server decides what to answer: which file to send, or which error.",
	"refused":      "the request breaks a rule of RFC 1945, so the server answers with an error status and says why, instead of guessing.",
	"status":       "the status line: the version, a three-digit code and a reason; the first line of every HTTP/1.0 response (RFC 1945 §6.1).",
	"response":     "response headers: Content-Length tells the client where the body ends; Date, Server and Content-Type describe it.",
	"state":        "a connection is always in one state: reading its request, writing the response, or closed; the state decides which set select watches it in.",
	"signal":       "a signal arrived through the pipe: the server stops accepting and lets what is in flight finish.",
}
