// Package report prints the validation suite's results: each program's TAP,
// a per-program summary table, the programs that pass on a reference runtime
// but fail on the one under test, and the totals line.
package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hull-project/hull/conformance"
	"github.com/hull-project/hull/conformance/suite"
)

// Run is every outcome of one runtime, in program order.
type Run struct {
	Runtime  string
	Outcomes []suite.Outcome
}

// Totals sums the subtest counts of a run.
func (r Run) Totals() suite.Counts {
	var c suite.Counts
	for _, o := range r.Outcomes {
		c = c.Add(o.Counts)
	}
	return c
}

// TAP prints a program's TAP output under a header, and its stderr as TAP
// diagnostics so the stream stays valid TAP.
func TAP(w io.Writer, runtime string, o suite.Outcome) {
	fmt.Fprintf(w, "# ==== %s (%s) ====\n", o.Program, runtime)
	w.Write(o.TAP)
	if len(o.TAP) > 0 && !bytes.HasSuffix(o.TAP, []byte("\n")) {
		fmt.Fprintln(w)
	}
	for _, line := range strings.Split(strings.TrimRight(string(o.Stderr), "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(w, "# stderr: %s\n", line)
		}
	}
	if o.ProgramError != "" {
		fmt.Fprintf(w, "# program error: %s\n", o.ProgramError)
	}
}

// Table prints one line per program: counts, time, status and why.
func Table(w io.Writer, run Run, exp conformance.Expectations) {
	fmt.Fprintf(w, "\nSummary for %s:\n", run.Runtime)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tPASS\tFAIL\tSKIP\tTIME\tSTATUS\tNOTE")
	for _, o := range run.Outcomes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", o.Program, o.Counts.Passed, o.Counts.Failed,
			o.Counts.Skipped, o.Duration.Round(10*time.Millisecond), exp.Label(o.Program, o.Failed()), note(o, exp))
	}
	tw.Flush()
	fmt.Fprintf(w, "%s: %s over %d programs\n", run.Runtime, run.Totals(), len(run.Outcomes))
}

// note explains a failure: the known reason, else the program error, else
// the first failing subtest.
func note(o suite.Outcome, exp conformance.Expectations) string {
	if !o.Failed() {
		return ""
	}
	if n, ok := exp.Known[o.Program]; ok {
		return n.Kind + ": " + n.Reason
	}
	if o.ProgramError != "" {
		return o.ProgramError
	}
	if len(o.Result.Failures) > 0 {
		return fmt.Sprintf("%q", o.Result.Failures[0])
	}
	return ""
}

// Regressions lists the programs that pass on ref but fail on run.
func Regressions(run, ref Run) []string {
	passedOnRef := map[string]bool{}
	for _, o := range ref.Outcomes {
		passedOnRef[o.Program] = !o.Failed()
	}
	var out []string
	for _, o := range run.Outcomes {
		if o.Failed() && passedOnRef[o.Program] {
			out = append(out, o.Program)
		}
	}
	return out
}

// Compare prints Regressions of run against ref.
func Compare(w io.Writer, run, ref Run) {
	regs := Regressions(run, ref)
	fmt.Fprintf(w, "\nPrograms passing on %s but failing on %s: %d\n", ref.Runtime, run.Runtime, len(regs))
	for _, p := range regs {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// Blocking lists the programs of run that were expected to pass and failed:
// the runner's exit status depends on them alone.
func Blocking(run Run, exp conformance.Expectations) []string {
	var out []string
	for _, o := range run.Outcomes {
		if exp.Classify(o.Program, o.Failed()) == conformance.StatusFail {
			out = append(out, o.Program)
		}
	}
	return out
}
