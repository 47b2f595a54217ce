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

const (
	memLimit = "memory.limit_in_bytes"
	swapFile = "memory.memsw.limit_in_bytes"
)

type memoryGroup struct{}

func (memoryGroup) name() string { return "memory" }

func (memoryGroup) requested(r *specs.LinuxResources) string {
	m := r.Memory
	switch {
	case m == nil:
		return ""
	case m.Limit != nil:
		return "linux.resources.memory.limit"
	case m.Swap != nil:
		return "linux.resources.memory.swap"
	case m.Reservation != nil:
		return "linux.resources.memory.reservation"
	case m.KernelTCP != nil:
		return "linux.resources.memory.kernelTCP"
	case m.Swappiness != nil:
		return "linux.resources.memory.swappiness"
	case m.DisableOOMKiller != nil:
		return "linux.resources.memory.disableOOMKiller"
	case m.UseHierarchy != nil:
		return "linux.resources.memory.useHierarchy"
	}
	return ""
}

func (memoryGroup) set(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if err := setLimitAndSwap(dir, m); err != nil {
		return err
	}
	if m.Reservation != nil {
		if err := cgutil.WriteFile(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(*m.Reservation, 10)); err != nil {
			return fmt.Errorf("linux.resources.memory.reservation: %w", err)
		}
	}
	// linux.resources.memory.kernel is deprecated (the spec lets runtimes
	// ignore it and kernels since 5.4 obsolete it): ignored, as runc 1.1.
	if m.KernelTCP != nil {
		if err := writeOptional(dir, "memory.kmem.tcp.limit_in_bytes", strconv.FormatInt(*m.KernelTCP, 10)); err != nil {
			return fmt.Errorf("linux.resources.memory.kernelTCP: %w", err)
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("linux.resources.memory.swappiness: %d is out of range 0..100", *m.Swappiness)
		}
		if err := cgutil.WriteFile(dir, "memory.swappiness", strconv.FormatUint(*m.Swappiness, 10)); err != nil {
			return fmt.Errorf("linux.resources.memory.swappiness: %w", err)
		}
	}
	if m.DisableOOMKiller != nil {
		if err := cgutil.WriteFile(dir, "memory.oom_control", boolDigit(*m.DisableOOMKiller)); err != nil {
			return fmt.Errorf("linux.resources.memory.disableOOMKiller: %w", err)
		}
	}
	if m.UseHierarchy != nil {
		if err := cgutil.WriteFile(dir, "memory.use_hierarchy", boolDigit(*m.UseHierarchy)); err != nil {
			return fmt.Errorf("linux.resources.memory.useHierarchy: %w", err)
		}
	}
	return nil
}

// setLimitAndSwap writes memory.limit_in_bytes and memory.memsw.limit_in_bytes
// in the order the kernel accepts: memsw may never be below the memory
// limit, so raising goes swap first and lowering goes memory first.
func setLimitAndSwap(dir string, m *specs.LinuxMemory) error {
	limit, swap := m.Limit, m.Swap
	hasSwap := cgutil.Exists(dir, swapFile)
	if swap != nil && !hasSwap {
		if *swap == -1 {
			swap = nil // unlimited swap is what the host gives anyway
		} else {
			return fmt.Errorf("linux.resources.memory.swap: swap accounting not enabled on this host (%s missing)", swapFile)
		}
	}
	if limit != nil && *limit == -1 && swap == nil && hasSwap {
		unlimited := int64(-1)
		swap = &unlimited // an unlimited memory limit means unlimited swap too
	}
	if limit != nil && m.CheckBeforeUpdate != nil && *m.CheckBeforeUpdate && *limit > 0 {
		if err := checkUsage(dir, *limit); err != nil {
			return err
		}
	}
	if limit != nil && swap != nil {
		cur, err := cgutil.ReadUint(dir, memLimit)
		if err != nil {
			return fmt.Errorf("linux.resources.memory.limit: %w", err)
		}
		if *swap == -1 || cur < uint64(*swap) {
			if err := writeSwap(dir, *swap); err != nil {
				return err
			}
			return writeLimit(dir, *limit)
		}
	}
	if limit != nil {
		if err := writeLimit(dir, *limit); err != nil {
			return err
		}
	}
	if swap != nil {
		return writeSwap(dir, *swap)
	}
	return nil
}

func checkUsage(dir string, limit int64) error {
	usage, err := cgutil.ReadUint(dir, "memory.usage_in_bytes")
	if err != nil {
		return fmt.Errorf("linux.resources.memory.checkBeforeUpdate: %w", err)
	}
	if usage >= uint64(limit) {
		return fmt.Errorf("linux.resources.memory.limit: %d is not above the current usage %d (checkBeforeUpdate)", limit, usage)
	}
	return nil
}

func writeLimit(dir string, limit int64) error {
	err := cgutil.WriteFile(dir, memLimit, strconv.FormatInt(limit, 10))
	if errors.Is(err, unix.EBUSY) {
		usage, _ := cgutil.ReadUint(dir, "memory.usage_in_bytes")
		return fmt.Errorf("linux.resources.memory.limit: cannot set %d below the current usage %d: %w", limit, usage, err)
	}
	if err != nil {
		return fmt.Errorf("linux.resources.memory.limit: %w", err)
	}
	return nil
}

func writeSwap(dir string, swap int64) error {
	if err := cgutil.WriteFile(dir, swapFile, strconv.FormatInt(swap, 10)); err != nil {
		return fmt.Errorf("linux.resources.memory.swap: %w (it is memory+swap and may not be below linux.resources.memory.limit)", err)
	}
	return nil
}

func (memoryGroup) stats(dir string, s *cgstats.Stats) error {
	raw, err := cgutil.ReadKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["total_cache"]
	if s.Memory.Usage, err = memoryEntry(dir, "memory"); err != nil {
		return err
	}
	for _, e := range []struct {
		prefix string
		dst    *cgstats.MemoryEntry
	}{
		{"memory.memsw", &s.Memory.Swap}, {"memory.kmem", &s.Memory.Kernel}, {"memory.kmem.tcp", &s.Memory.KernelTCP},
	} {
		if !cgutil.Exists(dir, e.prefix+".usage_in_bytes") {
			continue // no swap accounting, or a kernel without kmem files
		}
		if *e.dst, err = memoryEntry(dir, e.prefix); err != nil {
			return err
		}
	}
	return nil
}

func memoryEntry(dir, prefix string) (cgstats.MemoryEntry, error) {
	var e cgstats.MemoryEntry
	for _, f := range []struct {
		name string
		dst  *uint64
	}{
		{"usage_in_bytes", &e.Usage}, {"max_usage_in_bytes", &e.Max},
		{"limit_in_bytes", &e.Limit}, {"failcnt", &e.Failcnt},
	} {
		v, err := cgutil.ReadUint(dir, prefix+"."+f.name)
		if err != nil {
			return e, err
		}
		*f.dst = v
	}
	return e, nil
}

// writeOptional writes a file that only some kernels have, turning its
// absence into a clear "not supported" error.
func writeOptional(dir, file, value string) error {
	if !cgutil.Exists(dir, file) {
		return fmt.Errorf("not supported by this kernel (%s missing)", file)
	}
	return cgutil.WriteFile(dir, file, value)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
