package fs

import (
	"fmt"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type hugetlbGroup struct{}

func (hugetlbGroup) name() string { return "hugetlb" }

func (hugetlbGroup) requested(r *specs.LinuxResources) string {
	if len(r.HugepageLimits) > 0 {
		return "linux.resources.hugepageLimits"
	}
	return ""
}

// set writes each limit; like runc it also sets the reservation limit
// (rsvd) where the kernel has it, so a mapping cannot reserve past it.
func (hugetlbGroup) set(dir string, r *specs.LinuxResources) error {
	for i, l := range r.HugepageLimits {
		file := "hugetlb." + l.Pagesize + ".limit_in_bytes"
		if !cgutil.Exists(dir, file) {
			return fmt.Errorf("linux.resources.hugepageLimits[%d]: page size %q is not supported on this host", i, l.Pagesize)
		}
		v := strconv.FormatUint(l.Limit, 10)
		if err := cgutil.WriteFile(dir, file, v); err != nil {
			return fmt.Errorf("linux.resources.hugepageLimits[%d]: %w", i, err)
		}
		rsvd := "hugetlb." + l.Pagesize + ".rsvd.limit_in_bytes"
		if cgutil.Exists(dir, rsvd) {
			if err := cgutil.WriteFile(dir, rsvd, v); err != nil {
				return fmt.Errorf("linux.resources.hugepageLimits[%d]: %w", i, err)
			}
		}
	}
	return nil
}

func (hugetlbGroup) stats(dir string, s *cgstats.Stats) error {
	sizes, err := cgutil.HugePageSizes()
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h cgstats.Hugetlb
		for _, f := range []struct {
			name string
			dst  *uint64
		}{{"usage_in_bytes", &h.Usage}, {"max_usage_in_bytes", &h.Max}, {"failcnt", &h.Failcnt}} {
			if *f.dst, err = cgutil.ReadUint(dir, "hugetlb."+size+"."+f.name); err != nil {
				return err
			}
		}
		if s.Hugetlb == nil {
			s.Hugetlb = make(map[string]cgstats.Hugetlb)
		}
		s.Hugetlb[size] = h
	}
	return nil
}
