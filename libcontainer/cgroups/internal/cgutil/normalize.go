package cgutil

import specs "github.com/opencontainers/runtime-spec/specs-go"

// ZeroAsUnset returns a copy of r in which the numeric limits that runc
// treats as "not set" when zero are nil: memory limit, reservation and
// swap, cpu shares, quota and period, and the blkio weight. Writing a zero
// there would mean "no memory" or be refused by the kernel, never what a
// spec that says 0 means.
func ZeroAsUnset(r *specs.LinuxResources) *specs.LinuxResources {
	c := *r
	if r.Memory != nil {
		m := *r.Memory
		m.Limit, m.Reservation, m.Swap = nonZero(m.Limit), nonZero(m.Reservation), nonZero(m.Swap)
		c.Memory = &m
	}
	if r.CPU != nil {
		cpu := *r.CPU
		cpu.Quota = nonZero(cpu.Quota)
		if cpu.Shares != nil && *cpu.Shares == 0 {
			cpu.Shares = nil
		}
		if cpu.Period != nil && *cpu.Period == 0 {
			cpu.Period = nil
		}
		c.CPU = &cpu
	}
	if r.BlockIO != nil {
		b := *r.BlockIO
		if b.Weight != nil && *b.Weight == 0 {
			b.Weight = nil
		}
		c.BlockIO = &b
	}
	return &c
}

func nonZero(p *int64) *int64 {
	if p == nil || *p == 0 {
		return nil
	}
	return p
}
