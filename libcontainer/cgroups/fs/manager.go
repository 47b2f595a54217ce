// Package fs is the cgroup v1 manager: one directory per mounted subsystem,
// plus, on a hybrid host, one in the cgroup2 mount (as runc does).
package fs

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Manager manages one container's cgroup on every v1 hierarchy.
type Manager struct {
	paths    map[string]string
	rootless bool
	created  bool // Create succeeded in this process: Apply need not repeat it
}

// New computes the directories for cgroupsPath (already cleaned, absolute
// or relative, see computePaths) from the calling process's mounts.
func New(inner string, rootless, hybrid bool) (*Manager, error) {
	mounts, err := cgutil.Mounts()
	if err != nil {
		return nil, err
	}
	own, err := cgutil.OwnCgroups()
	if err != nil {
		return nil, err
	}
	paths, err := computePaths(mounts, own, inner, hybrid)
	if err != nil {
		return nil, fmt.Errorf("cgroup v1 paths for %q: %w", inner, err)
	}
	return &Manager{paths: paths, rootless: rootless}, nil
}

// Load rebuilds a manager from the paths persisted in state.json.
func Load(paths map[string]string) *Manager {
	m := &Manager{paths: make(map[string]string, len(paths))}
	for k, v := range paths {
		m.paths[k] = v
	}
	return m
}

// Paths returns a copy of subsystem -> directory.
func (m *Manager) Paths() map[string]string {
	out := make(map[string]string, len(m.paths))
	for k, v := range m.paths {
		out[k] = v
	}
	return out
}

// V2Dir is for CLONE_INTO_CGROUP, which v1 hierarchies cannot use.
func (m *Manager) V2Dir() (string, bool) { return "", false }

// Create makes the directories; an existing directory is fine. A rootless
// container without write access to a hierarchy just does not get that
// hierarchy (runc does the same).
func (m *Manager) Create() error {
	for _, name := range m.names() {
		dir := m.paths[name]
		if err := create(name, dir); err != nil {
			if m.rootless && isPermission(err) {
				delete(m.paths, name)
				continue
			}
			return fmt.Errorf("create cgroup %s: %w", dir, err)
		}
	}
	m.created = true
	return nil
}

// create makes one subsystem's directory. A new devices cgroup gets the
// default policy at once, so no container runs with the host's devices even
// if Set is never called; an existing one is left as it is.
func create(name, dir string) error {
	switch name {
	case "cpuset":
		return ensureCpuset(dir)
	case "devices":
		if cgutil.Exists(dir, "") {
			return nil
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return applyDefaultDevices(dir)
	}
	return os.MkdirAll(dir, 0o755)
}

// Apply moves pid into every directory, creating them first unless Create
// already ran in this process (Apply is on the container start path).
func (m *Manager) Apply(pid int) error {
	if !m.created {
		if err := m.Create(); err != nil {
			return err
		}
	}
	for _, name := range m.names() {
		if err := cgutil.WriteProc(m.paths[name], pid); err != nil {
			if m.rootless && isPermission(err) {
				continue
			}
			return fmt.Errorf("cgroup %s: %w", subsystemLabel(name), err)
		}
	}
	return nil
}

// Set applies r subsystem by subsystem. A requested limit whose subsystem
// is not mounted fails, naming the spec field.
func (m *Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	r = cgutil.ZeroAsUnset(r)
	if len(r.Unified) > 0 {
		return errors.New("linux.resources.unified: needs a pure cgroup v2 host (this one uses cgroup v1 controllers)")
	}
	for _, s := range subsystems {
		field := s.requested(r)
		if field == "" {
			continue
		}
		dir, ok := m.paths[s.name()]
		if !ok {
			return fmt.Errorf("%s: the %s cgroup controller is not available on this host", field, s.name())
		}
		if err := s.set(dir, r); err != nil {
			// Rootless containers cannot restrict devices, and already
			// cannot create device nodes: runc ignores this error too.
			if m.rootless && s.name() == "devices" {
				continue
			}
			return err
		}
	}
	return nil
}

// GetPids lists every process in the container's cgroup, including nested
// cgroups the container made itself.
func (m *Manager) GetPids() ([]int, error) {
	for _, name := range []string{"pids", "freezer", "devices", "memory", "cpu", "name=systemd"} {
		if dir, ok := m.paths[name]; ok {
			return cgutil.ReadProcsRecursive(dir)
		}
	}
	return nil, errors.New("list pids: no cgroup hierarchy to read")
}

// Stats reads every subsystem's counters; a subsystem whose directory is
// gone is skipped rather than failing the whole sample.
func (m *Manager) Stats() (*cgstats.Stats, error) {
	st := &cgstats.Stats{}
	for _, s := range subsystems {
		dir, ok := m.paths[s.name()]
		if !ok || !cgutil.Exists(dir, "") {
			continue
		}
		if err := s.stats(dir, st); err != nil {
			return nil, fmt.Errorf("%s stats: %w", s.name(), err)
		}
	}
	return st, nil
}

// Destroy removes the container's directories on every hierarchy. It tries
// them all and reports the first failure.
func (m *Manager) Destroy() error {
	m.created = false
	var first error
	for _, name := range m.names() {
		if err := cgutil.RemoveDir(m.paths[name]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Exists reports whether any of the directories is still there.
func (m *Manager) Exists() bool {
	for _, dir := range m.paths {
		if cgutil.Exists(dir, "") {
			return true
		}
	}
	return false
}

// names returns the subsystem keys in a fixed order so that errors and
// file writes are reproducible.
func (m *Manager) names() []string {
	names := make([]string, 0, len(m.paths))
	for k := range m.paths {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func subsystemLabel(name string) string {
	if name == UnifiedKey {
		return "cgroup2 (hybrid)"
	}
	return name
}

func isPermission(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EROFS)
}
