package cgroups

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Mode is how the host mounts cgroups.
type Mode int

const (
	// Legacy: v1 hierarchies only.
	Legacy Mode = iota
	// Hybrid: v1 hierarchies plus a cgroup2 mount at /sys/fs/cgroup/unified.
	Hybrid
	// Unified: a single cgroup2 hierarchy at /sys/fs/cgroup.
	Unified
)

func (m Mode) String() string {
	switch m {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return "unknown"
}

const (
	mountRoot    = "/sys/fs/cgroup"
	hybridMount  = "/sys/fs/cgroup/unified"
	cgroup2Magic = unix.CGROUP2_SUPER_MAGIC
)

var (
	modeOnce sync.Once
	mode     Mode
)

// DetectMode looks at the filesystem types of /sys/fs/cgroup and
// /sys/fs/cgroup/unified, once per process.
func DetectMode() Mode {
	modeOnce.Do(func() {
		mode = detect(isCgroup2)
	})
	return mode
}

func detect(isV2 func(string) bool) Mode {
	switch {
	case isV2(mountRoot):
		return Unified
	case isV2(hybridMount):
		return Hybrid
	}
	return Legacy
}

func isCgroup2(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == cgroup2Magic
}
