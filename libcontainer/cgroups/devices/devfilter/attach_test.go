package devfilter

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/hull-project/hull/libcontainer/cgroups/devices"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// testCgroup2Dir makes a fresh cgroup in the host's cgroup2 mount (the
// hybrid "unified" mount here, /sys/fs/cgroup on pure v2) and removes it
// after the test.
func testCgroup2Dir(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	mounts, err := cgutil.Mounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if m.V2 {
			dir := filepath.Join(m.Point, testutil.UniqueID("hull-devfilter"))
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := cgutil.RemoveDir(dir); err != nil {
					t.Errorf("cleanup: %v", err)
				}
			})
			return dir
		}
	}
	t.Skip("no cgroup2 mount on this host")
	return ""
}

// tryDevices runs a shell in dir that opens /dev/null and /dev/kmsg for
// reading and reports which worked.
func tryDevices(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(testutil.BusyboxPath, "sh", "-c",
		"read x; true < /dev/null && echo null-ok; true < /dev/kmsg && echo kmsg-ok; true")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := cgutil.WriteFile(dir, "cgroup.procs", strconv.Itoa(cmd.Process.Pid)); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(stdin, "go\n")
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("shell: %v\n%s", err, &out)
	}
	return out.String()
}

func TestApplyFiltersDevices(t *testing.T) {
	t.Parallel()
	dir := testCgroup2Dir(t)
	rules, err := devices.Policy([]specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(dir, rules); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if out := tryDevices(t, dir); !strings.Contains(out, "null-ok") || strings.Contains(out, "kmsg-ok") {
		t.Fatalf("default policy: want /dev/null allowed and /dev/kmsg denied, got:\n%s", out)
	}

	// Replacing the filter with one that allows kmsg must detach the old
	// one: with both attached the kernel would still deny.
	kmsg := append(rules, devices.Rule{Type: 'c', Major: 1, Minor: 11, Access: "r", Allow: true})
	if err := Apply(dir, kmsg); err != nil {
		t.Fatalf("Apply again: %v", err)
	}
	if out := tryDevices(t, dir); !strings.Contains(out, "kmsg-ok") {
		t.Fatalf("after allowing c 1:11 r, /dev/kmsg is still denied:\n%s", out)
	}
	cg, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cg)
	if ids, err := attachedIDs(cg); err != nil || len(ids) != 1 {
		t.Fatalf("attached programs = %v, %v; want exactly one", ids, err)
	}
}

// TestVerifierAccepts loads the programs for several policies into the
// kernel: its verifier rejects, for example, unreachable instructions.
func TestVerifierAccepts(t *testing.T) {
	testutil.RequireRoot(t)
	for name, spec := range map[string][]specs.LinuxDeviceCgroup{
		"defaults only": nil,
		"deny all":      {{Allow: false, Access: "rwm"}},
		"allow all":     {{Allow: true, Access: "rwm"}},
		"partial":       {{Allow: false, Type: "a", Access: "w"}, {Allow: true, Type: "b", Access: "r"}},
	} {
		rules, err := devices.Policy(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range [][]devices.Rule{rules, nil} {
			prog, err := program(rs)
			if err != nil {
				t.Fatal(err)
			}
			code, err := assemble(prog)
			if err != nil {
				t.Fatal(err)
			}
			fd, err := loadProgram(code)
			if err != nil {
				t.Errorf("%s (%d rules): %v", name, len(rs), err)
				continue
			}
			unix.Close(fd)
		}
	}
}

func TestLoadErrorCarriesVerifierLog(t *testing.T) {
	testutil.RequireRoot(t)
	code, err := assemble([]insn{mov32(r0, 1)}) // no exit: the verifier refuses
	if err != nil {
		t.Fatal(err)
	}
	_, err = loadProgram(code)
	if err == nil || !strings.Contains(err.Error(), "load device filter") || len(err.Error()) < len("load device filter: invalid argument: x") {
		t.Fatalf("loadProgram = %v, want the verifier's complaint", err)
	}
}
