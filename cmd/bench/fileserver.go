package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"stepwise/cmd/internal/cli"
)

// fileserver is "bench fileserver": the net/http file server a user would
// write instead of stepwise, in a process of its own so that /proc counts
// its CPU time and memory apart from bench's.
func fileserver(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("bench fileserver", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "`host:port` to listen on; port 0 lets the kernel choose")
	root := flags.String("root", "", "`directory` to serve")
	if help, err := cli.Parse(flags, args); help || err != nil {
		return err
	}
	if *root == "" || flags.NArg() > 0 {
		return cli.Usage(errors.New("usage: bench fileserver [-addr host:port] -root DIR"))
	}
	if fi, err := os.Stat(*root); err != nil {
		return fmt.Errorf("fileserver: -root: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("fileserver: -root %s is not a directory", *root)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fileserver: serving %s on http://%s/\n", *root, l.Addr())
	return http.Serve(l, http.FileServer(http.Dir(*root)))
}
