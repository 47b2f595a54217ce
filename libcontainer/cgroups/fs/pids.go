package fs

import (
	"fmt"
	"math"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type pidsGroup struct{}

func (pidsGroup) name() string { return "pids" }

func (pidsGroup) requested(r *specs.LinuxResources) string {
	if r.Pids != nil && r.Pids.Limit != nil {
		return "linux.resources.pids.limit"
	}
	return ""
}

func (pidsGroup) set(dir string, r *specs.LinuxResources) error {
	if err := cgutil.WriteFile(dir, "pids.max", PidsMax(*r.Pids.Limit)); err != nil {
		return fmt.Errorf("linux.resources.pids.limit: %w", err)
	}
	return nil
}

// PidsMax converts the spec's limit to pids.max: zero or negative means no
// limit (the spec's "default is no limit"; runc maps 0 and -1 to "max").
func PidsMax(limit int64) string {
	if limit <= 0 {
		return "max"
	}
	return strconv.FormatInt(limit, 10)
}

func (pidsGroup) stats(dir string, s *cgstats.Stats) error {
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
