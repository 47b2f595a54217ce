// Package fs2 is the cgroup v2 (unified hierarchy) manager: one directory,
// controllers enabled from the root down, one file per controller here.
package fs2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Manager manages one container's cgroup2 directory.
type Manager struct {
	root     string // the cgroup2 mount point
	dir      string
	rootless bool
}

// New computes the directory for cgroupsPath (already cleaned).
func New(inner string, rootless bool) (*Manager, error) {
	mounts, err := cgutil.Mounts()
	if err != nil {
		return nil, err
	}
	own, err := cgutil.OwnCgroups()
	if err != nil {
		return nil, err
	}
	dir, err := computeDir(mounts, own, inner)
	if err != nil {
		return nil, fmt.Errorf("cgroup v2 path for %q: %w", inner, err)
	}
	return &Manager{root: mountOf(mounts, dir), dir: dir, rootless: rootless}, nil
}

// Load rebuilds a manager from the directory persisted in state.json.
func Load(dir string) (*Manager, error) {
	mounts, err := cgutil.Mounts()
	if err != nil {
		return nil, err
	}
	return &Manager{root: mountOf(mounts, dir), dir: dir}, nil
}

// mountOf finds the cgroup2 mount point that holds dir.
func mountOf(mounts []cgutil.Mount, dir string) string {
	best := ""
	for _, m := range mounts {
		if m.V2 && (dir == m.Point || strings.HasPrefix(dir, m.Point+"/")) && len(m.Point) > len(best) {
			best = m.Point
		}
	}
	return best
}

// Paths returns the directory under the key "".
func (m *Manager) Paths() map[string]string { return map[string]string{"": m.dir} }

// V2Dir is the directory to open for CLONE_INTO_CGROUP.
func (m *Manager) V2Dir() (string, bool) { return m.dir, true }

// Exists reports whether the directory is still there.
func (m *Manager) Exists() bool { return cgutil.Exists(m.dir, "") }

// Create makes the directory and every missing parent, enabling in each
// parent all the controllers the parent has, so the leaf gets them too.
// Directories made here are removed again if a later step fails.
func (m *Manager) Create() (err error) {
	if m.root == "" {
		return fmt.Errorf("create cgroup %s: not under a cgroup2 mount", m.dir)
	}
	rel, err := filepath.Rel(m.root, m.dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("create cgroup %s: not under %s", m.dir, m.root)
	}
	cur := m.root
	for _, elem := range strings.Split(rel, "/") {
		if elem == "." {
			break
		}
		enableControllers(cur)
		cur = filepath.Join(cur, elem)
		if err := os.Mkdir(cur, 0o755); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue
			}
			if m.rootless && isPermission(err) {
				return nil
			}
			return fmt.Errorf("create cgroup %s: %w", cur, err)
		}
		made := cur
		defer func() {
			if err != nil {
				_ = unix.Rmdir(made)
			}
		}()
		if made == m.dir && !m.rootless {
			// A new cgroup gets the default device policy at once, so
			// no container runs with the host's devices even if Set is
			// never called. Rootless callers cannot attach programs.
			if err := applyDevices(m.dir, nil); err != nil {
				return fmt.Errorf("create cgroup %s: %w", m.dir, err)
			}
		}
	}
	return nil
}

// enableControllers turns on in dir's cgroup.subtree_control every
// controller dir has. One write per controller: some (cpuset in a cgroup
// with processes, or threaded ones) can be refused without the others
// being lost; a controller that stays off fails later in Set, naming the
// field that needed it.
func enableControllers(dir string) {
	avail, err := cgutil.ReadFile(dir, "cgroup.controllers")
	if err != nil {
		return
	}
	on, _ := cgutil.ReadFile(dir, "cgroup.subtree_control")
	enabled := strings.Fields(on)
	for _, c := range strings.Fields(avail) {
		if !contains(enabled, c) {
			_ = cgutil.WriteFile(dir, "cgroup.subtree_control", "+"+c)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Apply creates the directory if needed and moves pid into it.
func (m *Manager) Apply(pid int) error {
	if !m.Exists() {
		if err := m.Create(); err != nil {
			return err
		}
	}
	if err := cgutil.WriteProc(m.dir, pid); err != nil {
		if m.rootless && isPermission(err) {
			return nil
		}
		return err
	}
	return nil
}

// Set applies r controller by controller.
func (m *Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	r = cgutil.ZeroAsUnset(r)
	devices := setDevices
	if m.rootless {
		// Attaching a device filter needs CAP_SYS_ADMIN; a rootless
		// container cannot create device nodes anyway (runc skips it too).
		devices = func(string, *specs.LinuxResources) error { return nil }
	}
	for _, set := range []func(string, *specs.LinuxResources) error{
		setCpuset, setMemory, setCPU, setPids, setIO, setHugetlb, setRdma, devices, setUnified,
	} {
		if err := set(m.dir, r); err != nil {
			return err
		}
	}
	if r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0) {
		return errors.New("linux.resources.network: net_cls and net_prio do not exist on cgroup v2 (use eBPF or tc)")
	}
	return nil
}

// GetPids lists every process in the cgroup and below.
func (m *Manager) GetPids() ([]int, error) { return cgutil.ReadProcsRecursive(m.dir) }

// Stats reads the counters of every enabled controller.
func (m *Manager) Stats() (*cgstats.Stats, error) {
	st := &cgstats.Stats{}
	for _, read := range []func(string, *cgstats.Stats) error{
		statMemory, statCPU, statPids, statIO, statHugetlb,
	} {
		if err := read(m.dir, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// Destroy removes the directory and any cgroups the container made below
// it, waiting out EBUSY while the kernel reaps killed tasks.
func (m *Manager) Destroy() error { return cgutil.RemoveDir(m.dir) }

// needFile fails with the spec field when a controller's file is missing,
// which on v2 means the controller is not enabled for this cgroup.
func needFile(dir, file, field string) error {
	if cgutil.Exists(dir, file) {
		return nil
	}
	ctrl, _, _ := strings.Cut(file, ".")
	return fmt.Errorf("%s: the %s controller is not enabled in %s (%s missing)", field, ctrl, dir, file)
}

func write(dir, file, value, field string) error {
	if err := needFile(dir, file, field); err != nil {
		return err
	}
	if err := cgutil.WriteFile(dir, file, value); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

func isPermission(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EROFS)
}
