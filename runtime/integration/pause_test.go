package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// counter is a script whose loop writes a growing number to /dev/shm/c.
const counter = `i=0; while :; do i=$((i+1)); echo $i >/dev/shm/c; sleep 0.005; done`

// pids lists the container's processes with `hull ps --format json`.
func (e *env) pids(id string) []int {
	e.t.Helper()
	r := must(e.t, e.hull("ps", "--format", "json", id), "ps")
	var pids []int
	if err := json.Unmarshal([]byte(r.stdout), &pids); err != nil {
		e.t.Fatalf("ps output %q: %v", r.stdout, err)
	}
	return pids
}

// procState is the State line of /proc/PID/status ("D (disk sleep)").
func procState(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "State:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no State in /proc/%d/status", pid)
	return ""
}

func TestPauseFreezesAndResumeThaws(t *testing.T) {
	e := newEnv(t)
	l := e.startScript(counter, nil)
	c := l.inside("/dev/shm/c")
	waitFile(t, c)
	must(t, e.hull("pause", l.id), "pause")
	wantEq(t, "status after pause", e.state(l.id).Status, "paused")
	pids := e.pids(l.id)
	if len(pids) == 0 {
		t.Fatal("ps lists no process in the paused container")
	}
	if l.pureV2() {
		// The v2 freezer parks tasks in an interruptible sleep (S in
		// /proc, like any sleeper): the kernel's own word is cgroup.events.
		if ev := l.cgFile(t, "", "cgroup.events"); !strings.Contains(ev, "frozen 1") {
			t.Errorf("cgroup.events of the paused container:\n%s", ev)
		}
	} else {
		// v1-frozen tasks show as D (kernels with TASK_FROZEN) or T.
		for _, pid := range pids {
			if s := procState(t, pid); !strings.HasPrefix(s, "D") && !strings.HasPrefix(s, "T") {
				t.Errorf("paused process %d is in state %q", pid, s)
			}
		}
	}
	before, _ := os.ReadFile(c)
	time.Sleep(200 * time.Millisecond) // 40 loop turns if it still ran
	after, _ := os.ReadFile(c)
	if string(before) != string(after) {
		t.Errorf("the counter moved while paused: %q -> %q", before, after)
	}
	if r := e.hull("pause", l.id); r.code == 0 || !strings.Contains(r.stderr, "container not running") {
		t.Errorf("second pause: exit %d, stderr %q", r.code, r.stderr)
	}

	must(t, e.hull("resume", l.id), "resume")
	wantEq(t, "status after resume", e.state(l.id).Status, "running")
	deadline := time.Now().Add(10 * time.Second)
	for {
		now, _ := os.ReadFile(c)
		if len(now) > 0 && string(now) != string(after) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the counter did not move after resume: still %q", now)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := e.hull("resume", l.id); r.code == 0 || !strings.Contains(r.stderr, "container not paused") {
		t.Errorf("resume of a running container: exit %d, stderr %q", r.code, r.stderr)
	}
}

// sharedPidNS drops the pid namespace: killing init then leaves the other
// processes running, so only a cgroup-wide kill reaches them.
func sharedPidNS(s *specs.Spec) {
	var ns []specs.LinuxNamespace
	for _, n := range s.Linux.Namespaces {
		if n.Type != specs.PIDNamespace {
			ns = append(ns, n)
		}
	}
	s.Linux.Namespaces = ns
}

const threeProcs = `sleep 1000 & sleep 1000 & echo ready >/dev/shm/ready; wait`

// gone waits until none of pids is a live process (zombies count as gone:
// their parent outside the container reaps them).
func gone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		if !exited(pid, time.Until(deadline)) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Fatalf("process %d still lives: %s", pid, b)
		}
	}
}

// exited waits up to d for pid to exit; a zombie counts as exited.
func exited(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPausedKillAllReachesEveryProcess(t *testing.T) {
	e := newEnv(t)
	l := e.startScript(threeProcs, sharedPidNS)
	waitFile(t, l.inside("/dev/shm/ready"))
	pids := e.pids(l.id)
	if len(pids) != 3 {
		t.Fatalf("ps = %v, want init and two sleeps", pids)
	}
	must(t, e.hull("pause", l.id), "pause")
	must(t, e.hull("kill", "--all", l.id, "KILL"), "kill --all")
	gone(t, pids)
	e.waitStatus(l.id, "stopped")
	must(t, e.hull("delete", l.id), "delete")
}

func TestPausedDeleteForce(t *testing.T) {
	e := newEnv(t)
	l := e.startScript(threeProcs, sharedPidNS)
	waitFile(t, l.inside("/dev/shm/ready"))
	pids := e.pids(l.id)
	must(t, e.hull("pause", l.id), "pause")
	if r := e.hull("delete", l.id); r.code == 0 || !strings.Contains(r.stderr, "paused") {
		t.Errorf("delete of a paused container without --force: exit %d, stderr %q", r.code, r.stderr)
	}
	must(t, e.hull("delete", "--force", l.id), "delete --force")
	gone(t, pids)
	for name, dir := range l.paths {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("cgroup %q dir %s survived delete --force", name, dir)
		}
	}
	if r := e.hull("state", l.id); r.code == 0 {
		t.Errorf("state after delete --force: %s", r.stdout)
	}
}

func TestPauseStoppedContainer(t *testing.T) {
	e := newEnv(t)
	l := e.startScript("exit 0", nil)
	e.waitStatus(l.id, "stopped")
	if r := e.hull("pause", l.id); r.code == 0 || !strings.Contains(r.stderr, "container not running") {
		t.Errorf("pause of a stopped container: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := e.hull("resume", l.id); r.code == 0 || !strings.Contains(r.stderr, "container not paused") {
		t.Errorf("resume of a stopped container: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestPauseCreatedContainer(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "1000"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	must(t, e.hull("pause", id), "pause of a created container")
	wantEq(t, "status after pause", e.state(id).Status, "paused")
	// A frozen init cannot take the exec fifo: start must refuse, not hang.
	start := hullCmd(e.root, "start", id)
	var stderr strings.Builder
	start.Stderr = &stderr
	if err := start.Start(); err != nil {
		t.Fatal(err)
	}
	hung := time.AfterFunc(10*time.Second, func() { _ = start.Process.Kill() })
	err := start.Wait()
	if !hung.Stop() {
		t.Errorf("start of a paused container hung")
	} else if err == nil || !strings.Contains(stderr.String(), "paused") {
		t.Errorf("start of a paused container: %v, stderr %q", err, stderr.String())
	}
	must(t, e.hull("resume", id), "resume")
	wantEq(t, "status after resume", e.state(id).Status, "created")
	must(t, e.hull("start", id), "start")
	e.waitStatus(id, "running")
}

// Orphans reparented away from init (to the host's init, with no pid
// namespace) are out of init's reach: only a cgroup-wide signal gets them.
func TestKillAllAndDeleteForceReachOrphans(t *testing.T) {
	for _, how := range []string{"kill --all", "delete --force"} {
		t.Run(strings.ReplaceAll(how, " ", ""), func(t *testing.T) {
			e := newEnv(t)
			l := e.startScript(`(sleep 1000 &); (sleep 1001 &); echo ready >/dev/shm/ready; exec sleep 1002`, sharedPidNS)
			waitFile(t, l.inside("/dev/shm/ready"))
			pids := e.pids(l.id)
			if len(pids) != 3 {
				t.Fatalf("ps = %v, want init and two orphaned sleeps", pids)
			}
			if how == "kill --all" {
				must(t, e.hull("kill", "--all", l.id, "TERM"), "kill --all")
				gone(t, pids)
				e.waitStatus(l.id, "stopped")
				must(t, e.hull("delete", l.id), "delete")
			} else {
				must(t, e.hull("delete", "--force", l.id), "delete --force")
				gone(t, pids)
			}
		})
	}
}
