package cgroups_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
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
	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// newTestManager makes a manager for a unique absolute cgroup and registers
// a cleanup that kills whatever runs in it, removes it on every hierarchy
// and fails the test if any directory is left behind.
func newTestManager(t *testing.T) cgroups.Manager {
	t.Helper()
	testutil.RequireRoot(t)
	id := testutil.UniqueID("hull-cgtest")
	return newManagerAt(t, "/"+id, id)
}

func newManagerAt(t *testing.T, path, id string) cgroups.Manager {
	t.Helper()
	m, err := cgroups.New(path, id, false)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if pids, err := m.GetPids(); err == nil {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = m.Thaw() // a frozen task cannot act on SIGKILL
		if err := m.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
		for name, dir := range m.Paths() {
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("cgroup %q left behind: %s (%v)", name, dir, err)
			}
		}
	})
	return m
}

// startInCgroup starts cmd, stopped on its stdin until released, moves it
// into m and returns it with the function that lets it continue.
func startInCgroup(t *testing.T, m cgroups.Manager, script string) (*exec.Cmd, func(), *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(testutil.BusyboxPath, "sh", "-c", "read x; "+script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatalf("Apply(%d): %v", cmd.Process.Pid, err)
	}
	release := func() {
		_, _ = io.WriteString(stdin, "go\n")
		_ = stdin.Close()
	}
	return cmd, release, &out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func procState(t *testing.T, pid int) string {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "State:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no State in /proc/%d/status", pid)
	return ""
}

func TestManagerLifecycle(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := m.Create(); err != nil {
		t.Fatalf("second Create must be a no-op: %v", err)
	}
	if !m.Exists() {
		t.Fatal("Exists is false after Create")
	}
	// The shell appends to a file as fast as it can, so progress shows.
	progress := filepath.Join(t.TempDir(), "progress")
	cmd, release, _ := startInCgroup(t, m, "while :; do echo x >> "+progress+"; done")
	pid := cmd.Process.Pid
	release()

	// The process is in the cgroup on every hierarchy, as the kernel sees it.
	own := readFile(t, "/proc/"+strconv.Itoa(pid)+"/cgroup")
	for name, dir := range m.Paths() {
		if !strings.Contains(own, ":"+cgPathOf(t, dir)+"\n") && !strings.HasSuffix(own, ":"+cgPathOf(t, dir)) {
			t.Errorf("pid %d not in %q cgroup %s:\n%s", pid, name, dir, own)
		}
	}
	pids, err := m.GetPids()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pids, pid) {
		t.Errorf("GetPids = %v, missing %d", pids, pid)
	}

	limit, quota, period, shares, maxPids := int64(64<<20), int64(20000), uint64(100000), uint64(512), int64(16)
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit},
		CPU:    &specs.LinuxCPU{Quota: &quota, Period: &period, Shares: &shares, Cpus: "0"},
		Pids:   &specs.LinuxPids{Limit: &maxPids},
	}
	if err := m.Set(r); err != nil {
		t.Fatalf("Set: %v", err)
	}
	checkLimits(t, m)

	st, err := m.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.Pids.Current < 1 || st.Pids.Limit != 16 {
		t.Errorf("Stats.Pids = %+v, want current >= 1, limit 16", st.Pids)
	}
	if st.Memory.Usage.Limit != uint64(limit) {
		t.Errorf("Stats.Memory.Usage.Limit = %d, want %d", st.Memory.Usage.Limit, limit)
	}

	waitGrowth(t, progress, 0)
	waitCPUUsage(t, m)
	if err := m.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	// The v1 freezer shows frozen tasks as D (since Linux 6.1) or T; v2
	// shows them sleeping. Either way a frozen task makes no progress.
	if s := procState(t, pid); cgroups.DetectMode() != cgroups.Unified && !strings.HasPrefix(s, "D") && !strings.HasPrefix(s, "T") {
		t.Errorf("frozen process state = %q, want D or T", s)
	}
	frozenAt := fileSize(t, progress)
	time.Sleep(200 * time.Millisecond)
	if now := fileSize(t, progress); now != frozenAt {
		t.Errorf("frozen process kept writing: %d -> %d bytes", frozenAt, now)
	}
	if err := m.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	waitGrowth(t, progress, frozenAt)

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if m.Exists() {
		t.Fatal("Exists is true after Destroy")
	}
}

func fileSize(t *testing.T, path string) int64 {
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
		if fileSize(t, path) > from {
			return
		}
	}
	t.Fatalf("%s did not grow past %d bytes: the process is not running", path, from)
}

// waitCPUUsage waits until Stats reports cpu time for the running shell
// (the kernel charges it at scheduling events, not instantly).
func waitCPUUsage(t *testing.T, m cgroups.Manager) {
	t.Helper()
	var last cgroups.Stats
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st, err := m.Stats()
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.CPU.Usage.Total > 0 {
			return
		}
		last = *st
	}
	t.Errorf("Stats never reported cpu time for a busy process: %+v", last.CPU.Usage)
}

// cgPathOf returns the cgroup path (as in /proc/<pid>/cgroup) of a cgroup
// directory: the part below its hierarchy's mount point.
func cgPathOf(t *testing.T, dir string) string {
	t.Helper()
	for _, root := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if rel, ok := strings.CutPrefix(dir, root+"/"); ok {
			if root == "/sys/fs/cgroup" && cgroups.DetectMode() != cgroups.Unified {
				_, rel, _ = strings.Cut(rel, "/") // drop the hierarchy's own dir
			}
			return "/" + rel
		}
	}
	t.Fatalf("%s is not under /sys/fs/cgroup", dir)
	return ""
}

// checkLimits reads the limits back from the kernel's files.
func checkLimits(t *testing.T, m cgroups.Manager) {
	t.Helper()
	p := m.Paths()
	want := map[string]string{}
	if cgroups.DetectMode() == cgroups.Unified {
		d := p[""]
		want[filepath.Join(d, "memory.max")] = "67108864"
		want[filepath.Join(d, "cpu.max")] = "20000 100000"
		want[filepath.Join(d, "pids.max")] = "16"
		want[filepath.Join(d, "cpuset.cpus")] = "0"
	} else {
		want[filepath.Join(p["memory"], "memory.limit_in_bytes")] = "67108864"
		want[filepath.Join(p["cpu"], "cpu.cfs_quota_us")] = "20000"
		want[filepath.Join(p["cpu"], "cpu.cfs_period_us")] = "100000"
		want[filepath.Join(p["cpu"], "cpu.shares")] = "512"
		want[filepath.Join(p["pids"], "pids.max")] = "16"
		want[filepath.Join(p["cpuset"], "cpuset.cpus")] = "0"
	}
	for file, v := range want {
		if got := readFile(t, file); got != v {
			t.Errorf("%s = %q, want %q", file, got, v)
		}
	}
}

// TestDevicesDefaultDeny checks the effect of the device cgroup: a fresh
// cgroup allows the default list (/dev/null) and refuses anything else
// (/dev/kmsg), before and after Set with the spec's rules.
func TestDevicesDefaultDeny(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	const script = `true < /dev/null && echo null-ok; true < /dev/kmsg && echo kmsg-ok; true`
	cmd, release, out := startInCgroup(t, m, script)
	release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "null-ok") || strings.Contains(out.String(), "kmsg-ok") {
		t.Fatalf("default devices: want /dev/null allowed and /dev/kmsg denied, got:\n%s", out)
	}

	// Allowing /dev/kmsg (c 1:11) through the spec makes it readable.
	major, minor := int64(1), int64(11)
	err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "r"},
	}})
	if err != nil {
		t.Fatalf("Set devices: %v", err)
	}
	cmd, release, out = startInCgroup(t, m, script)
	release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "kmsg-ok") {
		t.Fatalf("after allowing c 1:11 r, /dev/kmsg is still denied:\n%s", out)
	}
}

// TestDestroyNested removes cgroups the container made below its own, with
// a process that was killed just before (the EBUSY window).
func TestDestroyNested(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, dir := range m.Paths() {
		if err := os.MkdirAll(filepath.Join(dir, "child", "grandchild"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd, release, _ := startInCgroup(t, m, "exec sleep 100")
	release()
	pids, err := m.GetPids()
	if err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Fatalf("GetPids = %v, %v; want %d", pids, err, cmd.Process.Pid)
	}
	_ = cmd.Process.Kill()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if m.Exists() {
		t.Fatal("Exists is true after Destroy")
	}
}

// TestSetUnavailableNamesField: a limit the host cannot honour fails with
// the spec field in the message.
func TestSetUnavailableNamesField(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	err := m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1 << 20}}})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.hugepageLimits") {
		t.Fatalf("Set(hugepageLimits 3MB) = %v, want an error naming linux.resources.hugepageLimits", err)
	}
}

func TestLoadFromPaths(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	l, err := cgroups.Load(m.Paths())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !l.Exists() {
		t.Fatal("loaded manager does not see the cgroup")
	}
	if err := l.Destroy(); err != nil {
		t.Fatalf("Destroy through the loaded manager: %v", err)
	}
	if m.Exists() {
		t.Fatal("cgroup still there after Destroy through the loaded manager")
	}
}

// TestMemorySwapOrder raises and then lowers memory and memory+swap
// together: the kernel refuses memsw below the memory limit, so each
// direction only works if the two files are written in the right order.
func TestMemorySwapOrder(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	p := m.Paths()
	if cgroups.DetectMode() == cgroups.Unified {
		t.Skip("v2 has independent memory.max and memory.swap.max")
	}
	if _, err := os.Stat(filepath.Join(p["memory"], "memory.memsw.limit_in_bytes")); err != nil {
		t.Skip("swap accounting is not enabled on this host")
	}
	for _, c := range []struct{ mem, swap int64 }{
		{64 << 20, 128 << 20}, {256 << 20, 512 << 20}, {32 << 20, 64 << 20},
	} {
		mem, swap := c.mem, c.swap
		if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &mem, Swap: &swap}}); err != nil {
			t.Fatalf("Set(memory %d, swap %d): %v", mem, swap, err)
		}
		if got := readFile(t, filepath.Join(p["memory"], "memory.limit_in_bytes")); got != strconv.FormatInt(mem, 10) {
			t.Errorf("memory.limit_in_bytes = %s, want %d", got, mem)
		}
		if got := readFile(t, filepath.Join(p["memory"], "memory.memsw.limit_in_bytes")); got != strconv.FormatInt(swap, 10) {
			t.Errorf("memory.memsw.limit_in_bytes = %s, want %d", got, swap)
		}
	}
}

// TestCPUSharesClamp: the kernel silently clamps cpu.shares; Set must
// notice and name the field.
func TestCPUSharesClamp(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if cgroups.DetectMode() == cgroups.Unified {
		t.Skip("v2 converts shares to cpu.weight")
	}
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	shares := uint64(1)
	err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: &shares}})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.cpu.shares") {
		t.Fatalf("Set(shares 1) = %v, want an error naming linux.resources.cpu.shares", err)
	}
}

// TestOOMKillReported: a process that needs more than its memory limit is
// killed by the kernel and the notifier reports it.
func TestOOMKillReported(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	limit := int64(16 << 20)
	mem := &specs.LinuxMemory{Limit: &limit}
	if _, err := os.Stat(filepath.Join(m.Paths()["memory"], "memory.memsw.limit_in_bytes")); cgroups.DetectMode() != cgroups.Unified && err == nil {
		mem.Swap = &limit // memory+swap = memory: no way out through swap
	}
	if err := m.Set(&specs.LinuxResources{Memory: mem}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	ch, stop, err := cgroups.OOMNotifier(m)
	if err != nil {
		t.Fatalf("OOMNotifier: %v", err)
	}
	t.Cleanup(stop)

	// dd touches its whole 64 MiB buffer reading /dev/zero into it.
	cmd, release, out := startInCgroup(t, m, "exec dd if=/dev/zero of=/dev/null bs=64M count=1")
	release()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("dd over the memory limit: %v, want killed by SIGKILL\n%s", err, out)
	}
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatal("notifier closed without reporting the OOM kill")
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing check
		t.Fatal("no OOM event within 30s of the OOM kill")
	}
	stop()
	for range ch { // the channel must be closed after stop
	}
}

// TestPidsLimitStopsForkBomb: with pids.max 8, a shell that tries to start
// 20 sleepers gets fork failures and no more than 8 tasks ever exist.
func TestPidsLimitStopsForkBomb(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	limit := int64(8)
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	cmd, release, out := startInCgroup(t, m, "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 100 >/dev/null 2>&1 & done; true")
	release()
	_ = cmd.Wait() // the shell may exit non-zero after a failed fork
	pids, err := m.GetPids()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) == 0 || len(pids) > int(limit) {
		t.Errorf("%d processes in the cgroup after the fork bomb, want 1..%d", len(pids), limit)
	}
	if !strings.Contains(out.String(), "fork") {
		t.Errorf("no fork failure reported by the shell:\n%s", out)
	}
}

// TestV2Conversions checks, on a pure v2 host, the values the kernel ends
// up with for fields that v2 spells differently.
func TestV2Conversions(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if cgroups.DetectMode() != cgroups.Unified {
		t.Skip("needs a pure cgroup v2 host (make test-cgroupv2)")
	}
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	dir, _ := m.V2Dir()
	limit, shares := int64(64<<20), uint64(512)
	r := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &limit, Swap: &limit}, // memory+swap == memory: no swap
		CPU:     &specs.LinuxCPU{Shares: &shares},
		Unified: map[string]string{"memory.high": "33554432"},
	}
	if _, err := os.Stat(filepath.Join(dir, "hugetlb.2MB.max")); err == nil {
		r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
	}
	if err := m.Set(r); err != nil {
		t.Fatalf("Set: %v", err)
	}
	want := map[string]string{
		"memory.max":  "67108864",
		"cpu.weight":  "20", // 1 + (512-2)*9999/262142
		"memory.high": "33554432",
	}
	if _, err := os.Stat(filepath.Join(dir, "memory.swap.max")); err == nil {
		want["memory.swap.max"] = "0"
	}
	if r.HugepageLimits != nil {
		want["hugetlb.2MB.max"] = "4194304"
	}
	for f, v := range want {
		if got := readFile(t, filepath.Join(dir, f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
}

// TestNestedPathCreatesParents: a cgroupsPath several levels below the
// hierarchy roots works, with v1 cpuset parents populated on the way.
func TestNestedPathCreatesParents(t *testing.T) {
	t.Parallel()
	testutil.RequireRoot(t)
	id := testutil.UniqueID("hull-cgtest")
	top := "/" + id
	// Registered first, so it runs last: the runtime leaves parents behind
	// (as runc does), the test removes them.
	t.Cleanup(func() {
		for _, root := range hierarchyRoots(t) {
			if err := cgutil.RemoveDir(filepath.Join(root, top)); err != nil {
				t.Errorf("remove test parent: %v", err)
			}
		}
	})
	m := newManagerAt(t, top+"/a/b", id)
	cmd, release, _ := startInCgroup(t, m, "exec sleep 100")
	release()
	pids, err := m.GetPids()
	if err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Fatalf("GetPids = %v, %v; want %d", pids, err, cmd.Process.Pid)
	}
	if dir, ok := m.Paths()["cpuset"]; ok {
		if got := readFile(t, filepath.Join(filepath.Dir(dir), "cpuset.cpus")); got == "" {
			t.Errorf("intermediate cpuset %s has no cpus", filepath.Dir(dir))
		}
	}
}

// hierarchyRoots lists the mount points of every cgroup hierarchy.
func hierarchyRoots(t *testing.T) []string {
	t.Helper()
	mounts, err := cgutil.Mounts()
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, m := range mounts {
		roots = append(roots, m.Point)
	}
	return roots
}

// TestCPUBurstIdleRealtime applies the newer cpu fields and reads them back
// (v1: cpu.cfs_burst_us, cpu.idle, cpu.rt_*; v2: cpu.max.burst, cpu.idle,
// and a clear error for realtime, which v2 lacks).
func TestCPUBurstIdleRealtime(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	quota, period, burst, idle := int64(20000), uint64(100000), uint64(10000), int64(1)
	r := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: &quota, Period: &period, Burst: &burst, Idle: &idle}}
	if err := m.Set(r); err != nil {
		t.Fatalf("Set: %v", err)
	}
	p := m.Paths()
	want := map[string]string{}
	if cgroups.DetectMode() == cgroups.Unified {
		want[filepath.Join(p[""], "cpu.max.burst")] = "10000"
		want[filepath.Join(p[""], "cpu.idle")] = "1"
	} else {
		want[filepath.Join(p["cpu"], "cpu.cfs_burst_us")] = "10000"
		want[filepath.Join(p["cpu"], "cpu.idle")] = "1"
	}
	for f, v := range want {
		if _, err := os.Stat(f); err != nil {
			t.Logf("%s: not on this kernel", f)
			continue
		}
		if got := readFile(t, f); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}

	rtPeriod, rtRuntime := uint64(100000), int64(5000)
	err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimePeriod: &rtPeriod, RealtimeRuntime: &rtRuntime}})
	_, rtErr := os.Stat(filepath.Join(p["cpu"], "cpu.rt_runtime_us"))
	switch {
	case cgroups.DetectMode() == cgroups.Unified || rtErr != nil:
		if err == nil || !strings.Contains(err.Error(), "linux.resources.cpu.realtime") {
			t.Errorf("Set(realtime) without rt group scheduling = %v, want an error naming the field", err)
		}
	case err != nil:
		t.Errorf("Set(realtime): %v", err)
	default:
		if got := readFile(t, filepath.Join(p["cpu"], "cpu.rt_runtime_us")); got != "5000" {
			t.Errorf("cpu.rt_runtime_us = %q, want 5000", got)
		}
	}
}

// TestBlockIO sets a weight and a read throttle on the host's first disk
// and reads both back from the kernel.
func TestBlockIO(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	major, minor, ok := firstDisk(t)
	if !ok {
		t.Skip("no disk on this host")
	}
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	weight := uint16(300)
	dev := specs.LinuxBlockIODevice{Major: major, Minor: minor}
	err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
		Weight:                &weight,
		ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1 << 20}},
	}})
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	p := m.Paths()
	devStr := fmt.Sprintf("%d:%d", major, minor)
	var files map[string]string
	if cgroups.DetectMode() == cgroups.Unified {
		files = map[string]string{"io.max": devStr + " rbps=1048576"}
		for _, f := range []string{"io.bfq.weight", "io.weight"} {
			if _, err := os.Stat(filepath.Join(p[""], f)); err == nil {
				files[f] = "default"
				break
			}
		}
	} else {
		files = map[string]string{"blkio.throttle.read_bps_device": devStr + " 1048576"}
		for _, f := range []string{"blkio.weight", "blkio.bfq.weight"} {
			if _, err := os.Stat(filepath.Join(p["blkio"], f)); err == nil {
				files[f] = "300"
				break
			}
		}
	}
	dir := p["blkio"]
	if dir == "" {
		dir = p[""]
	}
	for f, sub := range files {
		if got := readFile(t, filepath.Join(dir, f)); !strings.Contains(got, sub) {
			t.Errorf("%s = %q, want it to contain %q", f, got, sub)
		}
	}
}

// firstDisk returns the device numbers of a whole disk (throttling refuses
// partitions), skipping loop and ram devices.
func firstDisk(t *testing.T) (int64, int64, bool) {
	t.Helper()
	entries, _ := os.ReadDir("/sys/block")
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "loop") || strings.HasPrefix(n, "ram") || strings.HasPrefix(n, "zram") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/sys/block", n, "dev"))
		if err != nil {
			continue
		}
		var major, minor int64
		if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d:%d", &major, &minor); err == nil {
			return major, minor, true
		}
	}
	return 0, 0, false
}

// TestOOMNotifierEnds: `events` must end with the container, so the
// notifier's channel closes once the container's process is gone and its
// cgroup destroyed (v2 sees the cgroup empty, v1 sees it removed).
func TestOOMNotifierEnds(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	ch, stop, err := cgroups.OOMNotifier(m)
	if err != nil {
		t.Fatalf("OOMNotifier: %v", err)
	}
	t.Cleanup(stop)
	cmd, release, _ := startInCgroup(t, m, "exit 0")
	release()
	_ = cmd.Wait()
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("an OOM event was reported for a process that exited normally")
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing check
		t.Fatal("the notifier channel is still open 30s after the container ended")
	}
}

// TestOOMNotifierEndsOnDestroyOfEmptyCgroup: no process ever ran, so only
// the removal can end the notifier.
func TestOOMNotifierEndsOnDestroyOfEmptyCgroup(t *testing.T) {
	t.Parallel()
	m := newTestManager(t)
	if err := m.Create(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	ch, stop, err := cgroups.OOMNotifier(m)
	if err != nil {
		t.Fatalf("OOMNotifier: %v", err)
	}
	t.Cleanup(stop)
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("an OOM event was reported for an empty cgroup")
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing check
		t.Fatal("the notifier channel is still open 30s after Destroy")
	}
}
