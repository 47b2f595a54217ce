package integration

// Escape classes 1 and 2: the runtime's own executable and the host fds of
// hull's caller. The suite is described in escape_harness_test.go.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// 1. CVE-2019-5736: a handle on the runtime's executable taken while init
// still runs it (/proc/<init>/exe of a created container) is reopened for
// writing once the container runs its own program. Each runtime runs from
// a private copy, and the copy must be unchanged afterwards.
// TestHullBinaryCannotBeOverwrittenThroughInit checks the same for hull's
// read-only bind in more detail.
func TestEscapeExeOverwrite(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		bin := r.privateBinary()
		before, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		b := r.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
		id := r.id()
		r.setup(r.do("create", "--bundle", b, id), "create")
		pid := r.state(id).Pid
		exe := fmt.Sprintf("/proc/%d/exe", pid)
		target, _ := os.Readlink(exe)
		fd, err := unix.Open(exe, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("open %s: %v", exe, err)
		}
		defer unix.Close(fd)
		r.setup(r.do("start", id), "start")
		r.waitStatus(id, "running")
		w, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			r.note("reopening init's former executable %s for writing: %v", target, err)
		} else {
			_, werr := unix.Pwrite(w, []byte("\x7fESCAPED"), 0)
			unix.Close(w)
			r.note("reopened init's former executable %s for writing; write: %v", target, werr)
		}
		after, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			r.escaped("the %s binary %s was overwritten through %s", r.rt.name, bin, exe)
		}
	})
}

// hostFdDir is a host directory, held open as a directory fd, with a
// secret file in it that no container may read.
type hostFdDir struct {
	dir, token string
	f          *os.File
	entries    []string
}

func newHostFdDir(t *testing.T, r *rtEnv, extra map[string]string) *hostFdDir {
	t.Helper()
	h := &hostFdDir{dir: filepath.Join(r.base, "hostdir"), token: testutil.UniqueID("host-secret")}
	if err := os.Mkdir(h.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"host-secret": h.token + "\n"}
	for k, v := range extra {
		files[k] = v
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.entries = dirEntries(t, h.dir)
	f, err := os.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	h.f = f
	return h
}

// check reports what of the host directory reached the container.
func (h *hostFdDir) check(t *testing.T, r *rtEnv, res result) {
	t.Helper()
	if strings.Contains(res.stdout, h.token) {
		r.escaped("the container read the host file %s/host-secret", h.dir)
	}
	for _, line := range strings.Split(res.stdout, "\n") {
		if line == "ls:host-secret" {
			r.escaped("the container listed the host directory %s", h.dir)
		}
		if line == "fd:20" {
			r.escaped("the caller's fd 20 (host directory %s) reached the container's process", h.dir)
		}
	}
	if now := dirEntries(t, h.dir); !slices.Equal(now, h.entries) {
		r.escaped("the host directory %s changed: %v, was %v", h.dir, now, h.entries)
	}
	if res.code != 0 {
		r.note("run exited %d: %s", res.code, strings.TrimSpace(res.stderr))
	}
}

// runWithFiles runs a container in the foreground with the files placed
// at the given fds of the runtime (as a caller holding them would).
func (r *rtEnv) runWithFiles(bundle string, files map[int]*os.File, preserve int) result {
	r.t.Helper()
	args := []string{"run"}
	if preserve > 0 {
		args = append(args, "--preserve-fds", strconv.Itoa(preserve))
	}
	c, cancel := r.cmd(append(args, "--bundle", bundle, r.id())...)
	defer cancel()
	n := 0
	for fd := range files {
		n = max(n, fd-2)
	}
	c.ExtraFiles = make([]*os.File, n)
	for fd, f := range files {
		c.ExtraFiles[fd-3] = f
	}
	return r.runCmd(c)
}

// 2. CVE-2024-21626: the caller of `run` holds fd 20 open on a host
// directory (not close-on-exec). Without --preserve-fds it must not reach
// the container: not as process.cwd, not as args[0], not as an open fd.
// With --preserve-fds 1, fd 3 is meant to reach it (positive control).
func TestEscapeInheritedFd(t *testing.T) {
	t.Run("cwd", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			h := newHostFdDir(t, r, nil)
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Cwd = "/proc/self/fd/20"
				s.Process.Args = []string{"sh", "-c", "pwd; ls -a | sed s/^/ls:/; cat host-secret; echo pwned > planted"}
			})
			h.check(t, r, r.runWithFiles(b, map[int]*os.File{20: h.f}, 0))
		})
	})
	t.Run("args0-script", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			const script = "#!/bin/sh\necho host-script-ran\ncat \"$(dirname \"$0\")/host-secret\"\necho tampered >> \"$0\"\n"
			h := newHostFdDir(t, r, map[string]string{"evil.sh": script})
			b := r.bundle(func(s *specs.Spec) { s.Process.Args = []string{"/proc/self/fd/20/evil.sh"} })
			res := r.runWithFiles(b, map[int]*os.File{20: h.f}, 0)
			if strings.Contains(res.stdout, "host-script-ran") {
				r.escaped("the host script %s/evil.sh ran in the container", h.dir)
			}
			if data, _ := os.ReadFile(filepath.Join(h.dir, "evil.sh")); string(data) != script {
				r.escaped("the host script %s/evil.sh was modified from the container", h.dir)
			}
			h.check(t, r, res)
		})
	})
	t.Run("args0-binary", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			h := newHostFdDir(t, r, nil)
			bb, err := os.ReadFile(testutil.BusyboxPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(h.dir, "busybox"), bb, 0o755); err != nil {
				t.Fatal(err)
			}
			h.entries = dirEntries(t, h.dir)
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"/proc/self/fd/20/busybox", "sh", "-c", "echo host-binary-ran; cat /proc/self/fd/20/host-secret"}
			})
			res := r.runWithFiles(b, map[int]*os.File{20: h.f}, 0)
			if strings.Contains(res.stdout, "host-binary-ran") {
				r.escaped("the host binary %s/busybox ran in the container", h.dir)
			}
			if data, _ := os.ReadFile(filepath.Join(h.dir, "busybox")); !bytes.Equal(data, bb) {
				r.escaped("the host binary %s/busybox was modified", h.dir)
			}
			h.check(t, r, res)
		})
	})
	t.Run("open-fd", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			h := newHostFdDir(t, r, nil)
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sh", "-c", "ls /proc/self/fd | sed s/^/fd:/; ls /proc/self/fd/20/ | sed s/^/ls:/; cat /proc/self/fd/20/host-secret; echo pwned > /proc/self/fd/20/planted"}
			})
			h.check(t, r, r.runWithFiles(b, map[int]*os.File{20: h.f}, 0))
		})
	})
	t.Run("preserve-fds", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			h := newHostFdDir(t, r, nil)
			passed := testutil.UniqueID("passed-through")
			f3, err := os.CreateTemp(r.base, "fd3-")
			if err != nil {
				t.Fatal(err)
			}
			defer f3.Close()
			if _, err := f3.WriteString(passed + "\n"); err != nil {
				t.Fatal(err)
			}
			if _, err := f3.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sh", "-c", "cat <&3; ls /proc/self/fd | sed s/^/fd:/"}
			})
			res := r.runWithFiles(b, map[int]*os.File{3: f3, 20: h.f}, 1)
			if res.code != 0 || !strings.Contains(res.stdout, passed) {
				r.fail("--preserve-fds 1 did not hand fd 3 to the container: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
			}
			h.check(t, r, res)
		})
	})
}
