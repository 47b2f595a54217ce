package seccomp

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// fakeKernel makes flagSupported accept only the bits in known (0 is
// always known unless noSeccomp).
func fakeKernel(t *testing.T, known uint, noSeccomp bool) {
	t.Helper()
	saved := flagSupported
	t.Cleanup(func() { flagSupported = saved })
	flagSupported = func(bits uint) bool { return !noSeccomp && bits&^known == 0 }
}

func TestProbeFlagsAsksTheKernel(t *testing.T) {
	if !probeFlags(0) {
		t.Skip("this kernel has no seccomp filters")
	}
	if probeFlags(1 << 30) {
		t.Error("an undefined flag bit was reported supported")
	}
	if !probeFlags(unix.SECCOMP_FILTER_FLAG_TSYNC) {
		t.Error("TSYNC (Linux 3.17) reported unsupported")
	}
	if probeFlags(unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		t.Error("WAIT_KILLABLE_RECV alone accepted: the kernel wants NEW_LISTENER with it")
	}
}

func TestLoadFlagsUnsupported(t *testing.T) {
	fakeKernel(t, unix.SECCOMP_FILTER_FLAG_TSYNC|unix.SECCOMP_FILTER_FLAG_LOG, false)
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}}
	_, err := loadFlags(s, mustTranslate(t, s))
	if err == nil || !strings.HasPrefix(err.Error(), "linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by this kernel") {
		t.Errorf("SPEC_ALLOW on a kernel without it: %v", err)
	}
	if _, err := Prepare(t.TempDir(), s); err == nil || !strings.Contains(err.Error(), "flags[1]") {
		t.Errorf("Prepare must refuse it before compiling: %v", err)
	}

	notify := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/a",
		Syscalls: []specs.LinuxSyscall{call(specs.ActNotify, "getsid")}}
	if _, err := loadFlags(notify, mustTranslate(t, notify)); err == nil || !strings.Contains(err.Error(), "SCMP_ACT_NOTIFY needs seccomp listeners") {
		t.Errorf("notify on a kernel without listeners: %v", err)
	}

	fakeKernel(t, 0, true)
	if _, err := loadFlags(s, mustTranslate(t, s)); err == nil || !strings.Contains(err.Error(), "no seccomp filter support") {
		t.Errorf("kernel without seccomp: %v", err)
	}
}

// TestLoadFlagsSpecAllowDefault: without a flags list SPEC_ALLOW is added
// only where the kernel has it; an explicit list is passed as is.
func TestLoadFlagsSpecAllowDefault(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	fakeKernel(t, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, false)
	if bits, err := loadFlags(s, mustTranslate(t, s)); err != nil || bits != unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Errorf("kernel with SPEC_ALLOW: 0x%x, %v", bits, err)
	}
	fakeKernel(t, 0, false)
	if bits, err := loadFlags(s, mustTranslate(t, s)); err != nil || bits != 0 {
		t.Errorf("kernel without SPEC_ALLOW: 0x%x, %v", bits, err)
	}
	s.Flags = []specs.LinuxSeccompFlag{}
	fakeKernel(t, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, false)
	if bits, err := loadFlags(s, mustTranslate(t, s)); err != nil || bits != 0 {
		t.Errorf("empty list: 0x%x, %v", bits, err)
	}
}

func TestSupportedFlags(t *testing.T) {
	fakeKernel(t, unix.SECCOMP_FILTER_FLAG_LOG|unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV|unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, false)
	want := []string{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}
	if got := SupportedFlags(); !slices.Equal(got, want) {
		t.Errorf("SupportedFlags() = %q, want %q", got, want)
	}
}
