// Package clients drives real OCI clients (dockerd, containerd's ctr,
// podman, the CRI) through a scenario of user-visible steps against a
// runtime under test and, in the same run, a reference runtime (runc).
// Every step checks an effect (output, a file, a process, a cgroup value),
// not an exit code alone. The run reports PASS/FAIL per step and runtime
// and fails when a step passes on the reference but not on the runtime
// under test.
package clients

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Runtime is one OCI runtime binary the clients are pointed at.
type Runtime struct {
	Name string // short name the client registers it under ("hull", "runc")
	Path string // absolute path
}

// Env is a client's private setup for one runtime (its daemon, state dir,
// socket, namespace); Close stops and removes all of it.
type Env interface {
	Close() error
}

// Step is one action of a scenario; Run returns nil when the effect is
// there, an error saying what was seen otherwise, or a *SkipError.
type Step[E Env] struct {
	Name string
	Run  func(e E) error
}

// Scenario is a client and its steps. Setup starts the client for rt in
// the empty directory dir.
type Scenario[E Env] struct {
	Name  string
	Setup func(rt Runtime, dir string) (E, error)
	Steps []Step[E]
}

// SkipError marks a step that cannot run here (a host limit), with why.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skip: " + e.Reason }

// Skip returns a *SkipError.
func Skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// Outcome is one step on one runtime.
type Outcome struct {
	Step, Runtime string
	Err           error // nil: passed
	Took          time.Duration
}

// Passed, Skipped report the outcome's kind.
func (o Outcome) Passed() bool { return o.Err == nil }
func (o Outcome) Skipped() bool {
	var s *SkipError
	return errors.As(o.Err, &s)
}

// Run runs the scenario on every runtime in turn (the daemons are heavy:
// one at a time), printing each step's PASS/FAIL/SKIP to w as it ends.
// A setup failure fails every step on that runtime.
func Run[E Env](w io.Writer, sc Scenario[E], rts []Runtime) []Outcome {
	var out []Outcome
	for _, rt := range rts {
		out = append(out, runOne(w, sc, rt)...)
	}
	return out
}

func runOne[E Env](w io.Writer, sc Scenario[E], rt Runtime) []Outcome {
	var out []Outcome
	dir, err := os.MkdirTemp("", "hull-clients-")
	if err == nil {
		defer os.RemoveAll(dir)
		err = os.Chmod(dir, 0o755)
	}
	var env E
	if err == nil {
		env, err = sc.Setup(rt, dir)
	}
	if err != nil {
		err = fmt.Errorf("setup: %w", err)
		for _, st := range sc.Steps {
			o := Outcome{Step: st.Name, Runtime: rt.Name, Err: err}
			report(w, sc.Name, o)
			out = append(out, o)
		}
		return out
	}
	defer func() {
		if cerr := env.Close(); cerr != nil {
			fmt.Fprintf(w, "%s/%s: teardown: %v\n", sc.Name, rt.Name, cerr)
		}
	}()
	for _, st := range sc.Steps {
		start := time.Now()
		o := Outcome{Step: st.Name, Runtime: rt.Name, Err: st.Run(env), Took: time.Since(start)}
		report(w, sc.Name, o)
		out = append(out, o)
	}
	return out
}

func report(w io.Writer, scenario string, o Outcome) {
	switch {
	case o.Passed():
		fmt.Fprintf(w, "PASS %s/%s: %s (%s)\n", scenario, o.Runtime, o.Step, o.Took.Round(time.Millisecond))
	case o.Skipped():
		fmt.Fprintf(w, "SKIP %s/%s: %s: %v\n", scenario, o.Runtime, o.Step, o.Err)
	default:
		fmt.Fprintf(w, "FAIL %s/%s: %s: %v\n", scenario, o.Runtime, o.Step, o.Err)
	}
}

// Summary prints a step x runtime table and "N passed, N failed, N
// skipped" for the runtime under test, and returns the steps that pass on
// the reference but not on it.
func Summary(w io.Writer, outs []Outcome, test, ref string) (regressions []string) {
	type cell struct{ test, ref *Outcome }
	var order []string
	cells := map[string]*cell{}
	for i := range outs {
		o := &outs[i]
		c, ok := cells[o.Step]
		if !ok {
			c = &cell{}
			cells[o.Step] = c
			order = append(order, o.Step)
		}
		switch o.Runtime {
		case test:
			c.test = o
		case ref:
			c.ref = o
		}
	}
	word := func(o *Outcome) string {
		switch {
		case o == nil:
			return "-"
		case o.Passed():
			return "PASS"
		case o.Skipped():
			return "SKIP"
		}
		return "FAIL"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "step\t%s\t%s\n", test, ref)
	var passed, failed, skipped int
	for _, step := range order {
		c := cells[step]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", step, word(c.test), word(c.ref))
		switch word(c.test) {
		case "PASS":
			passed++
		case "SKIP":
			skipped++
		case "FAIL":
			failed++
			if c.ref != nil && c.ref.Passed() {
				regressions = append(regressions, step)
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped\n", test, passed, failed, skipped)
	if len(regressions) > 0 {
		fmt.Fprintf(w, "passing on %s but failing on %s: %s\n", ref, test, strings.Join(regressions, ", "))
	}
	return regressions
}

// Registered is a scenario bound to its Env type, runnable by name.
type Registered struct {
	Name string
	Run  func(w io.Writer, rts []Runtime) []Outcome
}

var registry []Registered

// register adds a scenario to All; each scenario file registers its own
// in an init function.
func register[E Env](sc Scenario[E]) {
	registry = append(registry, Registered{Name: sc.Name, Run: func(w io.Writer, rts []Runtime) []Outcome {
		return Run(w, sc, rts)
	}})
}

// All lists the registered scenarios, in registration order.
func All() []Registered { return append([]Registered(nil), registry...) }
