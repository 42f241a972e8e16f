// Package trace turns the steps a server takes into lines a person can read.
//
// A step is an [Event]: a system call with its real arguments and result, a
// message received or sent, a decision, or a connection changing state. A
// [Tracer] writes each event as one line, in strace's syntax for system calls
// and in curl -v's arrows for everything else:
//
//	accept4(7, {sa_family=AF_INET, sin_port=htons(51234), sin_addr=inet_addr("127.0.0.1")}, [112 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK) = 10 /* c1 */
//	read(10, "GET / HTTP/1.0\r\n\r\n", 16384) = 18 /* c1 */
//	c1 > GET / HTTP/1.0
//	c1 * file "/index.html" (1234 bytes, text/html)
//	c1 < HTTP/1.0 200 OK
//
// The package knows nothing of HTTP or sockets: the caller fills in the
// words. A nil *Tracer is a tracer that is off; every method may be called on
// it and does nothing, so a server checks [Tracer.On] before it spends time
// building an event.
//
// Reading order: event.go (what an event is), tracer.go (writing events),
// render.go (how a line looks, with or without colour).
package trace
