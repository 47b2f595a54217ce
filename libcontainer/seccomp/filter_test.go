package seccomp

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Classic BPF opcodes the tests assemble.
const (
	opRetK = 0x06 // BPF_RET|BPF_K
	opLdW  = 0x20 // BPF_LD|BPF_W|BPF_ABS
	opJeqK = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
	opJa   = 0x05 // BPF_JMP|BPF_JA
	opAdd  = 0x04 // BPF_ALU|BPF_ADD|BPF_K
)

var (
	insnRet = unix.SockFilter{Code: opRetK, K: unix.SECCOMP_RET_ALLOW}
	insnLd  = unix.SockFilter{Code: opLdW, K: 0}
)

func encodeInsns(insns ...unix.SockFilter) []byte {
	var b []byte
	for _, in := range insns {
		b = binary.NativeEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.NativeEndian.AppendUint32(b, in.K)
	}
	return b
}

// allowAll is the smallest valid filter.
var allowAll = encodeInsns(insnRet)

func TestCheckFilter(t *testing.T) {
	ret, ld := insnRet, insnLd
	long := make([]unix.SockFilter, maxInsns+1)
	for i := range long {
		long[i] = ret
	}
	tests := []struct {
		name   string
		filter []byte
		want   string // "" means valid
	}{
		{"return", allowAll, ""},
		{"load, test, two returns", encodeInsns(ld, unix.SockFilter{Code: opJeqK, Jt: 0, Jf: 1, K: 3}, ret, ret), ""},
		{"jump always, in range", encodeInsns(unix.SockFilter{Code: opJa, K: 1}, ret, ret), ""},
		{"empty", nil, "empty"},
		{"half an instruction", allowAll[:4], "not whole"},
		{"one byte more", append(append([]byte{}, allowAll...), 0), "not whole"},
		{"ends in a load", encodeInsns(ret, ld), "does not end in a return"},
		{"ends in an add", encodeInsns(ret, unix.SockFilter{Code: opAdd}), "does not end in a return"},
		{"conditional jump past the end", encodeInsns(ld, unix.SockFilter{Code: opJeqK, Jt: 0, Jf: 2}, ret, ret), "jumps past the end"},
		{"jump always past the end", encodeInsns(unix.SockFilter{Code: opJa, K: 1}, ret), "jumps past the end"},
		{"huge jump", encodeInsns(unix.SockFilter{Code: opJa, K: 0xffffffff}, ret), "jumps past the end"},
		{"longer than the kernel takes", encodeInsns(long...), "longer than the kernel's limit"},
	}
	for _, tt := range tests {
		err := checkFilter(tt.filter)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.want)
		}
	}
}

func TestDecodeInsns(t *testing.T) {
	in := []unix.SockFilter{{Code: opJeqK, Jt: 2, Jf: 7, K: 0xc000003e}, {Code: opRetK, K: 0x7fff0000}}
	got := decodeInsns(encodeInsns(in...))
	if len(got) != 2 || got[0] != in[0] || got[1] != in[1] {
		t.Errorf("decodeInsns: %+v, want %+v", got, in)
	}
}
