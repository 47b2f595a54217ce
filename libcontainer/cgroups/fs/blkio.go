package fs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type blkioGroup struct{}

func (blkioGroup) name() string { return "blkio" }

func (blkioGroup) requested(r *specs.LinuxResources) string {
	b := r.BlockIO
	switch {
	case b == nil:
		return ""
	case b.Weight != nil:
		return "linux.resources.blockIO.weight"
	case b.LeafWeight != nil:
		return "linux.resources.blockIO.leafWeight"
	case len(b.WeightDevice) > 0:
		return "linux.resources.blockIO.weightDevice"
	case len(b.ThrottleReadBpsDevice) > 0:
		return "linux.resources.blockIO.throttleReadBpsDevice"
	case len(b.ThrottleWriteBpsDevice) > 0:
		return "linux.resources.blockIO.throttleWriteBpsDevice"
	case len(b.ThrottleReadIOPSDevice) > 0:
		return "linux.resources.blockIO.throttleReadIOPSDevice"
	case len(b.ThrottleWriteIOPSDevice) > 0:
		return "linux.resources.blockIO.throttleWriteIOPSDevice"
	}
	return ""
}

// weightFiles picks CFQ's blkio.weight files or, on kernels where only BFQ
// provides weights, blkio.bfq.weight*.
func weightFiles(dir string) (weight, weightDevice string) {
	if cgutil.Exists(dir, "blkio.weight") {
		return "blkio.weight", "blkio.weight_device"
	}
	return "blkio.bfq.weight", "blkio.bfq.weight_device"
}

func (blkioGroup) set(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	weight, weightDevice := weightFiles(dir)
	if b.Weight != nil {
		if err := writeOptional(dir, weight, strconv.FormatUint(uint64(*b.Weight), 10)); err != nil {
			return fmt.Errorf("linux.resources.blockIO.weight: %w", err)
		}
	}
	if b.LeafWeight != nil {
		if err := writeOptional(dir, "blkio.leaf_weight", strconv.FormatUint(uint64(*b.LeafWeight), 10)); err != nil {
			return fmt.Errorf("linux.resources.blockIO.leafWeight: %w", err)
		}
	}
	for i, d := range b.WeightDevice {
		if err := setWeightDevice(dir, weightDevice, d); err != nil {
			return fmt.Errorf("linux.resources.blockIO.weightDevice[%d]: %w", i, err)
		}
	}
	for _, t := range []struct {
		field, file string
		devs        []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	} {
		for i, d := range t.devs {
			line := fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)
			if err := writeOptional(dir, t.file, line); err != nil {
				return fmt.Errorf("linux.resources.blockIO.%s[%d]: %w", t.field, i, err)
			}
		}
	}
	return nil
}

func setWeightDevice(dir, file string, d specs.LinuxWeightDevice) error {
	if d.Weight != nil {
		if err := writeOptional(dir, file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.Weight)); err != nil {
			return err
		}
	}
	if d.LeafWeight != nil {
		if err := writeOptional(dir, "blkio.leaf_weight_device", fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.LeafWeight)); err != nil {
			return err
		}
	}
	return nil
}

func (blkioGroup) stats(dir string, s *cgstats.Stats) error {
	prefix := "blkio.throttle."
	if cgutil.Exists(dir, "blkio.io_service_bytes_recursive") {
		prefix = "blkio."
	}
	var err error
	if s.Blkio.IoServiceBytesRecursive, err = blkioEntries(dir, prefix+"io_service_bytes_recursive"); err != nil {
		return err
	}
	s.Blkio.IoServicedRecursive, err = blkioEntries(dir, prefix+"io_serviced_recursive")
	return err
}

// blkioEntries parses "8:0 Read 4096" lines; the "Total N" summary is skipped.
func blkioEntries(dir, file string) ([]cgstats.BlkioEntry, error) {
	if !cgutil.Exists(dir, file) {
		return nil, nil
	}
	text, err := cgutil.ReadFile(dir, file)
	if err != nil {
		return nil, err
	}
	var out []cgstats.BlkioEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		var e cgstats.BlkioEntry
		if _, err := fmt.Sscanf(f[0], "%d:%d", &e.Major, &e.Minor); err != nil {
			return nil, fmt.Errorf("%s: bad device %q", file, f[0])
		}
		e.Op = f[1]
		if e.Value, err = cgutil.ParseUint(f[2]); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, e)
	}
	return out, nil
}
