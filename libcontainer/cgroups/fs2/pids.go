package fs2

import (
	"math"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setPids(dir string, r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	v := "max" // zero or negative: no limit, as runc
	if *r.Pids.Limit > 0 {
		v = strconv.FormatInt(*r.Pids.Limit, 10)
	}
	return write(dir, "pids.max", v, "linux.resources.pids.limit")
}

func statPids(dir string, s *cgstats.Stats) error {
	if !cgutil.Exists(dir, "pids.current") {
		return nil
	}
	cur, err := cgutil.ReadUint(dir, "pids.current")
	if err != nil {
		return err
	}
	max, err := cgutil.ReadUint(dir, "pids.max")
	if err != nil {
		return err
	}
	if max == math.MaxUint64 {
		max = 0
	}
	s.Pids = cgstats.Pids{Current: cur, Limit: max}
	return nil
}
