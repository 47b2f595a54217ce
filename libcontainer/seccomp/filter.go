package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// insnSize is the size of a struct sock_filter.
const insnSize = 8

// maxInsns is the kernel's limit for one classic BPF program (BPF_MAXINSNS).
const maxInsns = 4096

// Classic BPF instruction classes and the one jump that uses k.
const (
	bpfClassMask = 0x07
	bpfJMP       = 0x05
	bpfRET       = 0x06
	bpfOpMask    = 0xf0
	bpfJA        = 0x00
)

// checkFilter rejects bytes that cannot be a whole filter: a cache file cut
// short (killed writer, full disk) or damaged would otherwise only fail in
// init, with EINVAL from the kernel and no way to recompile. A filter must
// be whole instructions, within the kernel's length limit, with every jump
// landing inside the program, and end in a return.
func checkFilter(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty filter")
	}
	if len(b)%insnSize != 0 {
		return fmt.Errorf("filter of %d bytes is not whole %d-byte instructions", len(b), insnSize)
	}
	insns := decodeInsns(b)
	if len(insns) > maxInsns {
		return fmt.Errorf("filter of %d instructions is longer than the kernel's limit of %d", len(insns), maxInsns)
	}
	for pc, in := range insns {
		if in.Code&bpfClassMask != bpfJMP {
			continue
		}
		if err := checkJump(pc, in, len(insns)); err != nil {
			return err
		}
	}
	if last := insns[len(insns)-1]; last.Code&bpfClassMask != bpfRET {
		return fmt.Errorf("filter does not end in a return (last code 0x%x)", last.Code)
	}
	return nil
}

func checkJump(pc int, in unix.SockFilter, n int) error {
	next := pc + 1
	if in.Code&bpfOpMask == bpfJA {
		if uint64(next)+uint64(in.K) >= uint64(n) {
			return fmt.Errorf("instruction %d jumps past the end", pc)
		}
		return nil
	}
	if next+int(in.Jt) >= n || next+int(in.Jf) >= n {
		return fmt.Errorf("instruction %d jumps past the end", pc)
	}
	return nil
}

// decodeInsns reads struct sock_filter records as libseccomp wrote them, in
// the machine's byte order.
func decodeInsns(b []byte) []unix.SockFilter {
	insns := make([]unix.SockFilter, len(b)/insnSize)
	for i := range insns {
		r := b[i*insnSize:]
		insns[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(r[0:2]),
			Jt:   r[2],
			Jf:   r[3],
			K:    binary.NativeEndian.Uint32(r[4:8]),
		}
	}
	return insns
}
