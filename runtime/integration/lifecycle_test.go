package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type stateJSON struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
}

func (e *env) state(id string) stateJSON {
	e.t.Helper()
	r := must(e.t, e.hull("state", id), "state")
	var s stateJSON
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		e.t.Fatalf("state output %q: %v", r.stdout, err)
	}
	return s
}

func (e *env) waitStatus(id, want string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := e.state(id)
		if s.Status == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("container %s: status %s, want %s", id, s.Status, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitStatusExists waits for a container that another command is creating.
func (e *env) waitStatusExists(id, want string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := e.hull("state", id); r.code == 0 && strings.Contains(r.stdout, `"status": "`+want+`"`) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("container %s never reached %s", id, want)
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	st := e.state(id)
	if st.Status != "created" || st.Pid <= 0 || st.Bundle != b || st.Rootfs != filepath.Join(b, "rootfs") {
		t.Fatalf("after create: %+v", st)
	}
	// init waits in the container: its command line is still hull's.
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/cmdline")
	if !strings.HasPrefix(string(cmdline), "hull\x00init") {
		t.Fatalf("created container runs %q before start", cmdline)
	}
	must(t, e.hull("start", id), "start")
	e.waitStatus(id, "running")
	cmdline, _ = os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/cmdline")
	if !strings.HasPrefix(string(cmdline), "sleep\x00100") {
		t.Fatalf("running container runs %q", cmdline)
	}
	if r := e.hull("start", id); r.code == 0 || !strings.Contains(r.stderr, "running") {
		t.Fatalf("second start: exit %d, %q", r.code, r.stderr)
	}
	if r := e.hull("delete", id); r.code == 0 || !strings.Contains(r.stderr, "not stopped: running") {
		t.Fatalf("delete of running container: exit %d, %q", r.code, r.stderr)
	}
	must(t, e.hull("kill", id, "KILL"), "kill")
	e.waitStatus(id, "stopped")
	if st := e.state(id); st.Pid != 0 {
		t.Fatalf("stopped container reports pid %d", st.Pid)
	}
	if r := e.hull("kill", id, "TERM"); r.code == 0 {
		t.Fatalf("kill of stopped container succeeded")
	}
	must(t, e.hull("delete", id), "delete")
	if r := e.hull("state", id); r.code == 0 || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("state after delete: exit %d %q", r.code, r.stderr)
	}
	assertNoLeftovers(t, e.root, id)
}

func TestCreateExistingIDFails(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	r := e.hull("create", "--bundle", b, id)
	if r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second create: exit %d, %q", r.code, r.stderr)
	}
	if e.state(id).Status != "created" {
		t.Fatalf("failed second create disturbed the first container")
	}
}

func TestDeleteCreatedContainer(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	pid := e.state(id).Pid
	must(t, e.hull("delete", id), "delete created")
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		if data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); !strings.Contains(string(data), ") Z") {
			t.Fatalf("init %d survived delete", pid)
		}
	}
	assertNoLeftovers(t, e.root, id)
}

func TestRunExitCodes(t *testing.T) {
	e := newEnv(t)
	if r := e.run([]string{"sh", "-c", "exit 3"}, nil); r.code != 3 {
		t.Fatalf("exit 3: got %d (%s)", r.code, r.stderr)
	}
	// pid 1 of a pid namespace cannot SIGKILL itself: kill it from outside.
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	cmd := hullCmd(e.root, "run", "--bundle", b, id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.waitStatusExists(id, "running")
	must(t, e.hull("kill", id, "KILL"), "kill")
	if code := exitCodeOf(cmd.Wait()); code != 137 {
		t.Fatalf("killed by SIGKILL: got %d", code)
	}
	if r := e.run([]string{"true"}, nil); r.code != 0 {
		t.Fatalf("true: got %d (%s)", r.code, r.stderr)
	}
}

func TestRunForwardsSignals(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done"}
	})
	id := e.id()
	cmd := hullCmd(e.root, "run", "--bundle", b, id)
	out := &lineWaiter{want: "ready", ch: make(chan struct{})}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-out.ch:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("container never printed ready")
	}
	_ = cmd.Process.Signal(os.Signal(sigterm))
	err := cmd.Wait()
	if code := exitCodeOf(err); code != 42 {
		t.Fatalf("run after SIGTERM: exit %d, want 42", code)
	}
}

func TestRunDetachAndPidFile(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	pidFile := filepath.Join(t.TempDir(), "pid")
	must(t, e.hull("run", "--detach", "--pid-file", pidFile, "--bundle", b, id), "run -d")
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if st := e.state(id); strconv.Itoa(st.Pid) != string(data) || st.Status != "running" {
		t.Fatalf("pid file %q, state %+v", data, st)
	}
	must(t, e.hull("delete", "--force", id), "delete --force")
	assertNoLeftovers(t, e.root, id)
}

func TestList(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	r := must(t, e.hull("list", "--format", "json"), "list")
	var list []stateJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0].ID != id || list[0].Status != "created" {
		t.Fatalf("list json %q: %v", r.stdout, err)
	}
	r = must(t, e.hull("list"), "list table")
	if !strings.HasPrefix(r.stdout, "ID") || !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, "created") {
		t.Fatalf("list table: %q", r.stdout)
	}
	r = must(t, e.hull("list", "-q"), "list -q")
	if strings.TrimSpace(r.stdout) != id {
		t.Fatalf("list -q: %q", r.stdout)
	}
}
