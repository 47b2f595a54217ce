package seccomp

import (
	"encoding/json"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// containersProfile is podman's default profile (containers-common), the
// same rules as Docker's.
const containersProfile = "/usr/share/containers/seccomp.json"

// podmanCaps is podman's default capability set.
var podmanCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"}

// containersFile is the containers-common format: an OCI profile whose
// entries carry the capabilities and architectures they apply to, and a map
// from the native architecture to the ones it also runs.
type containersFile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch      specs.Arch   `json:"architecture"`
		SubArches []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		specs.LinuxSyscall
		Includes condition `json:"includes"`
		Excludes condition `json:"excludes"`
	} `json:"syscalls"`
}

type condition struct {
	Caps   []string `json:"caps"`
	Arches []string `json:"arches"`
}

// loadContainersProfile resolves the default profile for this architecture
// and podman's default capabilities, as podman does before it writes
// config.json. It skips the test when the file or the architecture is not
// there.
func loadContainersProfile(t testing.TB) *specs.LinuxSeccomp {
	t.Helper()
	data, err := os.ReadFile(containersProfile)
	if err != nil {
		t.Skipf("podman's default profile: %v (containers-common, installed with podman)", err)
	}
	var f containersFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	native := map[string]specs.Arch{"amd64": specs.ArchX86_64, "arm64": specs.ArchAARCH64}[runtime.GOARCH]
	if native == "" {
		t.Skipf("no native architecture mapping for %s", runtime.GOARCH)
	}
	s := &specs.LinuxSeccomp{DefaultAction: f.DefaultAction, DefaultErrnoRet: f.DefaultErrnoRet}
	for _, m := range f.ArchMap {
		if m.Arch == native {
			s.Architectures = append([]specs.Arch{m.Arch}, m.SubArches...)
		}
	}
	for _, sc := range f.Syscalls {
		if applies(sc.Includes, sc.Excludes) {
			s.Syscalls = append(s.Syscalls, sc.LinuxSyscall)
		}
	}
	return s
}

func applies(inc, exc condition) bool {
	for _, c := range inc.Caps {
		if !slices.Contains(podmanCaps, c) {
			return false
		}
	}
	if len(inc.Arches) > 0 && !slices.Contains(inc.Arches, runtime.GOARCH) {
		return false
	}
	for _, c := range exc.Caps {
		if slices.Contains(podmanCaps, c) {
			return false
		}
	}
	return !slices.Contains(exc.Arches, runtime.GOARCH)
}

// TestContainersDefaultProfile compiles and loads the profile most
// containers run with, and reports what compiling and a cache hit cost.
func TestContainersDefaultProfile(t *testing.T) {
	requireHelper(t)
	s := loadContainersProfile(t)
	if problems := Validate(s); problems != nil {
		t.Fatalf("podman's default profile refused: %v", problems)
	}
	root := t.TempDir()
	start := time.Now()
	p, err := Prepare(root, s)
	compile := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	hit, err := Prepare(root, s)
	cached := time.Since(start)
	if err != nil || string(hit.Filter) != string(p.Filter) {
		t.Fatalf("cache hit: %v", err)
	}
	t.Logf("podman's default profile: %d syscall entries, %d instructions; first Prepare (helper) %v, cache hit %v",
		len(s.Syscalls), len(p.Filter)/insnSize, compile, cached)

	res := runInChild(t, childConfig{Program: p, Probes: []string{
		"mkdirat(-100,N,0700)", "add_key(0,0,0,0,0)", "io_pgetevents(0,0,0,0,0,0)"}})
	checkProbes(t, res, map[string]string{
		"mkdirat(-100,N,0700)":       "ok=0",   // allowed
		"add_key(0,0,0,0,0)":         "ENOSYS", // not listed: defaultErrnoRet 38
		"io_pgetevents(0,0,0,0,0,0)": "EPERM",  // listed with errnoRet 1
	})
}

// BenchmarkPrepareCacheHit is the cost `hull create` pays for a profile it
// has compiled before.
func BenchmarkPrepareCacheHit(b *testing.B) {
	requireHelper(b)
	s := loadContainersProfile(b)
	root := b.TempDir()
	if _, err := Prepare(root, s); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Prepare(root, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile is the cost of a miss: one run of the helper.
func BenchmarkCompile(b *testing.B) {
	requireHelper(b)
	profile, err := filterProfile(loadContainersProfile(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := runHelper(helperPath, profile); err != nil {
			b.Fatal(err)
		}
	}
}
