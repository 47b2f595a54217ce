package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// flagSupported reports whether the kernel accepts the filter flags bits.
// A variable so tests can play an older kernel.
var flagSupported = probeFlags

// probeFlags asks the kernel without installing anything:
// seccomp(SET_MODE_FILTER) checks the flags before it reads the program, so
// a NULL program fails with EFAULT when the flags are known and EINVAL when
// they are not (libseccomp probes the same way). It needs no privilege.
func probeFlags(bits uint) bool {
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(bits), 0)
	return errno == unix.EFAULT
}

// probeBits is what to ask the kernel for one flag: it refuses
// WAIT_KILLABLE_RECV without NEW_LISTENER whatever its version.
func probeBits(bit uint) uint {
	if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
		return bit | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	return bit
}

// SupportedFlags lists the known flags this kernel accepts (for
// `hull features`).
func SupportedFlags() []string {
	var out []string
	for _, name := range KnownFlags() {
		bit, _ := lookupFlag(specs.LinuxSeccompFlag(name))
		if flagSupported(probeBits(bit)) {
			out = append(out, name)
		}
	}
	return out
}

// loadFlags checks the plan's flags against the running kernel and returns
// the bits to pass to seccomp(2), naming the field of any flag the kernel
// lacks.
func loadFlags(s *specs.LinuxSeccomp, plan *Plan) (uint, error) {
	if !flagSupported(0) {
		return 0, &FieldError{Field: "linux.seccomp", Msg: "this kernel has no seccomp filter support (CONFIG_SECCOMP_FILTER)"}
	}
	var p problems
	for i, name := range s.Flags {
		bit, _ := lookupFlag(name)
		if !flagSupported(probeBits(bit)) {
			p.add(fmt.Sprintf("linux.seccomp.flags[%d]", i), "%s is not supported by this kernel (%s)", name, kernelRelease())
		}
	}
	if plan.Notify && !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		p.add("linux.seccomp", "SCMP_ACT_NOTIFY needs seccomp listeners, which this kernel (%s) lacks", kernelRelease())
	}
	if err := p.err(); err != nil {
		return 0, err
	}
	bits := plan.Flags
	if !flagSupported(bits) {
		return 0, &FieldError{Field: "linux.seccomp.flags", Msg: fmt.Sprintf("this kernel (%s) refuses the combination 0x%x", kernelRelease(), bits)}
	}
	if plan.SpecAllowByDefault && flagSupported(bits|unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW) {
		bits |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	}
	return bits, nil
}

func kernelRelease() string {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return "unknown release"
	}
	return unix.ByteSliceToString(uts.Release[:])
}
