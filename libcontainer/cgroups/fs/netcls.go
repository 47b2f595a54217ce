package fs

import (
	"fmt"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// netClsGroup tags the container's packets with a class id (v1 only).
type netClsGroup struct{}

func (netClsGroup) name() string { return "net_cls" }

func (netClsGroup) requested(r *specs.LinuxResources) string {
	if r.Network != nil && r.Network.ClassID != nil {
		return "linux.resources.network.classID"
	}
	return ""
}

func (netClsGroup) set(dir string, r *specs.LinuxResources) error {
	if err := cgutil.WriteFile(dir, "net_cls.classid", strconv.FormatUint(uint64(*r.Network.ClassID), 10)); err != nil {
		return fmt.Errorf("linux.resources.network.classID: %w", err)
	}
	return nil
}

func (netClsGroup) stats(string, *cgstats.Stats) error { return nil }

// netPrioGroup sets per-interface priorities (v1 only).
type netPrioGroup struct{}

func (netPrioGroup) name() string { return "net_prio" }

func (netPrioGroup) requested(r *specs.LinuxResources) string {
	if r.Network != nil && len(r.Network.Priorities) > 0 {
		return "linux.resources.network.priorities"
	}
	return ""
}

func (netPrioGroup) set(dir string, r *specs.LinuxResources) error {
	for i, p := range r.Network.Priorities {
		if err := cgutil.WriteFile(dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
			return fmt.Errorf("linux.resources.network.priorities[%d]: %w", i, err)
		}
	}
	return nil
}

func (netPrioGroup) stats(string, *cgstats.Stats) error { return nil }
