package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// live is a started container whose init runs a shell script.
type live struct {
	id     string
	pid    int
	bundle string
	paths  map[string]string // its cgroup dirs, from state.json
}

// startScript creates and starts a container running script under sh. Its
// cleanup force-deletes the container and checks that each cgroup dir
// hull recorded for it is gone.
func (e *env) startScript(script string, mutate func(s *specs.Spec)) *live {
	e.t.Helper()
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", script}
		if mutate != nil {
			mutate(s)
		}
	})
	id := e.id()
	must(e.t, e.hull("create", "--bundle", b, id), "create")
	l := &live{id: id, bundle: b, paths: cgroupPaths(e.t, e.root, id)}
	e.t.Cleanup(func() {
		e.hull("delete", "--force", id)
		for name, dir := range l.paths {
			if _, err := os.Stat(dir); err == nil {
				e.t.Errorf("cgroup %q dir %s of %s left behind", name, dir, id)
			}
		}
	})
	must(e.t, e.hull("start", id), "start")
	l.pid = e.state(id).Pid
	return l
}

// inside is the host path of a file in the container's mount namespace.
func (l *live) inside(path string) string {
	return fmt.Sprintf("/proc/%d/root%s", l.pid, path)
}

// waitFile waits until path holds a line ending in a newline (the writer
// has finished it) and returns it without the newline.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSuffix(string(b), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never got a complete line (%q, %v)", path, b, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cgroupPaths reads the cgroup dirs hull saved for container id.
func cgroupPaths(t *testing.T, root, id string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Paths map[string]string `json:"cgroup_paths"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state.json of %s: %v", id, err)
	}
	if len(st.Paths) == 0 {
		t.Fatalf("state.json of %s records no cgroup", id)
	}
	return st.Paths
}

// storedResources reads the resources hull keeps in container id's state.
func storedResources(t *testing.T, root, id string) *specs.LinuxResources {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources *specs.LinuxResources `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.Resources == nil {
		t.Fatalf("state of %s has no resources", id)
	}
	return st.Resources
}

// cgFile reads a cgroup file of the container: key is the v1 subsystem,
// or "" for the cgroup2 dir.
func (l *live) cgFile(t *testing.T, key, file string) string {
	t.Helper()
	dir, ok := l.paths[key]
	if !ok {
		t.Fatalf("container %s has no %q cgroup (paths %v)", l.id, key, l.paths)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// pureV2 tells whether the container's cgroup is a single cgroup2 dir.
func (l *live) pureV2() bool {
	_, ok := l.paths[""]
	return ok && len(l.paths) == 1
}

func i64p(v int64) *int64   { return &v }
func u64p(v uint64) *uint64 { return &v }
func wantEq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestCgroupsCPUReadBackAndUpdate(t *testing.T) {
	e := newEnv(t)
	l := e.startScript("grep Cpus_allowed_list /proc/self/status >/dev/shm/cpus; exec sleep 1000", func(s *specs.Spec) {
		s.Linux.Resources.CPU = &specs.LinuxCPU{
			Quota: i64p(50000), Period: u64p(100000), Shares: u64p(512), Cpus: "0", Mems: "0",
		}
	})
	// The effect inside: the container's processes may only run on CPU 0.
	wantEq(t, "Cpus_allowed_list inside", strings.Join(strings.Fields(waitFile(t, l.inside("/dev/shm/cpus"))), " "), "Cpus_allowed_list: 0")
	if l.pureV2() {
		wantEq(t, "cpu.max", l.cgFile(t, "", "cpu.max"), "50000 100000")
		wantEq(t, "cpu.weight", l.cgFile(t, "", "cpu.weight"), "20") // runc's shares→weight
		wantEq(t, "cpuset.cpus", l.cgFile(t, "", "cpuset.cpus"), "0")
	} else {
		wantEq(t, "cpu.cfs_quota_us", l.cgFile(t, "cpu", "cpu.cfs_quota_us"), "50000")
		wantEq(t, "cpu.cfs_period_us", l.cgFile(t, "cpu", "cpu.cfs_period_us"), "100000")
		wantEq(t, "cpu.shares", l.cgFile(t, "cpu", "cpu.shares"), "512")
		wantEq(t, "cpuset.cpus", l.cgFile(t, "cpuset", "cpuset.cpus"), "0")
		wantEq(t, "cpuset.mems", l.cgFile(t, "cpuset", "cpuset.mems"), "0")
	}

	// Only the quota changes: the period stays as it was (runc's merge).
	must(t, e.hull("update", "--cpu-quota", "20000", "--cpu-share", "256", "--cpuset-cpus", "0-1", l.id), "update")
	if l.pureV2() {
		wantEq(t, "cpu.max after update", l.cgFile(t, "", "cpu.max"), "20000 100000")
	} else {
		wantEq(t, "cpu.cfs_quota_us after update", l.cgFile(t, "cpu", "cpu.cfs_quota_us"), "20000")
		wantEq(t, "cpu.cfs_period_us after update", l.cgFile(t, "cpu", "cpu.cfs_period_us"), "100000")
		wantEq(t, "cpu.shares after update", l.cgFile(t, "cpu", "cpu.shares"), "256")
	}
	cpusetKey := "cpuset"
	if l.pureV2() {
		cpusetKey = ""
	}
	wantEq(t, "cpuset.cpus after update", l.cgFile(t, cpusetKey, "cpuset.cpus"), "0-1")
	allowed, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", l.pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(allowed), "Cpus_allowed_list:\t0-1\n") {
		t.Errorf("init's affinity did not follow the new cpuset:\n%s", allowed)
	}
	r := storedResources(t, e.root, l.id).CPU
	if r == nil || r.Quota == nil || *r.Quota != 20000 || r.Period == nil || *r.Period != 100000 ||
		r.Shares == nil || *r.Shares != 256 || r.Cpus != "0-1" || r.Mems != "0" {
		t.Errorf("state keeps cpu %+v, want quota 20000 period 100000 shares 256 cpus 0-1 mems 0", r)
	}
}

// forkBomb starts background sleeps from a subshell until fork fails and
// records how many it got and the shell's error, using only builtins so
// the recording itself needs no fork.
const forkBomb = `(i=0; while [ $i -lt 100 ]; do sleep 1000 & i=$((i+1)); echo $i >/dev/shm/n; done) 2>/dev/shm/err
echo rc=$? >/dev/shm/rc`

func TestCgroupsPidsLimitStopsForkBomb(t *testing.T) {
	e := newEnv(t)
	const limit = 8
	out := e.sh(forkBomb+`; read n </dev/shm/n; read err </dev/shm/err; cat /dev/shm/rc; echo "n=$n"; echo "err=$err"`, func(s *specs.Spec) {
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: i64p(limit)}
	})
	checkForkBomb(t, out, limit)
}

// checkForkBomb checks the bomb's report: the subshell failed to fork, and
// the sleeps it got plus the two shells are exactly the limit.
func checkForkBomb(t *testing.T, out string, limit int) {
	t.Helper()
	if !strings.Contains(out, "rc=") || strings.Contains(out, "rc=0\n") {
		t.Errorf("the fork bomb did not fail:\n%s", out)
	}
	if want := fmt.Sprintf("n=%d\n", limit-2); !strings.Contains(out, want) {
		t.Errorf("want %s sleeps (pids limit %d minus the two shells):\n%s", strings.TrimSpace(want), limit, out)
	}
	if !strings.Contains(out, "fork") || !strings.Contains(out, "Resource temporarily unavailable") {
		t.Errorf("want sh's fork error (EAGAIN):\n%s", out)
	}
}

func TestCgroupsUpdateLowersLiveLimits(t *testing.T) {
	e := newEnv(t)
	l := e.startScript(`while [ ! -e /go ]; do sleep 0.01; done
`+forkBomb+`; read n </dev/shm/n; read err </dev/shm/err; read rc </dev/shm/rc
printf '%s\nn=%s\nerr=%s\n' "$rc" "$n" "$err" >/dev/shm/report
exec sleep 1000`, func(s *specs.Spec) {
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: i64p(50)}
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: i64p(256 << 20)}
	})
	const limit = 5
	must(t, e.hull("update", "--pids-limit", strconv.Itoa(limit), "--memory", "48m", l.id), "update")
	if l.pureV2() {
		wantEq(t, "pids.max", l.cgFile(t, "", "pids.max"), strconv.Itoa(limit))
		wantEq(t, "memory.max", l.cgFile(t, "", "memory.max"), strconv.Itoa(48<<20))
	} else {
		wantEq(t, "pids.max", l.cgFile(t, "pids", "pids.max"), strconv.Itoa(limit))
		wantEq(t, "memory.limit_in_bytes", l.cgFile(t, "memory", "memory.limit_in_bytes"), strconv.Itoa(48<<20))
	}
	res := storedResources(t, e.root, l.id)
	if res.Pids == nil || *res.Pids.Limit != limit || res.Memory == nil || *res.Memory.Limit != 48<<20 {
		t.Errorf("state keeps pids %+v memory %+v", res.Pids, res.Memory)
	}
	// The new limit holds: the bomb started now stops at 5 processes.
	if err := os.WriteFile(filepath.Join(l.bundle, "rootfs", "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	checkForkBomb(t, waitFile(t, l.inside("/dev/shm/report"))+"\n", limit)
}

func TestCgroupsDeviceNotOnAllowList(t *testing.T) {
	e := newEnv(t)
	// /dev/kmsg (c 1:11) is not on runc's default allow list; root may
	// open it for writing when the cgroup lets it.
	kmsg := func(allow bool) func(s *specs.Spec) {
		return func(s *specs.Spec) {
			mode := os.FileMode(0o600)
			s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: "/dev/kmsg", Type: "c", Major: 1, Minor: 11, FileMode: &mode})
			if allow {
				s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
					specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64p(1), Minor: i64p(11), Access: "w"})
			}
		}
	}
	script := `echo "<7>hull devices test" >/dev/kmsg && echo opened`
	denied := e.run([]string{"sh", "-c", script}, kmsg(false))
	if denied.code == 0 || !strings.Contains(denied.stderr, "Operation not permitted") {
		t.Errorf("denied device: exit %d, stdout %q, stderr %q; want EPERM", denied.code, denied.stdout, denied.stderr)
	}
	// The control: the same node with an allow rule opens, so the denial
	// above came from the device cgroup.
	if out := e.sh(script, kmsg(true)); !strings.Contains(out, "opened") {
		t.Errorf("allowed device: %q", out)
	}
	// A deny rule for a device on the default list does not win over it,
	// as with runc (the defaults come after the spec's rules).
	if out := e.sh("head -c1 /dev/zero | od -An -c", func(s *specs.Spec) {
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
			specs.LinuxDeviceCgroup{Allow: false, Type: "c", Major: i64p(1), Minor: i64p(5), Access: "rwm"})
	}); !strings.Contains(out, `\0`) {
		t.Errorf("/dev/zero: %q", out)
	}
}

func TestCgroupsUpdateRefusals(t *testing.T) {
	e := newEnv(t)
	l := e.startScript("exec sleep 1000", nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--memory", "12q"}, "--memory"},
		{[]string{"--cpu-quota", "x"}, "--cpu-quota"},
		{[]string{"--blkio-weight", "5"}, "--blkio-weight"},
		{[]string{"--l3-cache-schema", "L3:0=f"}, "l3-cache-schema"},
		{[]string{"--resources", "/nonexistent.json"}, "--resources"},
	} {
		r := e.hull(append(append([]string{"update"}, tc.args...), l.id)...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("update %v: exit %d, stderr %q; want an error naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
	r := e.hullIn([]byte(`{"memory": {"limit": 10`), "update", "-r", "-", l.id)
	if r.code == 0 || !strings.Contains(r.stderr, "JSON") {
		t.Errorf("update with truncated JSON: exit %d, stderr %q", r.code, r.stderr)
	}
	// --resources from stdin works, and the kernel memory flag is ignored
	// with a warning, as runc does.
	must(t, e.hullIn([]byte(`{"pids": {"limit": 33}}`), "update", "-r", "-", l.id), "update -r -")
	w := must(t, e.hull("update", "--kernel-memory", "10m", l.id), "update --kernel-memory")
	if !strings.Contains(w.stderr, "ignored") {
		t.Errorf("update --kernel-memory: no warning in %q", w.stderr)
	}
	if res := storedResources(t, e.root, l.id); res.Pids == nil || *res.Pids.Limit != 33 {
		t.Errorf("state keeps pids %+v memory %+v", res.Pids, res.Memory)
	}
	must(t, e.hull("kill", l.id, "KILL"), "kill")
	e.waitStatus(l.id, "stopped")
	if r := e.hull("update", "--pids-limit", "10", l.id); r.code == 0 || !strings.Contains(r.stderr, "container not running") {
		t.Errorf("update of a stopped container: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCgroupsFailedCreateLeavesNoCgroup(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "1000"}
		s.Linux.Resources.CPU = &specs.LinuxCPU{Cpus: "1023"} // no such CPU
	})
	id := e.id()
	r := e.hull("create", "--bundle", b, id)
	if r.code == 0 {
		t.Fatalf("create with cpuset 1023 succeeded")
	}
	if !strings.Contains(r.stderr, "cpus") {
		t.Errorf("create error %q does not name the cpuset field", r.stderr)
	}
	if dirs := cgroupDirsNamed(id); len(dirs) > 0 {
		t.Errorf("failed create left cgroups %v", dirs)
	}
}

func TestPs(t *testing.T) {
	e := newEnv(t)
	l := e.startScript("sleep 1000 & sleep 1001 & echo ready >/dev/shm/ready; wait", nil)
	waitFile(t, l.inside("/dev/shm/ready"))
	var pids []int
	r := must(t, e.hull("ps", "--format", "json", l.id), "ps --format json")
	if err := json.Unmarshal([]byte(r.stdout), &pids); err != nil {
		t.Fatalf("ps json %q: %v", r.stdout, err)
	}
	if len(pids) != 3 || !slices.Contains(pids, l.pid) {
		t.Fatalf("ps json = %v, want init %d and its two sleeps", pids, l.pid)
	}
	tab := must(t, e.hull("ps", l.id, "-o", "pid,args"), "ps -o pid,args")
	lines := strings.Split(strings.TrimSpace(tab.stdout), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "PID") {
		t.Fatalf("ps table:\n%s\nwant a header and 3 lines", tab.stdout)
	}
	for _, p := range pids {
		if !strings.Contains(tab.stdout, strconv.Itoa(p)+" ") {
			t.Errorf("ps table misses pid %d:\n%s", p, tab.stdout)
		}
	}
	if !strings.Contains(tab.stdout, "sleep 1001") {
		t.Errorf("ps table lacks the args column:\n%s", tab.stdout)
	}
	if r := e.hull("ps", "--format", "yaml", l.id); r.code == 0 {
		t.Errorf("ps --format yaml succeeded")
	}
}
