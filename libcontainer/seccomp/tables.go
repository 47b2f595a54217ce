package seccomp

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The tables below are arrays of constants, not maps: the linker lays them
// out statically, so importing this package adds no work to the start of
// every hull process (init among them).

// ActionKind is a libseccomp action without its data.
type ActionKind uint8

// The actions libseccomp knows. SCMP_ACT_KILL is KILL_THREAD, as in
// libseccomp's header and runc.
const (
	ActKillThread ActionKind = iota + 1
	ActKillProcess
	ActTrap
	ActErrno
	ActTrace
	ActAllow
	ActLog
	ActNotify
)

// hasData reports whether the action carries SECCOMP_RET_DATA: the errno
// for ERRNO, the ptrace event message for TRACE. Only these may have an
// errnoRet: the runtime-spec says a runtime must refuse it on an action
// without one, and libseccomp-golang drops TRAP's data, so TRAP has none.
func (k ActionKind) hasData() bool { return k == ActErrno || k == ActTrace }

var actionTable = [...]struct {
	name specs.LinuxSeccompAction
	kind ActionKind
}{
	{specs.ActKill, ActKillThread},
	{specs.ActKillProcess, ActKillProcess},
	{specs.ActKillThread, ActKillThread},
	{specs.ActTrap, ActTrap},
	{specs.ActErrno, ActErrno},
	{specs.ActTrace, ActTrace},
	{specs.ActAllow, ActAllow},
	{specs.ActLog, ActLog},
	{specs.ActNotify, ActNotify},
}

func lookupAction(name specs.LinuxSeccompAction) (ActionKind, bool) {
	for _, a := range actionTable {
		if a.name == name {
			return a.kind, true
		}
	}
	return 0, false
}

// Op is a libseccomp argument comparison.
type Op uint8

// The comparisons, in libseccomp's order.
const (
	OpNotEqual Op = iota + 1
	OpLessThan
	OpLessEqual
	OpEqual
	OpGreaterEqual
	OpGreaterThan
	OpMaskedEqual
)

var opTable = [...]struct {
	name specs.LinuxSeccompOperator
	op   Op
}{
	{specs.OpNotEqual, OpNotEqual},
	{specs.OpLessThan, OpLessThan},
	{specs.OpLessEqual, OpLessEqual},
	{specs.OpEqualTo, OpEqual},
	{specs.OpGreaterEqual, OpGreaterEqual},
	{specs.OpGreaterThan, OpGreaterThan},
	{specs.OpMaskedEqual, OpMaskedEqual},
}

func lookupOp(name specs.LinuxSeccompOperator) (Op, bool) {
	for _, o := range opTable {
		if o.name == name {
			return o.op, true
		}
	}
	return 0, false
}

// archTable maps the runtime-spec's architectures to the names
// libseccomp-golang's GetArchFromString takes. libseccomp added the last
// four in 2.6; the helper built against an older one (Debian 12 has 2.5.4)
// refuses them with an error naming the field.
var archTable = [...]struct {
	name         specs.Arch
	libseccomp   string
	libseccomp26 bool
}{
	{specs.ArchX86, "x86", false},
	{specs.ArchX86_64, "amd64", false},
	{specs.ArchX32, "x32", false},
	{specs.ArchARM, "arm", false},
	{specs.ArchAARCH64, "arm64", false},
	{specs.ArchMIPS, "mips", false},
	{specs.ArchMIPS64, "mips64", false},
	{specs.ArchMIPS64N32, "mips64n32", false},
	{specs.ArchMIPSEL, "mipsel", false},
	{specs.ArchMIPSEL64, "mipsel64", false},
	{specs.ArchMIPSEL64N32, "mipsel64n32", false},
	{specs.ArchPPC, "ppc", false},
	{specs.ArchPPC64, "ppc64", false},
	{specs.ArchPPC64LE, "ppc64le", false},
	{specs.ArchS390, "s390", false},
	{specs.ArchS390X, "s390x", false},
	{specs.ArchPARISC, "parisc", false},
	{specs.ArchPARISC64, "parisc64", false},
	{specs.ArchRISCV64, "riscv64", false},
	{specs.ArchLOONGARCH64, "loong64", true},
	{specs.ArchM68K, "m68k", true},
	{specs.ArchSH, "sh", true},
	{specs.ArchSHEB, "sheb", true},
}

func lookupArch(name specs.Arch) (string, bool) {
	for _, a := range archTable {
		if a.name == name {
			return a.libseccomp, true
		}
	}
	return "", false
}

// flagTSync is not in the runtime-spec's list but runc accepts it (and so
// do Docker-generated profiles), so hull does too.
const flagTSync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

var flagTable = [...]struct {
	name specs.LinuxSeccompFlag
	bit  uint
}{
	{flagTSync, unix.SECCOMP_FILTER_FLAG_TSYNC},
	{specs.LinuxSeccompFlagLog, unix.SECCOMP_FILTER_FLAG_LOG},
	{specs.LinuxSeccompFlagSpecAllow, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{specs.LinuxSeccompFlagWaitKillableRecv, unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
}

func lookupFlag(name specs.LinuxSeccompFlag) (uint, bool) {
	for _, f := range flagTable {
		if f.name == name {
			return f.bit, true
		}
	}
	return 0, false
}

// KnownActions lists the actions a profile may use (for `hull features`).
func KnownActions() []string {
	var out []string
	for _, a := range actionTable {
		out = append(out, string(a.name))
	}
	slices.Sort(out)
	return out
}

// KnownOperators lists the argument comparisons a profile may use.
func KnownOperators() []string {
	var out []string
	for _, o := range opTable {
		out = append(out, string(o.name))
	}
	slices.Sort(out)
	return out
}

// KnownArchs lists the architectures hull-seccomp can compile for when it
// is built against libseccomp 2.5 (Debian 12's, which `make` links).
func KnownArchs() []string {
	var out []string
	for _, a := range archTable {
		if !a.libseccomp26 {
			out = append(out, string(a.name))
		}
	}
	slices.Sort(out)
	return out
}

// KnownFlags lists the filter flags a profile may use.
func KnownFlags() []string {
	var out []string
	for _, f := range flagTable {
		out = append(out, string(f.name))
	}
	slices.Sort(out)
	return out
}
