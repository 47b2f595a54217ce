package fs

import (
	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// subsystem is one v1 controller: how it applies resources and reads stats.
type subsystem interface {
	name() string
	// requested names the first spec field this controller would have to
	// apply ("" if none), so Set can fail clearly when the controller is
	// not mounted instead of dropping the limit.
	requested(r *specs.LinuxResources) string
	set(dir string, r *specs.LinuxResources) error
	stats(dir string, s *cgstats.Stats) error
}

// subsystems in the order Set applies them: cpuset before anything that
// needs a populated cpuset, devices early so a failed create never leaves a
// container with the host's devices.
var subsystems = []subsystem{
	cpusetGroup{}, devicesGroup{}, memoryGroup{}, cpuGroup{}, cpuacctGroup{},
	pidsGroup{}, blkioGroup{}, hugetlbGroup{}, netClsGroup{}, netPrioGroup{}, rdmaGroup{},
}
