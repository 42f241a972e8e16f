// Package multiplex is stepwise's server: one goroutine, one listening
// socket, every client connection, and select(2) to wait for whichever is
// ready. It makes its system calls directly (golang.org/x/sys/unix, never
// package net) and reports each one to a trace.
//
// One turn of the loop:
//
//	+----------------------------------------------+
//	| 1. build the sets from the connection table  |
//	|    listener, conns reading   -> read set     |
//	|    conns writing             -> write set    |
//	+-----------------------+----------------------+
//	                        |
//	+-----------------------v----------------------+
//	| 2. pselect6: sleep until some fd is ready    |
//	+-----------------------+----------------------+
//	                        |
//	+-----------------------v----------------------+
//	| 3. listener ready -> accept4 until EAGAIN,   |
//	|                      and read each at once   |
//	|    conn readable  -> read, parse, respond    |
//	|                      and write at once       |
//	|    conn writable  -> write; all sent: close  |
//	+----------------------------------------------+
//
// Reading right after accept and writing right after parsing are bets: a
// client sends its request as soon as it is connected, and a new socket
// has room for its answer. A request served that way costs no select
// round of its own; a lost bet costs one call that says EAGAIN, and
// select takes over. The write nearly always wins. The read wins for a
// lone client and mostly loses under load, where the server accepts
// sooner than busy clients send (docs/performance.md).
//
// Connections live in an array indexed by fd, so each turn serves them in
// order, lowest fd first, and no fd at or above FD_SETSIZE (1024) is ever
// put in a set: such a connection is answered 503 and closed.
//
// Beside the loop sit the servers it is compared with (issue 5), each
// serving connections with the same http10 and the same traced system
// calls: Blocking (one client at a time), Threads (a thread per client)
// and Fork (a process per client, fork+exec, the way inetd does it).
//
// Reading order: server.go (the loop), conn.go (a connection's states),
// narrate.go (what the trace says about HTTP), socket.go (the traced system
// calls), root.go (serving a directory with openat2); then the other
// models: blocking.go (accept, serve one client, accept again; serve is
// also the connection code of the next two), threads.go (go serve per
// client) and fork.go (select on the listener and signals, fork+exec per
// client, wait4 on SIGCHLD).
package multiplex
