// Command validate runs the OCI runtime-tools validation suite (the version
// pinned in hull's go.mod) against a runtime binary:
//
//	go run ./conformance/cmd/validate --runtime ./bin/hull
//	go run ./conformance/cmd/validate --runtime runc
//	go run ./conformance/cmd/validate --runtime ./bin/hull --compare runc
//
// It prints every program's TAP, a summary table per runtime and ends with
// "N passed, N failed, N skipped" for --runtime. It exits 1 only when a
// program on the expected-pass list fails on --runtime (by default only a
// runtime named hull*, see --enforce), so CI can run it while hull grows;
// known host/suite failures never fail the run. Exit status 2 means the
// runner itself could not run.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/hull-project/hull/conformance"
	"github.com/hull-project/hull/conformance/cgroupv1ns"
	"github.com/hull-project/hull/conformance/report"
	"github.com/hull-project/hull/conformance/suite"
)

type options struct {
	runtime      string
	compare      string
	run          string
	timeout      time.Duration
	quiet        bool
	binDir       string
	keep         bool
	hideCgroup2  string
	enforce      string
	knownFile    string
	laterFile    string
	expectedFile string
}

func main() {
	var o options
	pflag.StringVar(&o.runtime, "runtime", "hull", "runtime binary under test (path or name in PATH)")
	pflag.StringVar(&o.compare, "compare", "", "also run this runtime and list programs passing on it but failing on --runtime")
	pflag.StringVar(&o.run, "run", "", "only run programs whose name matches this regexp")
	pflag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "timeout for each program")
	pflag.BoolVarP(&o.quiet, "quiet", "q", false, "do not print each program's TAP")
	pflag.StringVar(&o.binDir, "bin-dir", "", "use validation programs already built in this directory (skip the build)")
	pflag.BoolVar(&o.keep, "keep", false, "keep the work directory (built programs, rootfs)")
	pflag.StringVar(&o.hideCgroup2, "hide-cgroup2", "auto", "run in a mount namespace without /sys/fs/cgroup/unified: on, off, or auto (on when a runtime is crun, which refuses hybrid hosts)")
	pflag.StringVar(&o.enforce, "enforce", "auto", "exit 1 when a program of the expected-pass list fails: on, off, or auto (on when --runtime is named hull*)")
	pflag.StringVar(&o.knownFile, "known-failures", "", "known host/suite failures file (default: the embedded conformance/known-failures.txt)")
	pflag.StringVar(&o.laterFile, "later", "", "programs needing later hull features (default: the embedded conformance/later.txt)")
	pflag.StringVar(&o.expectedFile, "expected-pass", "", "programs that must pass (default: the embedded conformance/expected-pass.txt)")
	pflag.Parse()

	code, err := run(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(o options) (int, error) {
	exp, err := loadExpectations(o)
	if err != nil {
		return 0, err
	}
	filter, err := regexp.Compile(o.run)
	if err != nil {
		return 0, fmt.Errorf("--run: %w", err)
	}
	enforce, err := wantEnforce(o)
	if err != nil {
		return 0, err
	}
	if entered, code, err := enterNamespace(o); entered || err != nil {
		return code, err
	}
	if os.Geteuid() != 0 {
		return 0, fmt.Errorf("the validation suite creates containers: run as root")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	work, cleanup, err := workDir(o.keep)
	if err != nil {
		return 0, err
	}
	defer cleanup()
	programs, binDir, rootfs, err := prepare(ctx, o, work, filter)
	if err != nil {
		return 0, err
	}
	programs = selectPrograms(programs, filter)
	// The suite uses fixed cgroup paths (/cgrouptest, testdir/...), so two
	// runs at once would disturb each other.
	unlock, err := suite.Lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()

	runtimes := []string{o.runtime}
	if o.compare != "" {
		runtimes = append(runtimes, o.compare)
	}
	var runs []report.Run
	for i, rt := range runtimes {
		r, err := runAll(ctx, o, rt, programs, binDir, rootfs, filepath.Join(work, fmt.Sprintf("run%d", i)))
		if err != nil {
			return 0, err
		}
		runs = append(runs, r)
	}
	return summarize(runs, exp, enforce), nil
}

// wantEnforce decides whether expected-pass failures fail the run. The list
// describes hull, so by default it only binds a runtime named hull*; runc or
// crun runs exit 0 whatever they fail.
func wantEnforce(o options) (bool, error) {
	switch o.enforce {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		return strings.HasPrefix(filepath.Base(o.runtime), "hull"), nil
	}
	return false, fmt.Errorf("--enforce: want on, off or auto, got %q", o.enforce)
}

// workDir makes the run's work directory and returns its cleanup, which
// keeps it when asked.
func workDir(keep bool) (string, func(), error) {
	work, err := os.MkdirTemp("", "hull-validate-")
	if err == nil {
		// Bundles live below it; user-namespaced containers must reach them.
		err = os.Chmod(work, 0o755)
	}
	if err != nil {
		return "", nil, fmt.Errorf("work dir: %w", err)
	}
	if keep {
		fmt.Fprintf(os.Stderr, "validate: keeping work dir %s\n", work)
		return work, func() {}, nil
	}
	return work, func() {
		if err := suite.RemoveTree(work); err != nil {
			fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		}
	}, nil
}

// enterNamespace re-executes the runner in a private mount namespace
// without the cgroup2 mount when asked; entered is true in the parent,
// which then just passes on the child's exit code.
func enterNamespace(o options) (entered bool, code int, err error) {
	hide, err := wantHide(o)
	if err != nil || !hide {
		return false, 0, err
	}
	if cgroupv1ns.Inside() {
		return false, 0, cgroupv1ns.HideUnified()
	}
	if !cgroupv1ns.Needed() {
		return false, 0, nil
	}
	code, err = cgroupv1ns.Reexec(os.Args[1:])
	return true, code, err
}

func wantHide(o options) (bool, error) {
	switch o.hideCgroup2 {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		return filepath.Base(o.runtime) == "crun" || filepath.Base(o.compare) == "crun", nil
	}
	return false, fmt.Errorf("--hide-cgroup2: want on, off or auto, got %q", o.hideCgroup2)
}

func loadExpectations(o options) (conformance.Expectations, error) {
	exp, err := conformance.Default()
	if err != nil {
		return exp, err
	}
	if o.knownFile != "" {
		if exp.Known, err = notesFile(o.knownFile, conformance.KnownKinds); err != nil {
			return exp, err
		}
	}
	if o.laterFile != "" {
		if exp.Later, err = notesFile(o.laterFile, conformance.LaterKinds); err != nil {
			return exp, err
		}
	}
	if o.expectedFile != "" {
		f, err := os.Open(o.expectedFile)
		if err != nil {
			return exp, fmt.Errorf("--expected-pass: %w", err)
		}
		defer f.Close()
		if exp.ExpectedPass, err = conformance.ParseList(f, o.expectedFile); err != nil {
			return exp, err
		}
	}
	return exp, nil
}

func notesFile(path string, kinds []string) (map[string]conformance.Note, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return conformance.ParseNotes(f, path, kinds)
}

// prepare builds the programs (or lists the prebuilt ones) and writes the
// busybox rootfs tarball.
func prepare(ctx context.Context, o options, work string, filter *regexp.Regexp) (programs []string, binDir, rootfs string, err error) {
	binDir = o.binDir
	if binDir == "" {
		binDir = filepath.Join(work, "bin")
		wd, err := os.Getwd()
		if err != nil {
			return nil, "", "", err
		}
		module, err := suite.ModuleRoot(ctx, wd)
		if err != nil {
			return nil, "", "", err
		}
		fmt.Fprintf(os.Stderr, "validate: building validation programs into %s\n", binDir)
		if programs, err = suite.Build(ctx, module, binDir, filter.MatchString); err != nil {
			return nil, "", "", err
		}
	} else if programs, err = suite.Programs(binDir); err != nil {
		return nil, "", "", err
	}
	if binDir, err = filepath.Abs(binDir); err != nil {
		return nil, "", "", err
	}
	if err := suite.WriteRootfs(work); err != nil {
		return nil, "", "", err
	}
	return programs, binDir, filepath.Join(work, suite.RootfsName), nil
}

func selectPrograms(all []string, filter *regexp.Regexp) []string {
	var out []string
	for _, p := range all {
		if filter.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

func runAll(ctx context.Context, o options, runtime string, programs []string, binDir, rootfs, work string) (report.Run, error) {
	r, err := suite.NewRunner(runtime, binDir, rootfs, work, o.timeout)
	if err != nil {
		return report.Run{}, err
	}
	defer func() {
		if err := r.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "validate: cleanup after %s: %v\n", runtime, err)
		}
	}()
	run := report.Run{Runtime: runtime}
	for _, p := range programs {
		if ctx.Err() != nil {
			return run, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		out := r.Run(ctx, p)
		if !o.quiet {
			report.TAP(os.Stdout, runtime, out)
		}
		run.Outcomes = append(run.Outcomes, out)
	}
	return run, nil
}

// summarize prints the tables, the comparison and the final totals line of
// the runtime under test, and returns the exit code. The expected-pass list
// only judges the runtime under test, and only when enforced; other tables
// show plain "fail".
func summarize(runs []report.Run, exp conformance.Expectations, enforce bool) int {
	plain := exp
	plain.ExpectedPass = nil
	if !enforce {
		exp = plain
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if i == 0 {
			report.Table(os.Stdout, runs[i], exp)
		} else {
			report.Table(os.Stdout, runs[i], plain)
		}
	}
	if len(runs) > 1 {
		report.Compare(os.Stdout, runs[0], runs[1])
	}
	blocking := report.Blocking(runs[0], exp)
	if len(blocking) > 0 {
		fmt.Printf("\nExpected to pass on %s but failed: %v\n", runs[0].Runtime, blocking)
	}
	fmt.Printf("\n%s\n", runs[0].Totals())
	if len(blocking) > 0 {
		return 1
	}
	return 0
}
