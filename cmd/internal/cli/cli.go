// Package cli is what stepwise's commands share about being commands: a
// mistake on the command line is told apart from a failure, and each ends
// the same way, "name: what went wrong" on standard error and an exit
// status of 1, or 2 for a usage mistake.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// A usageError is a mistake on the command line: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// Usage marks err as a mistake on the command line.
func Usage(err error) error { return usageError{err} }

// IsUsage reports whether err is a mistake on the command line.
func IsUsage(err error) bool { return errors.As(err, new(usageError)) }

// Parse parses args with flags. help is true after -h or -help, whose
// text it has printed: the command should stop, successfully. Any other
// mistake is a usage error, told in one line that says where the flags
// are listed, not followed by the whole list as package flag would.
func Parse(flags *flag.FlagSet, args []string) (help bool, err error) {
	out := flags.Output()
	flags.SetOutput(io.Discard)
	err = flags.Parse(args)
	flags.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		flags.Usage()
		return true, nil
	}
	if err != nil {
		// A subcommand's flags ("stepwise draw") name it, as its other
		// mistakes do: "draw: ... (draw -h lists the flags)".
		if _, sub, ok := strings.Cut(flags.Name(), " "); ok {
			return false, Usage(fmt.Errorf("%s: %w (%s -h lists the flags)", sub, FlagError(flags, err), sub))
		}
		return false, Usage(fmt.Errorf("%w (-h lists the flags)", FlagError(flags, err)))
	}
	return false, nil
}

// FlagError is err, a mistake flags.Parse found, told so that it says
// what to type. Where package flag says only "parse error" about a
// number or a duration, it says what the value should have been: for
// -delay 1, that a duration needs its unit.
func FlagError(flags *flag.FlagSet, err error) error {
	// Package flag's words: invalid value "1" for flag -delay: parse error,
	// and for a boolean: invalid boolean value "maybe" for -explain: parse error
	msg, ok := strings.CutSuffix(err.Error(), ": parse error")
	if !ok {
		return err
	}
	if quoted, name, ok := strings.Cut(strings.TrimPrefix(msg, "invalid boolean value "), " for -"); ok && quoted != msg {
		if value, qerr := strconv.Unquote(quoted); qerr == nil {
			return fmt.Errorf("-%s=%q: want true or false (or -%s alone, for true)", name, value, name)
		}
	}
	quoted, name, ok := strings.Cut(strings.TrimPrefix(msg, "invalid value "), " for flag -")
	value, qerr := strconv.Unquote(quoted)
	f := flags.Lookup(name)
	if !ok || qerr != nil || f == nil {
		return err
	}
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return err
	}
	var want string
	switch getter.Get().(type) {
	case time.Duration:
		want = "a duration with its unit, e.g. 300ms, 2s or 1m"
	case int, int64, uint, uint64:
		want = "a whole number"
	case float64:
		want = "a number"
	default:
		return err
	}
	return fmt.Errorf("-%s %q: want %s", name, value, want)
}

// Main runs a command's run function with the process's arguments and
// streams, and exits as a command should if it fails.
func Main(name string, run func(args []string, stdout, stderr io.Writer) error) {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(ExitCode(err))
	}
}

// ExitCode is the exit status for err: 0 for none, 2 for a usage error,
// else 1.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case IsUsage(err):
		return 2
	}
	return 1
}

// Reporting runs report, a command that prints its results on stdout,
// and fails if stdout did not take them all (a full disk, a closed pipe):
// a report that was lost is not a success.
func Reporting(stdout io.Writer, report func(stdout io.Writer) error) error {
	w := &checked{w: stdout}
	err := report(w)
	if err == nil && w.err != nil {
		err = fmt.Errorf("standard output: %w", w.err)
	}
	return err
}

// checked is a writer that remembers its first error.
type checked struct {
	w   io.Writer
	err error
}

func (c *checked) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
