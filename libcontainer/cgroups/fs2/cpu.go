package fs2

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setCPU(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil {
		return nil
	}
	if c.RealtimeRuntime != nil || c.RealtimePeriod != nil {
		return errors.New("linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2")
	}
	if c.Idle != nil {
		if err := write(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10), "linux.resources.cpu.idle"); err != nil {
			return err
		}
	}
	if c.Shares != nil && *c.Shares != 0 {
		w := SharesToWeight(*c.Shares)
		if err := write(dir, "cpu.weight", strconv.FormatUint(w, 10), "linux.resources.cpu.shares"); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := write(dir, "cpu.max.burst", strconv.FormatUint(*c.Burst, 10), "linux.resources.cpu.burst"); err != nil {
			return err
		}
	}
	if v, ok := CPUMax(c.Quota, c.Period); ok {
		if err := write(dir, "cpu.max", v, "linux.resources.cpu.quota"); err != nil {
			return err
		}
	}
	return nil
}

// SharesToWeight maps v1 cpu.shares (2..262144) onto cpu.weight
// (1..10000) linearly, the conversion runc 1.1 and crun used.
func SharesToWeight(shares uint64) uint64 {
	if shares < 2 {
		shares = 2
	}
	if shares > 262144 {
		shares = 262144
	}
	return 1 + ((shares-2)*9999)/262142
}

// CPUMax formats cpu.max ("quota period", "max period" or "max"): a quota
// that is unset or negative means no limit. ok is false when neither
// field is set.
func CPUMax(quota *int64, period *uint64) (string, bool) {
	if quota == nil && (period == nil || *period == 0) {
		return "", false
	}
	s := "max"
	if quota != nil && *quota > 0 {
		s = strconv.FormatInt(*quota, 10)
	}
	if period != nil && *period != 0 {
		s += " " + strconv.FormatUint(*period, 10)
	}
	return s, true
}

func statCPU(dir string, s *cgstats.Stats) error {
	st, err := cgutil.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return fmt.Errorf("cpu stats: %w", err)
	}
	s.CPU.Usage.Total = st["usage_usec"] * 1000
	s.CPU.Usage.User = st["user_usec"] * 1000
	s.CPU.Usage.Kernel = st["system_usec"] * 1000
	s.CPU.Throttling = cgstats.Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_usec"] * 1000,
	}
	return nil
}
