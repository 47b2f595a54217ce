package devfilter

import (
	"encoding/binary"
	"testing"

	"github.com/hull-project/hull/libcontainer/cgroups/devices"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// run interprets the assembled program for one device request, so the
// filter's logic and the encoding are tested without loading anything.
func run(t *testing.T, code []byte, typ, access, major, minor uint32) bool {
	t.Helper()
	ctx := [3]uint32{access<<16 | typ, major, minor}
	var reg [11]uint64
	n := len(code) / 8
	for pc, steps := 0, 0; pc < n; steps++ {
		if steps > 10000 {
			t.Fatal("program does not terminate")
		}
		b := code[pc*8 : pc*8+8]
		op, dst, src := b[0], b[1]&0x0f, b[1]>>4
		off := int16(binary.LittleEndian.Uint16(b[2:]))
		imm := int32(binary.LittleEndian.Uint32(b[4:]))
		pc++
		switch op {
		case opLdxMemW:
			if src != r1 || off%4 != 0 || off < 0 || off > 8 {
				t.Fatalf("unexpected load at %d", pc-1)
			}
			reg[dst] = uint64(ctx[off/4])
		case opAnd32Imm:
			reg[dst] = uint64(uint32(reg[dst]) & uint32(imm))
		case opRsh32Imm:
			reg[dst] = uint64(uint32(reg[dst]) >> uint32(imm))
		case opMov32Reg:
			reg[dst] = uint64(uint32(reg[src]))
		case opMov32Imm:
			reg[dst] = uint64(uint32(imm))
		case opJa:
			pc += int(off)
		case opJeqImm:
			if reg[dst] == uint64(int64(imm)) {
				pc += int(off)
			}
		case opJneImm:
			if reg[dst] != uint64(int64(imm)) {
				pc += int(off)
			}
		case opExit:
			return reg[r0] == 1
		default:
			t.Fatalf("unexpected opcode %#x at %d", op, pc-1)
		}
	}
	t.Fatal("fell off the end of the program")
	return false
}

func compile(t *testing.T, spec []specs.LinuxDeviceCgroup) []byte {
	t.Helper()
	rules, err := devices.Policy(spec)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := program(rules)
	if err != nil {
		t.Fatal(err)
	}
	code, err := assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func i64(v int64) *int64 { return &v }

func TestProgramDecisions(t *testing.T) {
	code := compile(t, []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "b", Major: i64(8), Access: "r"},
		{Allow: true, Type: "c", Major: i64(1), Minor: i64(11), Access: "rw"},
		{Allow: false, Type: "c", Major: i64(1), Minor: i64(11), Access: "w"},
	})
	const r, w, m = accRead, accWrite, accMknod
	for _, c := range []struct {
		name                      string
		typ, access, major, minor uint32
		want                      bool
	}{
		{"null rw (default list)", devChar, r | w, 1, 3, true},
		{"pts (minor wildcard)", devChar, r | w, 136, 7, true},
		{"mknod any char", devChar, m, 42, 42, true},
		{"mknod any block", devBlock, m, 8, 0, true},
		{"kmsg read (spec allows)", devChar, r, 1, 11, true},
		{"kmsg write (later deny wins)", devChar, w, 1, 11, false},
		{"kmsg rw (one bit denied)", devChar, r | w, 1, 11, false},
		{"sda read (spec allows block 8:*)", devBlock, r, 8, 0, true},
		{"sda write", devBlock, w, 8, 0, false},
		{"char 8:0 is not block 8:0", devChar, r, 8, 0, false},
		{"mem (not listed)", devChar, r, 1, 1, false},
		{"null mknod+read", devChar, m | r, 1, 3, true},
	} {
		if got := run(t, code, c.typ, c.access, c.major, c.minor); got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestProgramAllowAll(t *testing.T) {
	code := compile(t, []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}})
	if !run(t, code, devBlock, accRead|accWrite, 259, 3) {
		t.Error("an allow-all rule must allow any device")
	}
}

func TestAssembleErrors(t *testing.T) {
	if _, err := assemble([]insn{ja("nowhere")}); err == nil {
		t.Error("a jump to an undefined label must fail")
	}
	dup := exit()
	dup.label = "x"
	if _, err := assemble([]insn{dup, dup}); err == nil {
		t.Error("a label defined twice must fail")
	}
}

func TestAssembleEncoding(t *testing.T) {
	target := exit()
	target.label = "end"
	code, err := assemble([]insn{ldxW(r2, r1, 4), jne(r4, 7, "end"), mov32(r0, 1), target})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x61, 0x12, 4, 0, 0, 0, 0, 0, // r2 = *(u32 *)(r1 + 4)
		0x55, 0x04, 1, 0, 7, 0, 0, 0, // if r4 != 7 goto +1
		0xb4, 0x00, 0, 0, 1, 0, 0, 0, // w0 = 1
		0x95, 0, 0, 0, 0, 0, 0, 0, // exit
	}
	if string(code) != string(want) {
		t.Errorf("assemble = % x\nwant       % x", code, want)
	}
}
