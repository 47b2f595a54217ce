package fs

import (
	"fmt"
	"path/filepath"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
)

// UnifiedKey is the Paths() key of the cgroup2 directory a hybrid host
// also gets (the same key runc uses).
const UnifiedKey = ""

// hierarchies are the v1 subsystems a container joins, in the order Set
// applies them, plus the named systemd hierarchy that runc joins too.
var hierarchies = []string{
	"cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb",
	"net_cls", "net_prio", "perf_event", "freezer", "rdma", "misc", "name=systemd",
}

// computePaths returns the cgroup directory per subsystem for the cleaned
// cgroupsPath inner, following runc's fs/paths.go: an absolute inner goes
// under each hierarchy's mount point, a relative one under the calling
// process's own cgroup in that hierarchy. A hybrid host adds the cgroup2
// mount under UnifiedKey. Subsystems that are not mounted are left out,
// except devices: running without a device cgroup would give the container
// every device on the host.
func computePaths(mounts []cgutil.Mount, own map[string]string, inner string, hybrid bool) (map[string]string, error) {
	if inner == "" {
		return nil, fmt.Errorf("cgroup path is empty")
	}
	bySub := make(map[string]cgutil.Mount)
	for _, m := range mounts {
		if m.V2 {
			if hybrid {
				bySub[UnifiedKey] = m
			}
			continue
		}
		for _, s := range m.Subsystems {
			if _, dup := bySub[s]; !dup {
				bySub[s] = m
			}
		}
	}
	names := hierarchies
	if hybrid {
		names = append(append([]string{}, hierarchies...), UnifiedKey)
	}
	paths := make(map[string]string)
	for _, name := range names {
		m, ok := bySub[name]
		if !ok {
			if name == "devices" {
				return nil, fmt.Errorf("the devices cgroup hierarchy is not mounted: refusing to run without a device allow list")
			}
			continue
		}
		if filepath.IsAbs(inner) {
			paths[name] = filepath.Join(m.Point, inner)
			continue
		}
		cg, ok := own[name]
		if !ok {
			return nil, fmt.Errorf("relative cgroup path %q: own cgroup for %q not in /proc/self/cgroup", inner, name)
		}
		paths[name] = filepath.Join(cgutil.Under(m.Point, m.Root, cg), inner)
	}
	return paths, nil
}
