// Package cgroups places a container's processes in cgroups and applies
// linux.resources. It picks the v1 manager (fs, also joining the cgroup2
// mount on hybrid hosts) or the v2 manager (fs2) from the host's mode.
//
// Layout: fs and fs2 hold one file per controller; devices turns the spec's
// device rules into the policy both use (v1 devices.allow/deny lines, v2 an
// eBPF program built and attached by devices/devfilter with raw bpf(2), no
// eBPF library); cgstats is the Stats shape; internal/cgutil the shared file,
// mountinfo and path helpers. Integration tests run on the host (v1 or
// hybrid); vmtest/run.sh runs them again on a pure cgroup v2 kernel in qemu.
package cgroups

import (
	"errors"
	"fmt"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/fs"
	"github.com/hull-project/hull/libcontainer/cgroups/fs2"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Stats is one sample of a container's cgroup counters (runc's events
// shape); see package cgstats for the fields.
type Stats = cgstats.Stats

// Manager controls one container's cgroup on every hierarchy.
type Manager interface {
	// Create makes the cgroup directories (idempotent), before the init
	// process exists. On failure the caller should still call Destroy.
	Create() error
	// Apply moves pid into the cgroup on every hierarchy, creating the
	// directories first if needed.
	Apply(pid int) error
	// Set applies resources; a value the host cannot honour fails with an
	// error naming the spec field.
	Set(r *specs.LinuxResources) error
	Freeze() error
	Thaw() error
	// GetPids lists every process in the cgroup and its descendants.
	GetPids() ([]int, error)
	Stats() (*Stats, error)
	// Destroy removes the directories on every hierarchy, children first,
	// retrying while the kernel still reports them busy.
	Destroy() error
	// Paths maps v1 subsystem names to directories; the cgroup2 directory
	// (pure v2, or the hybrid unified mount) has the key "".
	Paths() map[string]string
	// Exists reports whether any directory is still there.
	Exists() bool
	// V2Dir is the directory for CLONE_INTO_CGROUP; ok only on pure v2.
	V2Dir() (dir string, ok bool)
}

// New returns the manager for a container. cgroupsPath follows runc: an
// absolute path is placed under each hierarchy's mount point, a relative
// one under the calling process's own cgroup (on v2: its parent), and an
// empty one means the container id, relative.
func New(cgroupsPath, containerID string, rootless bool) (Manager, error) {
	inner := cgutil.CleanPath(cgroupsPath)
	if inner == "" {
		if containerID == "" {
			return nil, errors.New("cgroups: neither linux.cgroupsPath nor a container id to name the cgroup")
		}
		inner = cgutil.CleanPath(containerID)
	}
	switch DetectMode() {
	case Unified:
		m, err := fs2.New(inner, rootless)
		if err != nil {
			return nil, fmt.Errorf("linux.cgroupsPath %q: %w", cgroupsPath, err)
		}
		return m, nil
	default:
		m, err := fs.New(inner, rootless, DetectMode() == Hybrid)
		if err != nil {
			return nil, fmt.Errorf("linux.cgroupsPath %q: %w", cgroupsPath, err)
		}
		return m, nil
	}
}

// Load rebuilds a manager from the paths saved by Paths (state.json). Only
// a "" key means a pure v2 cgroup; any subsystem key means v1.
func Load(paths map[string]string) (Manager, error) {
	if len(paths) == 0 {
		return nil, errors.New("cgroups: no cgroup paths in the container state")
	}
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		m, err := fs2.Load(dir)
		if err != nil {
			return nil, fmt.Errorf("load cgroup %s: %w", dir, err)
		}
		return m, nil
	}
	return fs.Load(paths), nil
}
