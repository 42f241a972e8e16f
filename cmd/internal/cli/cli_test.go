package cli

import (
	"errors"
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
