// Package bench times the container lifecycle (create, start, wait, delete
// of a container running /bin/true) of hull against runc and crun, run
// interleaved in one process so machine noise hits every runtime alike:
//
//	HULL=bin/hull go test -bench . -benchtime 30x -run '^$' ./bench/
//
// BenchmarkLifecycle uses a plain config; BenchmarkLifecycleSeccomp adds
// Docker's default seccomp profile (linux.seccomp). Each prints median wall
// and CPU ms per lifecycle, per-phase medians, peak RSS and ratios against
// crun. hull is $HULL, else $HULL_BINARY (what make bench sets), else built
// from ./runtime, with hull-seccomp beside it; a runtime that is missing or
// whose first lifecycle fails is skipped with the reason. The test binary re-executes itself in a private mount
// namespace without the host's cgroup2 mount (crun 1.8 refuses hybrid
// hosts), see conformance/cgroupv1ns.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/conformance/cgroupv1ns"
	"github.com/hull-project/hull/spec"
)

// Runtime is one OCI runtime binary with its own state root and bundle.
type Runtime struct {
	Name   string
	Path   string
	Root   string // --root: a temp dir per runtime
	Bundle string
	// TimeTool, when set, is GNU time: each runtime command then runs under
	// it so its own peak RSS can be read (see PeakRSS).
	TimeTool string
}

// Sample is one measured lifecycle.
type Sample struct {
	Create, Start, Wait, Delete time.Duration
	// CPU is user+system time of every process reaped during the lifecycle:
	// the runtime commands, their helpers and the container itself (the
	// benchmark is their child subreaper).
	CPU time.Duration
	// MaxRSS is the largest peak RSS, in KiB, of the processes the runtime
	// started itself (the container process and reaped helpers). Processes
	// this benchmark starts report at least its own RSS (a vfork child's
	// exec records the parent's memory as its peak), so their peak comes
	// from a separate run under GNU time: PeakRSS.
	MaxRSS int64
	// Exit is the container process's exit status (128+signal when killed)
	// when this process reaped it, -1 when the runtime did. Lifecycle fails
	// with an *ExitError on a non-zero status: a container that does not
	// run its program to the end (say, a seccomp filter kills it) must not
	// count as a fast lifecycle.
	Exit int
}

// ExitError is a lifecycle whose container exited with a non-zero status.
type ExitError struct {
	Runtime, ID string
	Status      int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: container %s exited with status %d", e.Runtime, e.ID, e.Status)
}

// Wall is the whole lifecycle's wall time.
func (s Sample) Wall() time.Duration { return s.Create + s.Start + s.Wait + s.Delete }

// BecomeSubreaper makes orphaned descendants (the container process, once
// "create" exits) children of this process, so Lifecycle can wait for the
// container and count its CPU time. Call it once, before any lifecycle.
func BecomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	return nil
}

// Lifecycle runs create, start, wait and delete of container id once. Only
// one lifecycle may run at a time in the process: it reaps every orphan.
func (rt Runtime) Lifecycle(id string) (s Sample, err error) {
	s.Exit = -1
	before, err := childrenCPU()
	if err != nil {
		return s, err
	}
	defer func() {
		if err != nil {
			rt.forceDelete(id)
			removeCgroups(id)
		}
		s.MaxRSS = max(s.MaxRSS, reapOrphans())
		cerr := cgroupv1ns.RemoveFromCover(id)
		after, uerr := childrenCPU()
		cerr = errors.Join(cerr, uerr)
		s.CPU = after - before
		err = errors.Join(err, cerr)
	}()
	pidFile := filepath.Join(rt.Root, id+".pid")
	defer os.Remove(pidFile)

	if s.Create, err = rt.run(&s, "create", "--bundle", rt.Bundle, "--pid-file", pidFile, id); err != nil {
		return s, err
	}
	pid, err := readPid(pidFile)
	if err != nil {
		return s, err
	}
	if s.Start, err = rt.run(&s, "start", id); err != nil {
		return s, err
	}
	if s.Wait, err = rt.wait(&s, id, pid); err != nil {
		return s, err
	}
	if s.Exit > 0 {
		return s, &ExitError{Runtime: rt.Name, ID: id, Status: s.Exit}
	}
	s.Delete, err = rt.run(&s, "delete", id)
	return s, err
}

// Timeout bounds each runtime command and the wait for the container, so
// a runtime that hangs fails its lifecycle instead of the whole benchmark.
const Timeout = 20 * time.Second

// run runs one runtime command, timing it and keeping its peak RSS.
//
// Its stderr goes to a file, not a pipe: the container process inherits
// create's stdio, and a pipe would keep Wait blocked until the container
// exits (or forever, for a runtime whose container hangs).
func (rt Runtime) run(s *Sample, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	stderr, err := os.CreateTemp(rt.Root, "stderr-")
	if err != nil {
		return 0, fmt.Errorf("%s %s: stderr file: %w", rt.Name, args[0], err)
	}
	defer os.Remove(stderr.Name())
	defer stderr.Close()
	argv := append([]string{rt.Path, "--root", rt.Root}, args...)
	rssFile := filepath.Join(rt.Root, "rss")
	if rt.TimeTool != "" {
		argv = append([]string{rt.TimeTool, "-f", "%M", "-o", rssFile}, argv...)
		defer os.Remove(rssFile)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if rt.TimeTool != "" {
		s.MaxRSS = max(s.MaxRSS, readTimeRSS(rssFile))
	}
	if err != nil {
		msg, _ := os.ReadFile(stderr.Name())
		return took, fmt.Errorf("%s %s: %w: %s", rt.Name, args[0], err, bytes.TrimSpace(msg))
	}
	return took, nil
}

// wait waits for the container process to exit. It is normally our child
// (reparented to the subreaper): a pidfd becomes readable when it exits,
// which bounds the wait without polling. A runtime that keeps the process
// elsewhere is polled with "state" instead.
func (rt Runtime) wait(s *Sample, id string, pid int) (time.Duration, error) {
	start := time.Now()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return rt.pollStopped(start, id) // gone already, reaped elsewhere
	}
	if err != nil {
		return time.Since(start), fmt.Errorf("%s: pidfd of container pid %d: %w", rt.Name, pid, err)
	}
	defer unix.Close(fd)
	if err := waitReadable(fd, Timeout); err != nil {
		return time.Since(start), fmt.Errorf("%s: container %s (pid %d) did not exit: %w", rt.Name, id, pid, err)
	}
	var ws unix.WaitStatus
	var ru unix.Rusage
	_, err = unix.Wait4(pid, &ws, unix.WNOHANG, &ru)
	if err == nil {
		s.MaxRSS = max(s.MaxRSS, ru.Maxrss)
		s.Exit = ws.ExitStatus()
		if ws.Signaled() {
			s.Exit = 128 + int(ws.Signal())
		}
		return time.Since(start), nil
	}
	if !errors.Is(err, unix.ECHILD) {
		return time.Since(start), fmt.Errorf("%s: wait for container pid %d: %w", rt.Name, pid, err)
	}
	return rt.pollStopped(start, id)
}

// waitReadable polls fd until it is readable or timeout passes.
func waitReadable(fd int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("timed out after %s", timeout)
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll pidfd: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
}

// pollStopped asks the runtime for the state until it says "stopped".
func (rt Runtime) pollStopped(start time.Time, id string) (time.Duration, error) {
	for deadline := start.Add(Timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		out, err := exec.Command(rt.Path, "--root", rt.Root, "state", id).Output()
		if err != nil {
			return time.Since(start), fmt.Errorf("%s state %s: %w", rt.Name, id, err)
		}
		if bytes.Contains(out, []byte(`"stopped"`)) {
			return time.Since(start), nil
		}
	}
	return time.Since(start), fmt.Errorf("%s: container %s still running after %s", rt.Name, id, Timeout)
}

// forceDelete removes a container left by a failed lifecycle.
func (rt Runtime) forceDelete(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	_ = exec.CommandContext(ctx, rt.Path, "--root", rt.Root, "delete", "--force", id).Run()
}

// removeCgroups removes the cgroups a failed lifecycle may leave: with no
// cgroupsPath in the config, runtimes put a container in /<id> of every
// hierarchy. rmdir only removes empty cgroups, so nothing alive is lost.
func removeCgroups(id string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", id))
	for _, d := range dirs {
		_ = os.Remove(d)
	}
}

// Cleanup force-deletes every container left in the runtime's state root.
// Directories whose name is no valid container id are not containers:
// hull keeps its seccomp filter cache in <root>/@seccomp.
func (rt Runtime) Cleanup() {
	entries, _ := os.ReadDir(rt.Root)
	for _, e := range entries {
		if e.IsDir() && spec.ValidateID(e.Name()) == nil {
			rt.forceDelete(e.Name())
			removeCgroups(e.Name())
			_ = cgroupv1ns.RemoveFromCover(e.Name())
		}
	}
	reapOrphans()
}

// reapOrphans reaps every exited child without blocking (helpers of the
// runtimes reparented to us) and returns their largest peak RSS. It must
// not run while an exec.Cmd is in flight, whose status it could steal.
func reapOrphans() int64 {
	var maxRSS int64
	for {
		var ws unix.WaitStatus
		var ru unix.Rusage
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, &ru)
		if err != nil || pid <= 0 {
			return maxRSS
		}
		maxRSS = max(maxRSS, ru.Maxrss)
	}
}

// childrenCPU is the CPU time of all reaped descendants so far.
func childrenCPU() (time.Duration, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_CHILDREN, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// readTimeRSS reads the "%M" (max RSS, KiB) that GNU time wrote last in
// file; 0 when absent.
func readTimeRSS(file string) int64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	kib, err := strconv.ParseInt(strings.TrimSpace(lines[len(lines)-1]), 10, 64)
	if err != nil {
		return 0
	}
	return kib
}

// PeakRSS runs n lifecycles with every runtime command under GNU time
// (timeTool), whose own small footprint is the only floor, and returns the
// largest peak RSS in KiB of any process of the lifecycle. It is kept out of
// the timed runs: time adds a process start to every command.
func (rt Runtime) PeakRSS(timeTool string, n int, newID func() string) (int64, error) {
	rt.TimeTool = timeTool
	var peak int64
	for i := 0; i < n; i++ {
		s, err := rt.Lifecycle(newID())
		if err != nil {
			return 0, err
		}
		peak = max(peak, s.MaxRSS)
	}
	return peak, nil
}

func readPid(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad pid %q", path, data)
	}
	return pid, nil
}
