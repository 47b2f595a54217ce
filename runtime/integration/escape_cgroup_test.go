package integration

// Escape class 9: a container pointed at a cgroup it does not own.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// foreignCgroup is a cgroup the test made on every hierarchy, holding a
// sleep of the test's own: no runtime may kill it, move it or remove the
// directories.
type foreignCgroup struct {
	name   string
	dirs   []string
	pid    int
	exited chan struct{}
}

func newForeignCgroup(t *testing.T, r *rtEnv) *foreignCgroup {
	t.Helper()
	fc := &foreignCgroup{name: testutil.UniqueID("hulltest-foreign"), exited: make(chan struct{})}
	sleep := exec.Command("sleep", "1000")
	// Cleanup after the containers are deleted: kill the sleep, then
	// remove the directories.
	r.afterDelete(func() {
		if sleep.Process != nil {
			sleep.Process.Kill()
			select {
			case <-fc.exited:
			case <-time.After(10 * time.Second):
				t.Errorf("foreign sleep %d did not exit", fc.pid)
			}
		}
		for _, d := range fc.dirs {
			if err := rmdirTree(d); err != nil {
				t.Errorf("remove foreign cgroup %s: %v", d, err)
			}
		}
	})
	for _, m := range hostCgroupMounts(t) {
		d := filepath.Join(m.point, fc.name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		fc.dirs = append(fc.dirs, d)
		if strings.Contains(m.opts, "cpuset") {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				data, err := os.ReadFile(filepath.Join(m.point, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, f), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	fc.pid = sleep.Process.Pid
	go func() { sleep.Wait(); close(fc.exited) }()
	for _, d := range fc.dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(fc.pid)), 0o644); err != nil {
			t.Fatalf("move the foreign sleep into %s: %v", d, err)
		}
	}
	return fc
}

func (fc *foreignCgroup) alive() bool {
	select {
	case <-fc.exited:
		return false
	default:
		return true
	}
}

// check reports harm done to the foreign cgroup and its process.
func (fc *foreignCgroup) check(r *rtEnv, when string) {
	if !fc.alive() {
		r.escaped("%s: the foreign process %d in the cgroup was killed", when, fc.pid)
		return
	}
	for _, d := range fc.dirs {
		procs, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			r.escaped("%s: the foreign cgroup %s is gone: %v", when, d, err)
			continue
		}
		if !slices.Contains(strings.Fields(string(procs)), strconv.Itoa(fc.pid)) {
			r.escaped("%s: the foreign process %d was moved out of %s", when, fc.pid, d)
		}
	}
}

// 9. A container pointed at a cgroup that is not its own (absolute
// linux.cgroupsPath, directories made by the test, a process of the test
// in them): a create that fails, and a delete, must leave that process and
// those directories alone. A create into the populated cgroup may be
// refused up front.
func TestEscapeForeignCgroup(t *testing.T) {
	t.Run("failed-create", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			fc := newForeignCgroup(t, r)
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sleep", "100"}
				s.Linux.CgroupsPath = "/" + fc.name
				s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo hook-fails >&2; exit 3"}}}}
			})
			res := r.do("create", "--bundle", b, r.id())
			if res.code == 0 {
				r.fail("create with a failing createRuntime hook succeeded")
			} else {
				r.note("create failed: %s", strings.TrimSpace(res.stderr))
			}
			fc.check(r, "after the failed create")
		})
	})
	// The foreign process joins while create runs (from a createRuntime
	// hook, which then fails), past any up-front emptiness check: the
	// failed create must still kill only its own processes.
	t.Run("joined-during-create", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			fc := newForeignCgroup(t, r)
			// Out of the cgroup again until the hook runs.
			for _, d := range fc.dirs {
				parent := filepath.Dir(d)
				if err := os.WriteFile(filepath.Join(parent, "cgroup.procs"), []byte(strconv.Itoa(fc.pid)), 0o644); err != nil {
					t.Fatalf("move the foreign sleep back to %s: %v", parent, err)
				}
			}
			var join strings.Builder
			for _, d := range fc.dirs {
				fmt.Fprintf(&join, "echo %d > %s/cgroup.procs || exit 9; ", fc.pid, d)
			}
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sleep", "100"}
				s.Linux.CgroupsPath = "/" + fc.name
				s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", join.String() + "echo hook-fails >&2; exit 3"}}}}
			})
			res := r.do("create", "--bundle", b, r.id())
			if res.code == 0 {
				r.fail("create with a failing createRuntime hook succeeded")
			} else {
				r.note("create failed: %s", strings.TrimSpace(res.stderr))
			}
			if !strings.Contains(res.stderr, "hook-fails") {
				r.setup(result{code: 1, stderr: res.stderr}, "fail create in the createRuntime hook")
			}
			if !fc.alive() {
				r.escaped("the failed create killed the foreign process %d that had joined its cgroup", fc.pid)
			}
		})
	})
	t.Run("populated-delete", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			fc := newForeignCgroup(t, r)
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sleep", "100"}
				s.Linux.CgroupsPath = "/" + fc.name
			})
			id := r.id()
			res := r.do("create", "--bundle", b, id)
			if res.code != 0 {
				r.note("refused the populated cgroup up front: %s", strings.TrimSpace(res.stderr))
				fc.check(r, "after the refused create")
				return
			}
			r.note("created in the populated cgroup %s", fc.name)
			fc.check(r, "after create")
			r.setup(r.do("start", id), "start")
			pid := r.state(id).Pid
			fc.check(r, "after start")
			res = r.do("delete", "--force", id)
			if res.code != 0 {
				r.note("delete --force: exit %d: %s", res.code, strings.TrimSpace(res.stderr))
			}
			fc.check(r, "after delete --force")
			if err := unix.Kill(pid, 0); err == nil {
				if stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); !strings.Contains(string(stat), ") Z") {
					r.fail("delete --force left the container's own init %d alive", pid)
				}
			}
		})
	})
}
