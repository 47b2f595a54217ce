package fs

import (
	"strings"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// clockTicks is USER_HZ, the unit of cpuacct.stat; it is 100 on every
// Linux architecture hull builds for.
const clockTicks = 100

type cpuacctGroup struct{}

func (cpuacctGroup) name() string                            { return "cpuacct" }
func (cpuacctGroup) requested(*specs.LinuxResources) string  { return "" }
func (cpuacctGroup) set(string, *specs.LinuxResources) error { return nil }

func (cpuacctGroup) stats(dir string, s *cgstats.Stats) error {
	total, err := cgutil.ReadUint(dir, "cpuacct.usage")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = total
	percpu, err := cgutil.ReadFile(dir, "cpuacct.usage_percpu")
	if err != nil {
		return err
	}
	s.CPU.Usage.Percpu = s.CPU.Usage.Percpu[:0]
	for _, f := range strings.Fields(percpu) {
		v, err := cgutil.ParseUint(f)
		if err != nil {
			return err
		}
		s.CPU.Usage.Percpu = append(s.CPU.Usage.Percpu, v)
	}
	st, err := cgutil.ReadKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	const nsPerTick = 1e9 / clockTicks
	s.CPU.Usage.User = st["user"] * nsPerTick
	s.CPU.Usage.Kernel = st["system"] * nsPerTick
	return nil
}
