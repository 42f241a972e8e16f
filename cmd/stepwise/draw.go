package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"stepwise/cmd/internal/cli"
	"stepwise/multiplex"
	"stepwise/trace"
	"stepwise/trace/draw"
)

// maxDrawWidth is the widest table draw makes, in columns.
const maxDrawWidth = 1000

// runDraw is "stepwise draw": pictures of a session, drawn from the JSON
// lines that -json wrote. It reads the file (or standard input for -), and
// writes a table of the loop's rounds, a Mermaid sequence diagram or an
// SVG one.
func runDraw(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("stepwise draw", flag.ContinueOnError)
	flags.SetOutput(stderr)
	format := flags.String("format", "", "`table`, mermaid or svg (default: svg for -o *.svg, mermaid for -o *.mmd, otherwise table)")
	out := flags.String("o", "", "write to `file` instead of standard output")
	rounds := flags.Int("rounds", 0, "draw only the start and the first `N` rounds of the loop (default all)")
	conn := flags.String("conn", "", "draw only `connection` c2 (or 2), and the rounds it did something in")
	label := flags.Int("label", 48, "longest label in `characters`; longer ones are shortened")
	width := flags.Int("width", 100, "table: the width in `columns`, 40 to 1000")
	title := flags.String("title", "", "the diagram's `title` (default: the trace file's name)")
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "Usage: stepwise draw [flags] TRACE.jsonl (- for standard input)")
		fmt.Fprintln(flags.Output(), "Draws a session from the JSON lines that stepwise -json wrote. Flags:")
		flags.PrintDefaults()
	}
	if help, err := cli.Parse(flags, args); help || err != nil {
		return err
	}
	if flags.NArg() != 1 {
		return cli.Usage(errors.New("draw: want one trace file, written by stepwise -json FILE (- for standard input)"))
	}
	file := flags.Arg(0)

	if *format == "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".svg":
			*format = "svg"
		case ".mmd", ".mermaid":
			*format = "mermaid"
		default:
			*format = "table"
		}
	}
	opt := draw.Options{Round: multiplex.SyscallAliases()["select"], Accept: multiplex.SyscallAliases()["accept"], Rounds: *rounds, Label: *label, Columns: *width, Title: *title}
	var write func(*draw.Diagram, io.Writer) error
	switch *format {
	case "table":
		write = (*draw.Diagram).Table
	case "mermaid":
		write = (*draw.Diagram).Mermaid
	case "svg":
		write = (*draw.Diagram).SVG
	default:
		return cli.Usage(fmt.Errorf("draw: -format %q: want table, mermaid or svg", *format))
	}
	switch {
	case *rounds < 0:
		return cli.Usage(fmt.Errorf("draw: -rounds %d: want 0 (all) or more", *rounds))
	case *label < 12:
		return cli.Usage(fmt.Errorf("draw: -label %d: want at least 12 characters", *label))
	case *width < 40 || *width > maxDrawWidth:
		// Each row is padded to the width: a huge one would take all the
		// memory there is, and more than an int can count would panic.
		return cli.Usage(fmt.Errorf("draw: -width %d: want 40 to %d columns", *width, maxDrawWidth))
	}
	if *conn != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*conn, "c"))
		if err != nil || n < 1 {
			return cli.Usage(fmt.Errorf("draw: -conn %q: want a connection like c2 (or 2)", *conn))
		}
		opt.Conn = n
	}

	in := io.Reader(os.Stdin)
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("draw: %w", err)
		}
		defer f.Close()
		in = f
		if opt.Title == "" {
			opt.Title = filepath.Base(file)
		}
		if fi, err := f.Stat(); err == nil && *out != "" {
			if fo, err := os.Stat(*out); err == nil && os.SameFile(fi, fo) {
				return cli.Usage(fmt.Errorf("draw: -o %s is the trace itself, which the picture would replace", *out))
			}
		}
	}
	events, err := draw.Read(in)
	var cut *draw.CutShortError
	switch {
	case errors.As(err, &cut) && len(events) > 0:
		fmt.Fprintf(stderr, "stepwise draw: note: %s: %v: drawing the %d events before it\n", file, err, len(events))
	case err != nil:
		return fmt.Errorf("draw: %s: %w (is it the JSON-lines file of -json?)", file, err)
	}
	if opt.Conn > 0 && !slices.ContainsFunc(events, func(e trace.JSONEvent) bool { return e.Conn == opt.Conn }) {
		return fmt.Errorf("draw: -conn %s: %s has no connection %s", *conn, file, trace.Label(opt.Conn))
	}
	// The picture is laid out by the system calls: the rounds of the loop,
	// and who called what. Without them there is nothing to lay out.
	if !slices.ContainsFunc(events, func(e trace.JSONEvent) bool { return e.Kind == trace.Syscall.String() }) {
		return fmt.Errorf("draw: %s has no system calls, only what -trace kept (-json writes what -trace shows): run the server with -trace all, or sys", file)
	}
	if !slices.ContainsFunc(events, func(e trace.JSONEvent) bool { return slices.Contains(opt.Round, e.Name) }) {
		fmt.Fprintf(stderr, "stepwise draw: note: %s has no %s, so no rounds of a select loop (a blocking or threads server, or one that stopped before it served): the table is one band, and every thread's calls are on the server's lane\n", file, strings.Join(opt.Round, " or "))
	}
	var buf bytes.Buffer
	if err := write(draw.New(events, opt), &buf); err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("draw: -o: %w", err)
	}
	return nil
}
