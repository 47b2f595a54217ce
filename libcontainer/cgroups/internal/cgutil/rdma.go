package cgutil

import (
	"fmt"
	"sort"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SetRdma writes one rdma.max line per device ("mlx4_0 hca_handle=2
// hca_object=max"); the file has the same format on v1 and v2.
func SetRdma(dir string, limits map[string]specs.LinuxRdma) error {
	devs := make([]string, 0, len(limits))
	for d := range limits {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		if err := WriteFile(dir, "rdma.max", RdmaLine(d, limits[d])); err != nil {
			return fmt.Errorf("linux.resources.rdma[%q]: %w", d, err)
		}
	}
	return nil
}

// RdmaLine formats one device's limits; an unset limit is "max".
func RdmaLine(dev string, l specs.LinuxRdma) string {
	return fmt.Sprintf("%s hca_handle=%s hca_object=%s", dev, rdmaVal(l.HcaHandles), rdmaVal(l.HcaObjects))
}

func rdmaVal(v *uint32) string {
	if v == nil {
		return "max"
	}
	return strconv.FormatUint(uint64(*v), 10)
}
