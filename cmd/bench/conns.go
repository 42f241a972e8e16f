package main

import (
	"fmt"
	"net"
	"syscall"
)

// hold opens n connections to addr that send nothing, then makes one
// request on a new connection. A server accepts in the order clients
// connect, so once it has answered, it has accepted all n.
func hold(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.DialTimeout("tcp", addr, ioTimeout)
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("open idle connection %d of %d to %s: %w", len(conns)+1, n, addr, err)
		}
		conns = append(conns, c)
	}
	if err := get(addr, smallFile); err != nil {
		closeAll(conns)
		return nil, fmt.Errorf("with %d idle connections open: %w", n, err)
	}
	return conns, nil
}

// stillOpen counts the connections the server has neither closed nor
// answered (a server may time idle clients out, with a 408 or without a
// word). It peeks without waiting: recv(2) with MSG_PEEK|MSG_DONTWAIT says
// EAGAIN only while the connection is open and silent.
func stillOpen(conns []net.Conn) int {
	open := 0
	var buf [1]byte
	for _, c := range conns {
		raw, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			continue
		}
		var rerr error
		raw.Read(func(fd uintptr) bool {
			_, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			return true // one look, never wait
		})
		if rerr == syscall.EAGAIN {
			open++
		}
	}
	return open
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
