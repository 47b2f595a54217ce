// Package devfilter is the cgroup v2 device controller: an eBPF program of
// type BPF_PROG_TYPE_CGROUP_DEVICE that the kernel runs on every device
// open and mknod in the cgroup, built from the same rules as v1's
// devices.allow/deny lists.
package devfilter

import (
	"fmt"
	"math"

	"github.com/hull-project/hull/libcontainer/cgroups/devices"
)

// Values in struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h):
// access_type is (access << 16) | type, then major, then minor, all u32.
const (
	devBlock = 1
	devChar  = 2

	accMknod = 1
	accRead  = 2
	accWrite = 4
)

// program compiles rules into the filter. The rules are read like the v1
// lists are written: for each access bit the request asks for (mknod,
// read, write), the last rule that matches the device and has that bit
// decides; no match denies. A request is allowed only if every bit it asks
// for is.
func program(rules []devices.Rule) ([]insn, error) {
	for i, r := range rules {
		if r.Major > math.MaxInt32 || r.Minor > math.MaxInt32 {
			return nil, fmt.Errorf("device rule %d: major/minor out of range", i)
		}
	}
	b := &builder{}
	// R2 = type, R3 = access, R4 = major, R5 = minor; R1 is scratch after.
	b.emit(ldxW(r2, r1, 0))
	b.emit(and32(r2, 0xFFFF))
	b.emit(ldxW(r3, r1, 0))
	b.emit(rsh32(r3, 16))
	b.emit(ldxW(r4, r1, 4))
	b.emit(ldxW(r5, r1, 8))
	for _, bit := range []struct {
		mask   int32
		letter byte
	}{{accMknod, 'm'}, {accRead, 'r'}, {accWrite, 'w'}} {
		ok := fmt.Sprintf("bit%d_ok", bit.mask)
		b.emit(mov32Reg(r1, r3))
		b.emit(and32(r1, bit.mask))
		b.emit(jeq(r1, 0, ok))
		decided := false
		for i := len(rules) - 1; i >= 0 && !decided; i-- {
			if r := rules[i]; hasAccess(r.Access, bit.letter) {
				decided = b.rule(r, ok, fmt.Sprintf("bit%d_rule%d_next", bit.mask, i))
			}
		}
		// The verifier rejects unreachable code: after a rule that
		// matches every device, no default is needed.
		if !decided {
			b.deny()
		}
		b.label(ok)
	}
	b.emit(mov32(r0, 1))
	b.emit(exit())
	return b.insns, nil
}

// rule emits: if the device matches r, allow this bit (jump to ok) or deny
// the request; otherwise fall through to next. It reports whether r
// matches every device, in which case nothing after it can run.
func (b *builder) rule(r devices.Rule, ok, next string) (matchesAll bool) {
	conds := 0
	switch r.Type {
	case 'c':
		b.emit(jne(r2, devChar, next))
		conds++
	case 'b':
		b.emit(jne(r2, devBlock, next))
		conds++
	}
	if r.Major != devices.Wildcard {
		b.emit(jne(r4, int32(r.Major), next))
		conds++
	}
	if r.Minor != devices.Wildcard {
		b.emit(jne(r5, int32(r.Minor), next))
		conds++
	}
	if r.Allow {
		b.emit(ja(ok))
	} else {
		b.deny()
	}
	if conds == 0 {
		return true
	}
	b.label(next)
	return false
}

func hasAccess(access string, letter byte) bool {
	for i := 0; i < len(access); i++ {
		if access[i] == letter {
			return true
		}
	}
	return false
}

// builder collects instructions and puts each label on the next
// instruction emitted; two labels in a row get a no-op between them, since
// an instruction carries one label.
type builder struct {
	insns   []insn
	pending string
}

func (b *builder) emit(in insn) {
	if b.pending != "" {
		in.label = b.pending
		b.pending = ""
	}
	b.insns = append(b.insns, in)
}

func (b *builder) label(l string) {
	if b.pending != "" {
		b.emit(insn{code: opJa}) // "goto +0": a no-op carrying the earlier label
	}
	b.pending = l
}

func (b *builder) deny() {
	b.emit(mov32(r0, 0))
	b.emit(exit())
}
