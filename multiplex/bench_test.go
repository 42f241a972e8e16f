//go:build linux

package multiplex

import (
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"stepwise/trace"
)

// BenchmarkRequest is the server's work for one request, from the read to
// the close, on a socketpair (no accept, no select: the loop's steps
// themselves, with a conn as acceptOne gets it). With the trace off, what
// it allocates is http10's parsing and response (and, from a Root, the
// path x/sys copies for newfstatat); the trace adds nothing. With it on
// (into io.Discard), the difference is what tracing costs.
func BenchmarkRequest(b *testing.B) {
	// A directory on disk, as -root serves, its file old enough to be
	// cached: the path the bench command measures.
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), make([]byte, 1024), 0o644); err != nil {
		b.Fatal(err)
	}
	root, err := OpenRoot(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	root.cache.now = func() time.Time { return time.Now().Add(time.Hour) }
	for _, tc := range []struct {
		name string
		fs   fs.FS
		tr   *trace.Tracer
	}{
		{"trace=off", site, nil},
		{"trace=on", site, trace.New(io.Discard, trace.Options{})},
		{"root/trace=off", root, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := Listen(Config{Addr: "127.0.0.1:0", FS: tc.fs, Trace: tc.tr, Now: func() time.Time { return clock }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			req := []byte("GET /hello.txt HTTP/1.0\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n")
			resp := make([]byte, 4096)
			peer := netip.MustParseAddrPort("127.0.0.1:1")
			b.ReportAllocs()
			for b.Loop() {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					b.Fatal(err)
				}
				client := fds[1]
				unix.Write(client, req)
				c := s.newConn(fds[0], 1, peer)
				s.conns[c.fd] = c
				s.top = max(s.top, c.fd+1)
				s.read(c) // read, parse, respond, write and close
				if s.conns[c.fd] != nil {
					b.Fatal("the connection is still open after its request")
				}
				if n, _ := unix.Read(client, resp); n < 100 {
					b.Fatalf("response of %d bytes", n)
				}
				unix.Close(client)
			}
		})
	}
}
