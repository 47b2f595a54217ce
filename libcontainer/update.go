package libcontainer

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hull-project/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update merges r into the container's stored resources, applies the
// change to its cgroup and saves the merged resources in its state. As in
// runc, a zero or empty value in r means "leave as it is".
func Update(root, id string, r *specs.LinuxResources) error {
	if r == nil {
		return fmt.Errorf("update container %s: no resources given", id)
	}
	c, lock, err := loadLocked(root, id)
	if err != nil {
		return err
	}
	defer lock.Release()
	if c.Status() == state.Stopped {
		return fmt.Errorf("cannot update container %s: container not running", id)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	merged := MergeResources(c.st.Resources, r)
	if err := m.Set(changeSet(merged, r)); err != nil {
		return fmt.Errorf("update container %s: %w", id, err)
	}
	c.st.Resources = merged
	return state.Save(root, c.st)
}

// changeSet is what Set must write for update r whose merge gave merged:
// the fields r changes, plus the companions the kernel needs together
// (cgroup v2 writes quota and period as one cpu.max value; a device list
// is always replaced as a whole).
func changeSet(merged, r *specs.LinuxResources) *specs.LinuxResources {
	d := MergeResources(nil, r)
	if d.CPU != nil && (d.CPU.Quota != nil || d.CPU.Period != nil) {
		d.CPU.Quota, d.CPU.Period = merged.CPU.Quota, merged.CPU.Period
	}
	if len(r.Devices) > 0 {
		d.Devices = merged.Devices
	}
	return d
}

// MergeResources returns a copy of old with every value set in upd laid
// over it, except the obsolete memory.kernel, which is ignored. Zero numbers and empty strings in upd count as unset; device
// rules are appended (the last matching rule wins); maps are merged key by
// key; lists of per-device limits and hugepage limits replace the old ones.
func MergeResources(old, upd *specs.LinuxResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if old != nil {
		cp := *old
		out = &cp
		out.Devices = slices.Clone(old.Devices)
		out.Unified = maps.Clone(old.Unified)
		out.Rdma = maps.Clone(old.Rdma)
	}
	if upd == nil {
		return out
	}
	out.Devices = append(out.Devices, upd.Devices...)
	out.Memory = mergeMemory(out.Memory, upd.Memory)
	out.CPU = mergeCPU(out.CPU, upd.CPU)
	out.Pids = mergePids(out.Pids, upd.Pids)
	out.BlockIO = mergeBlockIO(out.BlockIO, upd.BlockIO)
	if upd.HugepageLimits != nil {
		out.HugepageLimits = upd.HugepageLimits
	}
	if upd.Network != nil {
		out.Network = upd.Network
	}
	out.Rdma = mergeMap(out.Rdma, upd.Rdma)
	out.Unified = mergeMap(out.Unified, upd.Unified)
	return out
}

func mergeMap[V any](old, upd map[string]V) map[string]V {
	if len(upd) == 0 {
		return old
	}
	if old == nil {
		old = make(map[string]V, len(upd))
	}
	maps.Copy(old, upd)
	return old
}

func mergeMemory(old, upd *specs.LinuxMemory) *specs.LinuxMemory {
	if upd == nil {
		return old
	}
	out := &specs.LinuxMemory{}
	if old != nil {
		cp := *old
		out = &cp
	}
	setI64(&out.Limit, upd.Limit)
	setI64(&out.Reservation, upd.Reservation)
	setI64(&out.Swap, upd.Swap)
	setI64(&out.KernelTCP, upd.KernelTCP)
	setPtr(&out.Swappiness, upd.Swappiness)
	setPtr(&out.DisableOOMKiller, upd.DisableOOMKiller)
	setPtr(&out.UseHierarchy, upd.UseHierarchy)
	setPtr(&out.CheckBeforeUpdate, upd.CheckBeforeUpdate)
	return out
}

func mergeCPU(old, upd *specs.LinuxCPU) *specs.LinuxCPU {
	if upd == nil {
		return old
	}
	out := &specs.LinuxCPU{}
	if old != nil {
		cp := *old
		out = &cp
	}
	setU64(&out.Shares, upd.Shares)
	setI64(&out.Quota, upd.Quota)
	setPtr(&out.Burst, upd.Burst)
	setU64(&out.Period, upd.Period)
	setI64(&out.RealtimeRuntime, upd.RealtimeRuntime)
	setU64(&out.RealtimePeriod, upd.RealtimePeriod)
	setPtr(&out.Idle, upd.Idle)
	if upd.Cpus != "" {
		out.Cpus = upd.Cpus
	}
	if upd.Mems != "" {
		out.Mems = upd.Mems
	}
	return out
}

func mergePids(old, upd *specs.LinuxPids) *specs.LinuxPids {
	if upd == nil || upd.Limit == nil || *upd.Limit == 0 {
		return old
	}
	return &specs.LinuxPids{Limit: ptr(*upd.Limit)}
}

func mergeBlockIO(old, upd *specs.LinuxBlockIO) *specs.LinuxBlockIO {
	if upd == nil {
		return old
	}
	out := &specs.LinuxBlockIO{}
	if old != nil {
		cp := *old
		out = &cp
	}
	if upd.Weight != nil && *upd.Weight != 0 {
		out.Weight = ptr(*upd.Weight)
	}
	if upd.LeafWeight != nil && *upd.LeafWeight != 0 {
		out.LeafWeight = ptr(*upd.LeafWeight)
	}
	if upd.WeightDevice != nil {
		out.WeightDevice = upd.WeightDevice
	}
	if upd.ThrottleReadBpsDevice != nil {
		out.ThrottleReadBpsDevice = upd.ThrottleReadBpsDevice
	}
	if upd.ThrottleWriteBpsDevice != nil {
		out.ThrottleWriteBpsDevice = upd.ThrottleWriteBpsDevice
	}
	if upd.ThrottleReadIOPSDevice != nil {
		out.ThrottleReadIOPSDevice = upd.ThrottleReadIOPSDevice
	}
	if upd.ThrottleWriteIOPSDevice != nil {
		out.ThrottleWriteIOPSDevice = upd.ThrottleWriteIOPSDevice
	}
	return out
}

// setI64 and setU64 copy a set, non-zero value; setPtr copies any set one.
func setI64(dst **int64, v *int64) {
	if v != nil && *v != 0 {
		*dst = ptr(*v)
	}
}

func setU64(dst **uint64, v *uint64) {
	if v != nil && *v != 0 {
		*dst = ptr(*v)
	}
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		*dst = ptr(*v)
	}
}

func ptr[T any](v T) *T { return &v }
