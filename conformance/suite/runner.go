package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hull-project/hull/conformance/tap"
	"github.com/hull-project/hull/spec"
)

// Runner runs validation programs against one runtime binary.
//
// Layout of its work directory:
//
//	cwd/       the programs' working directory: rootfs tarball, runtimetest
//	state/     the runtime's --root, so leftovers are found and deleted
//	runtime    a wrapper script: exec RUNTIME --root state/ "$@"
//	tmp/       TMPDIR of the programs, where they unpack their bundles
type Runner struct {
	Runtime string // absolute path of the runtime binary
	BinDir  string // built programs (Build)
	Timeout time.Duration

	workDir string
}

// NewRunner prepares workDir for running programs from binDir against
// runtime (a path or a name looked up in PATH). rootfs is the tarball made
// by WriteRootfs.
func NewRunner(runtime, binDir, rootfs, workDir string, timeout time.Duration) (*Runner, error) {
	path, err := exec.LookPath(runtime)
	if err != nil {
		return nil, fmt.Errorf("runtime %q: %w", runtime, err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, fmt.Errorf("runtime %q: %w", runtime, err)
	}
	r := &Runner{Runtime: path, BinDir: binDir, Timeout: timeout, workDir: workDir}
	for _, d := range []string{r.cwd(), r.stateRoot(), r.tmpRoot()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("work dir: %w", err)
		}
	}
	// The programs copy "runtimetest" and untar the rootfs from their
	// working directory.
	if err := os.Symlink(rootfs, filepath.Join(r.cwd(), RootfsName)); err != nil {
		return nil, fmt.Errorf("link rootfs: %w", err)
	}
	// runtimetest must be a regular file: the programs copy it into each
	// bundle with fileutils.CopyFile, which copies a symlink as a symlink.
	if err := copyFile(filepath.Join(binDir, "runtimetest"), filepath.Join(r.cwd(), "runtimetest")); err != nil {
		return nil, err
	}
	if err := r.writeWrapper(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Runner) cwd() string       { return filepath.Join(r.workDir, "cwd") }
func (r *Runner) stateRoot() string { return filepath.Join(r.workDir, "state") }
func (r *Runner) tmpRoot() string   { return filepath.Join(r.workDir, "tmp") }
func (r *Runner) wrapper() string   { return filepath.Join(r.workDir, "runtime") }

// writeWrapper writes the script given to the programs as RUNTIME. The
// suite has no way to pass --root; the wrapper gives every run its own
// state directory so containers it leaves behind can be found and deleted,
// and runs never see other users' containers.
func (r *Runner) writeWrapper() error {
	for _, p := range []string{r.Runtime, r.stateRoot()} {
		if strings.ContainsRune(p, '\'') {
			return fmt.Errorf("path %q contains a single quote, which the wrapper script cannot hold", p)
		}
	}
	script := fmt.Sprintf("#!/bin/sh\nexec '%s' --root '%s' \"$@\"\n", r.Runtime, r.stateRoot())
	if err := os.WriteFile(r.wrapper(), []byte(script), 0o755); err != nil {
		return fmt.Errorf("write runtime wrapper: %w", err)
	}
	return nil
}

// Run runs one program and cleans up after it: containers left in the
// state root, the program's process group, the cgroups the suite creates
// and its unpacked bundles.
func (r *Runner) Run(ctx context.Context, program string) Outcome {
	o := Outcome{Program: program}
	tmp, err := os.MkdirTemp(r.tmpRoot(), program+"-")
	if err == nil {
		// Containers with user namespaces or a non-root user must be able
		// to reach their bundle below this directory.
		err = os.Chmod(tmp, 0o755)
	}
	if err != nil {
		o.ProgramError = fmt.Sprintf("temp dir: %v", err)
		o.Counts.Failed = 1
		return o
	}
	before := existingSuiteCgroups()

	o.TAP, o.Stderr, o.ExitCode, o.TimedOut, o.Duration = r.exec(ctx, program, tmp)

	var notes []string
	if err := r.deleteContainers(); err != nil {
		notes = append(notes, err.Error())
	}
	if err := removeSuiteCgroups(before); err != nil {
		notes = append(notes, err.Error())
	}
	if err := RemoveTree(tmp); err != nil {
		notes = append(notes, err.Error())
	}
	if len(notes) > 0 {
		o.Stderr = append(o.Stderr, []byte("\ncleanup: "+strings.Join(notes, "; ")+"\n")...)
	}

	o.Result, _ = tap.Parse(bytes.NewReader(o.TAP)) // reading from memory cannot fail
	o.Counts, o.ProgramError = judge(o.Result, o.ExitCode, o.TimedOut)
	return o
}

// exec runs the program in its own process group, killed whole on timeout
// and after exit (the suite starts helpers such as "unshare ... sleep").
func (r *Runner) exec(ctx context.Context, program, tmp string) (stdout, stderr []byte, code int, timedOut bool, took time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(r.BinDir, program))
	cmd.Dir = r.cwd()
	cmd.Env = append(os.Environ(), "RUNTIME="+r.wrapper(), "TMPDIR="+tmp)
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second

	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // strays; ESRCH when none
	}
	code = 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		code = -1
		fmt.Fprintf(&errb, "\nrun %s: %v\n", program, err)
	}
	return out.Bytes(), errb.Bytes(), code, ctx.Err() == context.DeadlineExceeded, took
}

// deleteContainers force-deletes every container left in the state root.
// Directories whose name is no valid container id are not containers
// (hull's seccomp filter cache, <root>/@seccomp), and stay.
func (r *Runner) deleteContainers() error {
	entries, err := os.ReadDir(r.stateRoot())
	if err != nil {
		return fmt.Errorf("read state root: %w", err)
	}
	var failed []string
	for _, e := range entries {
		if !e.IsDir() || spec.ValidateID(e.Name()) != nil {
			continue
		}
		out, err := exec.Command(r.Runtime, "--root", r.stateRoot(), "delete", "--force", e.Name()).CombinedOutput()
		if err != nil {
			failed = append(failed, fmt.Sprintf("delete --force %s: %v: %s", e.Name(), err, bytes.TrimSpace(out)))
			// Drop the state so later programs start clean.
			_ = os.RemoveAll(filepath.Join(r.stateRoot(), e.Name()))
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// Close removes the work directory after a last sweep for containers.
func (r *Runner) Close() error {
	return errors.Join(r.deleteContainers(), RemoveTree(r.workDir))
}

// copyFile copies src to dst, executable.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
