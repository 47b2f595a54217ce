package fs2

import (
	"fmt"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setHugetlb writes hugetlb.<size>.max and, where the kernel has it, the
// reservation limit .rsvd.max (runc does both).
func setHugetlb(dir string, r *specs.LinuxResources) error {
	for i, l := range r.HugepageLimits {
		field := fmt.Sprintf("linux.resources.hugepageLimits[%d]", i)
		file := "hugetlb." + l.Pagesize + ".max"
		if !cgutil.Exists(dir, file) {
			return fmt.Errorf("%s: page size %q is not supported here or the hugetlb controller is not enabled (%s missing)", field, l.Pagesize, file)
		}
		v := strconv.FormatUint(l.Limit, 10)
		if err := write(dir, file, v, field); err != nil {
			return err
		}
		if rsvd := "hugetlb." + l.Pagesize + ".rsvd.max"; cgutil.Exists(dir, rsvd) {
			if err := write(dir, rsvd, v, field); err != nil {
				return err
			}
		}
	}
	return nil
}

func statHugetlb(dir string, s *cgstats.Stats) error {
	sizes, err := cgutil.HugePageSizes()
	if err != nil {
		return err
	}
	for _, size := range sizes {
		if !cgutil.Exists(dir, "hugetlb."+size+".current") {
			continue
		}
		var h cgstats.Hugetlb
		if h.Usage, err = cgutil.ReadUint(dir, "hugetlb."+size+".current"); err != nil {
			return err
		}
		if ev, err := cgutil.ReadKeyValues(dir, "hugetlb."+size+".events"); err == nil {
			h.Failcnt = ev["max"]
		}
		if s.Hugetlb == nil {
			s.Hugetlb = make(map[string]cgstats.Hugetlb)
		}
		s.Hugetlb[size] = h
	}
	return nil
}
