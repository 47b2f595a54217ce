package fs2

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// newRealManager makes a manager for a unique cgroup in the host's cgroup2
// mount (the hybrid unified mount on a v1 host, where only the core files
// and few controllers exist) and removes it, and any subtree_control
// change made in the mount's root, after the test.
func newRealManager(t *testing.T) *Manager {
	t.Helper()
	testutil.RequireRoot(t)
	m, err := New("/"+testutil.UniqueID("hull-fs2test"), false)
	if err != nil {
		t.Skipf("no cgroup2 mount: %v", err)
	}
	before, _ := cgutil.ReadFile(m.root, "cgroup.subtree_control")
	t.Cleanup(func() {
		if pids, err := m.GetPids(); err == nil {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = m.Thaw()
		if err := m.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
		if _, err := os.Stat(m.dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cgroup %s left behind", m.dir)
		}
		after, _ := cgutil.ReadFile(m.root, "cgroup.subtree_control")
		for _, c := range strings.Fields(after) {
			if !slices.Contains(strings.Fields(before), c) {
				_ = cgutil.WriteFile(m.root, "cgroup.subtree_control", "-"+c)
			}
		}
	})
	return m
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// waitGrowth waits until the file is bigger than from: the process runs.
func waitGrowth(t *testing.T, path string, from int64) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if size(t, path) > from {
			return
		}
	}
	t.Fatalf("%s did not grow past %d bytes: the process is not running", path, from)
}

func TestRealLifecycle(t *testing.T) {
	m := newRealManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	// The shell appends to a file as fast as it can: progress is visible.
	progress := filepath.Join(t.TempDir(), "progress")
	cmd := exec.Command(testutil.BusyboxPath, "sh", "-c", "read x; while :; do echo x >> "+progress+"; done")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	_, _ = io.WriteString(stdin, "go\n")
	stdin.Close()

	cg, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(m.root, m.dir)
	if !strings.Contains(string(cg), "0::/"+rel+"\n") {
		t.Errorf("pid %d not in %s:\n%s", pid, m.dir, cg)
	}
	pids, err := m.GetPids()
	if err != nil || !slices.Contains(pids, pid) {
		t.Fatalf("GetPids = %v, %v; want %d", pids, err, pid)
	}

	waitGrowth(t, progress, 0)
	if err := m.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	// A v2-frozen task shows as sleeping in /proc; what proves the freeze
	// is that it makes no progress.
	frozenAt := size(t, progress)
	time.Sleep(200 * time.Millisecond)
	if now := size(t, progress); now != frozenAt {
		t.Fatalf("frozen process kept writing: %d -> %d bytes", frozenAt, now)
	}
	if err := m.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	waitGrowth(t, progress, frozenAt)

	// A controller the mount does not offer fails naming the field.
	if !cgutil.Exists(m.dir, "pids.max") {
		limit := int64(5)
		err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}})
		if err == nil || !strings.Contains(err.Error(), "linux.resources.pids.limit") {
			t.Errorf("Set(pids) without the pids controller = %v", err)
		}
	}

	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if m.Exists() {
		t.Fatal("Exists after Destroy")
	}
}
