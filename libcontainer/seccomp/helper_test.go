package seccomp

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Pids above the kernel's PID_MAX_LIMIT (4194304): the probes below pass
// them so that, unfiltered, the calls fail harmlessly with ESRCH.
const (
	noPid1 = 5000001
	noPid2 = 5000002
	noPid3 = 5000003
)

func arg(i uint, op specs.LinuxSeccompOperator, v uint64) specs.LinuxSeccompArg {
	return specs.LinuxSeccompArg{Index: i, Value: v, Op: op}
}

func errnoCall(errno unix.Errno, args []specs.LinuxSeccompArg, names ...string) specs.LinuxSyscall {
	ret := uint(errno)
	return specs.LinuxSyscall{Names: names, Action: specs.ActErrno, ErrnoRet: &ret, Args: args}
}

// probeProfile exercises every operator, AND and OR of conditions, the
// default errno, errnoRet, TRACE, an unknown name and a rule equal to the
// default, each on a syscall whose unfiltered result is known.
func probeProfile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		call(specs.ActErrno, "mkdir", "mkdirat", "hull_no_such_syscall"),
		errnoCall(unix.EXDEV, nil, "chdir"),
		call(specs.ActAllow, "getpid"),
		errnoCall(unix.ENOTRECOVERABLE, []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, noPid1), arg(0, specs.OpEqualTo, noPid2)}, "getpgid"),
		// Mask 0xf0000000, value 0x30000000: swapping the two would match
		// 0x70001234 instead of 0x30001234.
		{Names: []string{"getsid"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.ENOTUNIQ)),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xf0000000, ValueTwo: 0x30000000, Op: specs.OpMaskedEqual}}},
		errnoCall(unix.EL2HLT, []specs.LinuxSeccompArg{arg(0, specs.OpGreaterThan, 6000000)}, "sched_getscheduler"),
		errnoCall(unix.EBADE, []specs.LinuxSeccompArg{arg(0, specs.OpLessThan, 6000000)}, "sched_getparam"),
		errnoCall(unix.EBADSLT, []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, 0), arg(1, specs.OpGreaterEqual, 7000000)}, "getpriority"),
		errnoCall(unix.EBADRQC, []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, 1), arg(1, specs.OpLessEqual, 7100000)}, "ioprio_get"),
		errnoCall(unix.EBADFD, []specs.LinuxSeccompArg{arg(0, specs.OpNotEqual, 0)}, "sched_rr_get_interval"),
		call(specs.ActTrace, "sched_get_priority_max"),
	}}
}

// probeWant is what each probe must give under probeProfile.
var probeWant = map[string]string{
	"mkdirat(-100,N,0700)":                             "EPERM", // ERRNO without errnoRet
	"chdir(D)":                                         "EXDEV",
	fmt.Sprintf("getpgid(%d)", noPid1):                 "ENOTRECOVERABLE", // EQ, OR-ed
	fmt.Sprintf("getpgid(%d)", noPid2):                 "ENOTRECOVERABLE",
	fmt.Sprintf("getpgid(%d)", noPid3):                 "ESRCH",
	"getsid(0x30001234)":                               "ENOTUNIQ", // MASKED_EQ
	"getsid(0x70001234)":                               "ESRCH",
	"getsid(0x20001234)":                               "ESRCH",
	"sched_getscheduler(6000000)":                      "ESRCH", // GT
	"sched_getscheduler(6000001)":                      "EL2HLT",
	"sched_getparam(5999999,P)":                        "EBADE", // LT
	"sched_getparam(6000000,P)":                        "ESRCH",
	"getpriority(0,7000000)":                           "EBADSLT", // EQ and GE, AND-ed
	"getpriority(0,6999999)":                           "ESRCH",
	"getpriority(1,7000000)":                           "ESRCH",
	"ioprio_get(1,7100000)":                            "EBADRQC", // LE
	"ioprio_get(1,7100001)":                            "ESRCH",
	fmt.Sprintf("sched_rr_get_interval(%d,P)", noPid1): "EBADFD", // NE
	"sched_rr_get_interval(0,P)":                       "ok=0",
	"sched_get_priority_max(0)":                        "ENOSYS", // TRACE without a tracer
}

// probeNames lists the probes in a fixed order.
func probeNames() []string {
	return slices.Sorted(maps.Keys(probeWant))
}

func checkProbes(t *testing.T, res *childResult, want map[string]string) {
	t.Helper()
	if res.LoadErr != "" {
		t.Fatalf("load: %s", res.LoadErr)
	}
	if res.Seccomp != "2" {
		t.Errorf("Seccomp: %q after loading, want 2 (filter)", res.Seccomp)
	}
	for p, w := range want {
		if got := res.Probes[p]; got != w {
			t.Errorf("%s: %s, want %s", p, got, w)
		}
	}
}

func TestCompileAndLoad(t *testing.T) {
	requireHelper(t)
	p, err := Prepare(t.TempDir(), probeProfile())
	if err != nil {
		t.Fatal(err)
	}
	if p.Notify || p.Flags&^unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW != 0 {
		t.Errorf("program flags 0x%x notify %v", p.Flags, p.Notify)
	}
	checkProbes(t, runInChild(t, childConfig{Program: p, Probes: probeNames()}), probeWant)
}

// TestUnfilteredProbes runs the probes under a filter that allows all, so
// the results expected above really come from probeProfile's rules.
func TestUnfilteredProbes(t *testing.T) {
	want := map[string]string{}
	for p := range probeWant {
		want[p] = "ESRCH"
	}
	for _, p := range []string{"mkdirat(-100,N,0700)", "chdir(D)", "sched_rr_get_interval(0,P)", "sched_get_priority_max(0)"} {
		want[p] = "ok=0"
	}
	checkProbes(t, runInChild(t, childConfig{Program: &Program{Filter: allowAll}, Probes: probeNames()}), want)
}

func TestKillProcess(t *testing.T) {
	requireHelper(t)
	p, err := Prepare(t.TempDir(), allowExcept(call(specs.ActKillProcess, "getppid")))
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := childCommand(t, childConfig{Program: p, Probes: []string{"getppid()"}})
	err = cmd.Run()
	if sig := signalOf(cmd); sig != syscall.SIGSYS {
		t.Errorf("child: %v, signal %v; want killed by SIGSYS", err, sig)
	}
}

// TestLoadWithoutNoNewPrivs: without no_new_privs the kernel wants
// CAP_SYS_ADMIN, which root has; without it Load says what is missing.
func TestLoadWithoutNoNewPrivs(t *testing.T) {
	requireHelper(t)
	p, err := Prepare(t.TempDir(), probeProfile())
	if err != nil {
		t.Fatal(err)
	}
	mkdir := map[string]string{"mkdirat(-100,N,0700)": "EPERM"}
	t.Run("CAP_SYS_ADMIN", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root: loading without no_new_privs takes CAP_SYS_ADMIN")
		}
		checkProbes(t, runInChild(t, childConfig{Program: p, NoNNP: true, Probes: []string{"mkdirat(-100,N,0700)"}}), mkdir)
	})
	t.Run("neither", func(t *testing.T) {
		res := runInChild(t, childConfig{Program: p, NoNNP: true, DropCap: os.Geteuid() == 0})
		if !strings.Contains(res.LoadErr, "permission denied") || !strings.Contains(res.LoadErr, "no_new_privs or CAP_SYS_ADMIN") {
			t.Errorf("load without no_new_privs and CAP_SYS_ADMIN: %q", res.LoadErr)
		}
	})
}

// countingHelper puts a wrapper around the helper that counts its runs.
func countingHelper(t *testing.T) (path string, runs func() int) {
	t.Helper()
	requireHelper(t)
	dir := t.TempDir()
	counter := filepath.Join(dir, "runs")
	path = filepath.Join(dir, HelperName)
	script := fmt.Sprintf("#!/bin/sh\necho >> '%s'\nexec '%s' \"$@\"\n", counter, helperPath)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvHelper, path)
	return path, func() int {
		b, _ := os.ReadFile(counter)
		return strings.Count(string(b), "\n")
	}
}

func TestPrepareCaches(t *testing.T) {
	helper, runs := countingHelper(t)
	root := t.TempDir()
	prof := probeProfile()
	first, err := Prepare(root, prof)
	if err != nil || runs() != 1 {
		t.Fatalf("first Prepare: %v, %d helper runs", err, runs())
	}
	files, _ := filepath.Glob(filepath.Join(root, cacheDirName, "*.filter"))
	if len(files) != 1 {
		t.Fatalf("cache files %q, want one", files)
	}

	// Flags and the listener are not part of the BPF: still a hit.
	withFlags := *prof
	withFlags.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}
	second, err := Prepare(root, &withFlags)
	if err != nil || runs() != 1 {
		t.Fatalf("second Prepare: %v, %d helper runs, want the cache", err, runs())
	}
	if string(second.Filter) != string(first.Filter) || second.Flags != unix.SECCOMP_FILTER_FLAG_LOG {
		t.Errorf("cached program %x flags 0x%x, want %x flags LOG", second.Filter, second.Flags, first.Filter)
	}

	// A damaged file is compiled again, and repaired.
	if err := os.Truncate(files[0], 45); err != nil {
		t.Fatal(err)
	}
	if third, err := Prepare(root, prof); err != nil || runs() != 2 || string(third.Filter) != string(first.Filter) {
		t.Fatalf("after damage: %v, %d helper runs", err, runs())
	}
	if p, err := Prepare(root, prof); err != nil || runs() != 2 || string(p.Filter) != string(first.Filter) {
		t.Fatalf("after repair: %v, %d helper runs, want a hit", err, runs())
	}

	// A new helper binary may compile differently: a miss.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(helper, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := Prepare(root, prof); err != nil || runs() != 3 {
		t.Fatalf("after the helper changed: %v, %d helper runs, want a compile", err, runs())
	}
	other := allowExcept(call(specs.ActErrno, "rmdir"))
	if _, err := Prepare(root, other); err != nil || runs() != 4 {
		t.Fatalf("another profile: %v, %d helper runs", err, runs())
	}
}

func TestPrepareHelperErrors(t *testing.T) {
	requireHelper(t)
	if out, err := exec.Command(helperPath, "--version").Output(); err == nil && strings.Contains(string(out), "libseccomp 2.5.") {
		loong := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86, specs.ArchLOONGARCH64}}
		_, err := Prepare(t.TempDir(), loong)
		if err == nil || !strings.Contains(err.Error(), "linux.seccomp.architectures[1]: libseccomp 2.5") {
			t.Errorf("an arch libseccomp 2.5 lacks: %v", err)
		}
	}

	t.Setenv(EnvHelper, filepath.Join(t.TempDir(), "none"))
	if _, err := Prepare(t.TempDir(), probeProfile()); err == nil || !strings.Contains(err.Error(), "$"+EnvHelper) {
		t.Errorf("missing helper: %v", err)
	}

	liar := filepath.Join(t.TempDir(), "liar")
	if err := os.WriteFile(liar, []byte("#!/bin/sh\nprintf 'not bpf'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvHelper, liar)
	root := t.TempDir()
	if _, err := Prepare(root, probeProfile()); err == nil || !strings.Contains(err.Error(), "unusable filter") {
		t.Errorf("helper writing garbage: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(root, cacheDirName, "*")); len(files) != 0 {
		t.Errorf("garbage was cached: %q", files)
	}
}
