package fs

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type cpuGroup struct{}

func (cpuGroup) name() string { return "cpu" }

func (cpuGroup) requested(r *specs.LinuxResources) string {
	c := r.CPU
	switch {
	case c == nil:
		return ""
	case c.Shares != nil:
		return "linux.resources.cpu.shares"
	case c.Quota != nil:
		return "linux.resources.cpu.quota"
	case c.Period != nil:
		return "linux.resources.cpu.period"
	case c.Burst != nil:
		return "linux.resources.cpu.burst"
	case c.RealtimeRuntime != nil:
		return "linux.resources.cpu.realtimeRuntime"
	case c.RealtimePeriod != nil:
		return "linux.resources.cpu.realtimePeriod"
	case c.Idle != nil:
		return "linux.resources.cpu.idle"
	}
	return ""
}

func (cpuGroup) set(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c.Shares != nil {
		if err := setShares(dir, *c.Shares); err != nil {
			return err
		}
	}
	if err := setQuotaPeriod(dir, c.Quota, c.Period); err != nil {
		return err
	}
	if c.Burst != nil {
		if err := writeOptional(dir, "cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.burst: %w", err)
		}
	}
	// The rt period first: a runtime is checked against the period.
	if c.RealtimePeriod != nil {
		if err := writeOptional(dir, "cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.realtimePeriod: %w", err)
		}
	}
	if c.RealtimeRuntime != nil {
		if err := writeOptional(dir, "cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.realtimeRuntime: %w", err)
		}
	}
	if c.Idle != nil {
		if err := writeOptional(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.idle: %w", err)
		}
	}
	return nil
}

// setShares writes cpu.shares and reads it back: the kernel silently clamps
// values outside 2..262144, which must not pass unnoticed.
func setShares(dir string, shares uint64) error {
	if err := cgutil.WriteFile(dir, "cpu.shares", strconv.FormatUint(shares, 10)); err != nil {
		return fmt.Errorf("linux.resources.cpu.shares: %w", err)
	}
	got, err := cgutil.ReadUint(dir, "cpu.shares")
	if err != nil {
		return fmt.Errorf("linux.resources.cpu.shares: %w", err)
	}
	if got != shares {
		return fmt.Errorf("linux.resources.cpu.shares: %d is out of the kernel's range (it set %d)", shares, got)
	}
	return nil
}

// setQuotaPeriod writes period then quota. Lowering the period can be
// refused (EINVAL) while the old quota would exceed the parent's bandwidth;
// then the period is written again after the quota (runc does the same).
func setQuotaPeriod(dir string, quota *int64, period *uint64) error {
	retryPeriod := false
	if period != nil && *period != 0 {
		err := cgutil.WriteFile(dir, "cpu.cfs_period_us", strconv.FormatUint(*period, 10))
		if err != nil {
			if !errors.Is(err, unix.EINVAL) || quota == nil {
				return fmt.Errorf("linux.resources.cpu.period: %w", err)
			}
			retryPeriod = true
		}
	}
	if quota != nil {
		if err := cgutil.WriteFile(dir, "cpu.cfs_quota_us", strconv.FormatInt(*quota, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.quota: %w", err)
		}
	}
	if retryPeriod {
		if err := cgutil.WriteFile(dir, "cpu.cfs_period_us", strconv.FormatUint(*period, 10)); err != nil {
			return fmt.Errorf("linux.resources.cpu.period: %w", err)
		}
	}
	return nil
}

func (cpuGroup) stats(dir string, s *cgstats.Stats) error {
	st, err := cgutil.ReadKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = cgstats.Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_time"],
	}
	return nil
}
