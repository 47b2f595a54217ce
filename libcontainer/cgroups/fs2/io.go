package fs2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setIO(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	if b == nil {
		return nil
	}
	if b.LeafWeight != nil {
		return errors.New("linux.resources.blockIO.leafWeight: not supported on cgroup v2")
	}
	// BFQ takes the blkio weight range (1..1000) as is; io.weight wants
	// 1..10000 and needs converting.
	bfq := cgutil.Exists(dir, "io.bfq.weight")
	if b.Weight != nil && *b.Weight != 0 {
		file, v := "io.weight", "default "+strconv.FormatUint(BlkioToIOWeight(*b.Weight), 10)
		if bfq {
			file, v = "io.bfq.weight", strconv.FormatUint(uint64(*b.Weight), 10)
		}
		if err := write(dir, file, v, "linux.resources.blockIO.weight"); err != nil {
			return err
		}
	}
	for i, d := range b.WeightDevice {
		field := fmt.Sprintf("linux.resources.blockIO.weightDevice[%d]", i)
		if d.LeafWeight != nil {
			return fmt.Errorf("%s.leafWeight: not supported on cgroup v2", field)
		}
		if d.Weight == nil {
			continue
		}
		file, w := "io.weight", BlkioToIOWeight(*d.Weight)
		if bfq {
			file, w = "io.bfq.weight", uint64(*d.Weight)
		}
		if err := write(dir, file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, w), field); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		field, key string
		devs       []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "wiops", b.ThrottleWriteIOPSDevice},
	} {
		for i, d := range t.devs {
			v := "max" // 0 removes the limit, as in v1
			if d.Rate != 0 {
				v = strconv.FormatUint(d.Rate, 10)
			}
			line := fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, t.key, v)
			if err := write(dir, "io.max", line, fmt.Sprintf("linux.resources.blockIO.%s[%d]", t.field, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// BlkioToIOWeight maps blkio.weight (10..1000) onto io.weight (1..10000).
func BlkioToIOWeight(w uint16) uint64 {
	if w < 10 {
		w = 10
	}
	return 1 + (uint64(w)-10)*9999/990
}

// statIO parses io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") into
// runc's v1-shaped entries.
func statIO(dir string, s *cgstats.Stats) error {
	if !cgutil.Exists(dir, "io.stat") {
		return nil
	}
	text, err := cgutil.ReadFile(dir, "io.stat")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		var maj, min uint64
		if _, err := fmt.Sscanf(f[0], "%d:%d", &maj, &min); err != nil {
			return fmt.Errorf("io.stat: bad device %q", f[0])
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := cgutil.ParseUint(v)
			if err != nil {
				return fmt.Errorf("io.stat: %w", err)
			}
			e := cgstats.BlkioEntry{Major: maj, Minor: min, Value: n}
			switch k {
			case "rbytes", "wbytes":
				e.Op = opName(k)
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "rios", "wios":
				e.Op = opName(k)
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			}
		}
	}
	return nil
}

func opName(k string) string {
	if k[0] == 'r' {
		return "Read"
	}
	return "Write"
}
