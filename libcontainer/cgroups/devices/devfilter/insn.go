package devfilter

import (
	"encoding/binary"
	"fmt"
)

// The handful of eBPF instructions the filter needs, encoded by hand: the
// general assemblers (cilium/ebpf's asm) pull in go/format, debug/elf and
// crypto and would double the runtime binary for eight opcodes.
// Encoding: struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }.
const (
	opLdxMemW  = 0x61 // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
	opAnd32Imm = 0x54 // BPF_ALU | BPF_AND | BPF_K
	opRsh32Imm = 0x74 // BPF_ALU | BPF_RSH | BPF_K
	opMov32Reg = 0xbc // BPF_ALU | BPF_MOV | BPF_X
	opMov32Imm = 0xb4 // BPF_ALU | BPF_MOV | BPF_K
	opJa       = 0x05 // BPF_JMP | BPF_JA
	opJeqImm   = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	opJneImm   = 0x55 // BPF_JMP | BPF_JNE | BPF_K
	opExit     = 0x95 // BPF_JMP | BPF_EXIT
)

// Registers: R0 return value, R1 the context pointer on entry.
const (
	r0 = iota
	r1
	r2
	r3
	r4
	r5
)

// insn is one instruction; a jump names its target by label instead of an
// offset until assemble resolves it.
type insn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
	label    string // this instruction's label, if a jump targets it
	target   string // for jumps: the label to go to
}

func ldxW(dst, src uint8, off int16) insn { return insn{code: opLdxMemW, dst: dst, src: src, off: off} }
func and32(dst uint8, imm int32) insn     { return insn{code: opAnd32Imm, dst: dst, imm: imm} }
func rsh32(dst uint8, imm int32) insn     { return insn{code: opRsh32Imm, dst: dst, imm: imm} }
func mov32Reg(dst, src uint8) insn        { return insn{code: opMov32Reg, dst: dst, src: src} }
func mov32(dst uint8, imm int32) insn     { return insn{code: opMov32Imm, dst: dst, imm: imm} }
func ja(target string) insn               { return insn{code: opJa, target: target} }
func jeq(dst uint8, imm int32, t string) insn {
	return insn{code: opJeqImm, dst: dst, imm: imm, target: t}
}
func jne(dst uint8, imm int32, t string) insn {
	return insn{code: opJneImm, dst: dst, imm: imm, target: t}
}
func exit() insn { return insn{code: opExit} }

// assemble resolves labels to relative offsets and encodes the program in
// the host's byte order (little endian on every architecture hull targets).
func assemble(prog []insn) ([]byte, error) {
	at := make(map[string]int, len(prog))
	for i, in := range prog {
		if in.label != "" {
			if _, dup := at[in.label]; dup {
				return nil, fmt.Errorf("bpf: label %q defined twice", in.label)
			}
			at[in.label] = i
		}
	}
	out := make([]byte, 0, 8*len(prog))
	for i, in := range prog {
		if in.target != "" {
			t, ok := at[in.target]
			if !ok {
				return nil, fmt.Errorf("bpf: jump to undefined label %q", in.target)
			}
			// Offsets count from the instruction after the jump.
			in.off = int16(t - i - 1)
		}
		out = append(out, in.code, in.src<<4|in.dst&0x0f)
		out = binary.LittleEndian.AppendUint16(out, uint16(in.off))
		out = binary.LittleEndian.AppendUint32(out, uint32(in.imm))
	}
	return out, nil
}
