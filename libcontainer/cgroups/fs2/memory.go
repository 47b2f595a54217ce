package fs2

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setMemory(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if m == nil {
		return nil
	}
	if m.Swappiness != nil {
		return errors.New("linux.resources.memory.swappiness: not supported on cgroup v2")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		return errors.New("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer")
	}
	if m.KernelTCP != nil {
		return errors.New("linux.resources.memory.kernelTCP: not supported on cgroup v2")
	}
	// m.Kernel is deprecated and has no v2 file; the spec lets runtimes
	// ignore it, as runc does.
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	swapMax, err := SwapMax(swap, limit)
	if err != nil {
		return fmt.Errorf("linux.resources.memory.swap: %w", err)
	}
	if m.Limit != nil && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && limit > 0 {
		cur, err := cgutil.ReadUint(dir, "memory.current")
		if err != nil {
			return fmt.Errorf("linux.resources.memory.checkBeforeUpdate: %w", err)
		}
		if cur >= uint64(limit) {
			return fmt.Errorf("linux.resources.memory.limit: %d is not above the current usage %d (checkBeforeUpdate)", limit, cur)
		}
	}
	if swapMax != "" {
		if !cgutil.Exists(dir, "memory.swap.max") {
			// Unlimited swap is what a host without swap accounting
			// gives anyway; any limit, even none at all, it cannot.
			if swapMax != "max" {
				return errors.New("linux.resources.memory.swap: swap accounting not enabled on this host (memory.swap.max missing)")
			}
		} else if err := write(dir, "memory.swap.max", swapMax, "linux.resources.memory.swap"); err != nil {
			return err
		}
	}
	if m.Limit != nil && limit != 0 {
		if err := write(dir, "memory.max", maxOr(limit), "linux.resources.memory.limit"); err != nil {
			return err
		}
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		if err := write(dir, "memory.low", maxOr(*m.Reservation), "linux.resources.memory.reservation"); err != nil {
			return err
		}
	}
	return nil
}

// SwapMax converts the spec's swap (memory+swap, the v1 meaning) into the
// memory.swap.max value (swap alone), as runc does; "" leaves it unset.
// swap equal to limit means no swap at all: "0".
func SwapMax(swap, limit int64) (string, error) {
	switch {
	case limit == -1 && swap == 0:
		return "max", nil // unlimited memory with unset swap: unlimited swap too
	case swap == 0:
		return "", nil
	case swap == -1:
		return "max", nil
	case limit == 0 || limit == -1:
		return "", errors.New("a swap limit needs a memory limit (linux.resources.memory.limit)")
	case limit < 0:
		return "", fmt.Errorf("invalid linux.resources.memory.limit %d", limit)
	case swap < limit:
		return "", fmt.Errorf("%d is below linux.resources.memory.limit %d (swap is memory+swap)", swap, limit)
	}
	return strconv.FormatInt(swap-limit, 10), nil
}

// maxOr spells a negative value (the spec's -1) as "max".
func maxOr(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

func statMemory(dir string, s *cgstats.Stats) error {
	if !cgutil.Exists(dir, "memory.current") {
		return nil
	}
	raw, err := cgutil.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["file"]
	if s.Memory.Usage, err = memEntry(dir, "memory.current", "memory.max", "memory.peak"); err != nil {
		return err
	}
	if cgutil.Exists(dir, "memory.swap.current") {
		if s.Memory.Swap, err = memEntry(dir, "memory.swap.current", "memory.swap.max", "memory.swap.peak"); err != nil {
			return err
		}
	}
	if ev, err := cgutil.ReadKeyValues(dir, "memory.events"); err == nil {
		s.Memory.Usage.Failcnt = ev["max"]
	}
	return nil
}

func memEntry(dir, cur, max, peak string) (cgstats.MemoryEntry, error) {
	var e cgstats.MemoryEntry
	var err error
	if e.Usage, err = cgutil.ReadUint(dir, cur); err != nil {
		return e, err
	}
	if e.Limit, err = cgutil.ReadUint(dir, max); err != nil {
		return e, err
	}
	if e.Limit == math.MaxUint64 {
		e.Limit = 0
	}
	if cgutil.Exists(dir, peak) { // memory.peak exists since Linux 5.19
		if e.Max, err = cgutil.ReadUint(dir, peak); err != nil {
			return e, err
		}
	}
	return e, nil
}
