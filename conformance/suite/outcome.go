package suite

import (
	"fmt"
	"time"

	"github.com/hull-project/hull/conformance/tap"
)

// Counts are subtest totals.
type Counts struct {
	Passed, Failed, Skipped int
}

// Add sums counts.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Passed + o.Passed, c.Failed + o.Failed, c.Skipped + o.Skipped}
}

// String is the summary line the runner ends with.
func (c Counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
}

// Outcome is one program's run against one runtime.
type Outcome struct {
	Program  string
	TAP      []byte // stdout
	Stderr   []byte
	ExitCode int
	TimedOut bool
	Duration time.Duration
	Result   tap.Result
	// ProgramError says why the program as a whole failed (crash, timeout,
	// an error reported outside any test point), "" when it did not.
	ProgramError string
	Counts       Counts
}

// Failed reports whether any subtest or the program itself failed.
func (o Outcome) Failed() bool { return o.Counts.Failed > 0 }

// judge turns a program's TAP and exit status into subtest counts. Beyond
// the TAP test points, a program that crashed, timed out, reported an error
// outside any test point (the hook programs do: "1..0" plus a YAML error)
// or stopped short of its plan counts one extra failure; a program that
// printed no test point and exited 0 counts one pass, because some programs
// (process_rlimits_fail) signal success by silence.
func judge(res tap.Result, exitCode int, timedOut bool) (Counts, string) {
	c := Counts{Passed: res.Passed, Failed: res.Failed, Skipped: res.Skipped}
	why := programError(res, exitCode, timedOut)
	switch {
	case why != "":
		c.Failed++
	case res.Points() == 0:
		c.Passed++
	}
	return c, why
}

func programError(res tap.Result, exitCode int, timedOut bool) string {
	switch {
	case timedOut:
		return "timed out"
	case exitCode != 0:
		return fmt.Sprintf("exit status %d", exitCode)
	case res.TopLevelYAML && res.Points() == 0:
		return "error reported outside any test point"
	case res.Plan > 0 && res.Points() != res.Plan:
		return fmt.Sprintf("ran %d of %d planned tests", res.Points(), res.Plan)
	}
	return ""
}
