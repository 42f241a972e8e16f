package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

// failing is standard output on a full disk.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// A report that standard output did not take is a failure; one that it
// took, or a failure of its own, is what the command says.
func TestReporting(t *testing.T) {
	report := func(w io.Writer) error {
		fmt.Fprintln(w, "the results")
		return nil
	}
	if err := Reporting(failing{}, report); err == nil || err.Error() != "standard output: no space left on device" {
		t.Errorf("Reporting to a full disk: %v; want the write error", err)
	}
	var out strings.Builder
	if err := Reporting(&out, report); err != nil || out.String() != "the results\n" {
		t.Errorf("Reporting: %v, %q; want nil and the report", err, out.String())
	}
	own := errors.New("3 of 3 connections failed")
	if err := Reporting(failing{}, func(w io.Writer) error { fmt.Fprintln(w, "x"); return own }); err != own {
		t.Errorf("Reporting of a failed command: %v; want its own error first", err)
	}
}

// A value package flag could not read is told with what it should have
// been: "parse error" alone leaves -delay 1 a riddle.
func TestParseSaysWhatValueToType(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-delay", "1"}, `-delay "1": want a duration with its unit, e.g. 300ms, 2s or 1m (-h lists the flags)`},
		{[]string{"-n", "five"}, `-n "five": want a whole number (-h lists the flags)`},
		{[]string{"-n", "99999999999999999999"}, `invalid value "99999999999999999999" for flag -n: value out of range (-h lists the flags)`},
		{[]string{"-v=maybe"}, `-v="maybe": want true or false (or -v alone, for true) (-h lists the flags)`},
		{[]string{"-bogus"}, `flag provided but not defined: -bogus (-h lists the flags)`},
	} {
		flags := flag.NewFlagSet("test", flag.ContinueOnError)
		flags.SetOutput(io.Discard)
		flags.Duration("delay", 0, "")
		flags.Int("n", 0, "")
		flags.Bool("v", false, "")
		help, err := Parse(flags, tc.args)
		if help || err == nil || err.Error() != tc.want || !IsUsage(err) {
			t.Errorf("Parse(%q) = %v, %v; want the usage error %s", tc.args, help, err, tc.want)
		}
	}
	// A subcommand's mistake names it, and where its own flags are listed.
	flags := flag.NewFlagSet("stepwise draw", flag.ContinueOnError)
	flags.Int("rounds", 0, "")
	want := `draw: -rounds "x": want a whole number (draw -h lists the flags)`
	if help, err := Parse(flags, []string{"-rounds", "x"}); help || err == nil || err.Error() != want {
		t.Errorf("Parse(-rounds x) for stepwise draw = %v, %v; want the usage error %s", help, err, want)
	}
}
