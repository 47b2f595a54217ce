package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A create killed with SIGKILL after it made the container's cgroup (here
// while its createRuntime hook runs) never writes state.json. delete
// --force must still remove that cgroup and the state dir.
func TestDeleteForceAfterCreateWasKilled(t *testing.T) {
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "hook.pid")
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "100"}
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{
			Path: "/bin/sh",
			Args: []string{"sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60"},
		}}}
	})
	id := e.id()
	cmd := exec.Command(hullBin, "--root", e.root, "create", "--bundle", b, id)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	hookPid := 0
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if hookPid > 0 {
			_ = unix.Kill(hookPid, unix.SIGKILL)
		}
	})
	data := strings.TrimSpace(waitFile(t, pidFile))
	hookPid, _ = strconv.Atoi(data)
	if len(cgroupDirsNamed(id)) == 0 {
		t.Fatal("create reached its createRuntime hook without a cgroup")
	}
	if err := cmd.Process.Signal(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(e.root, id, "state.json")); err == nil {
		t.Fatal("a killed create wrote state.json: the test no longer covers an unfinished create")
	}
	if dirs := cgroupDirsNamed(id); len(dirs) == 0 {
		t.Fatal("the cgroup disappeared before delete: nothing to check")
	}
	// Init notices its parent went away and exits; delete must not need it.
	r := e.hull("delete", "--force", id)
	if r.code != 0 {
		t.Fatalf("delete --force: exit %d: %s", r.code, r.stderr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(cgroupDirsNamed(id)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if dirs := cgroupDirsNamed(id); len(dirs) > 0 {
		t.Fatalf("delete --force left the killed create's cgroups: %v", dirs)
	}
	if _, err := os.Stat(filepath.Join(e.root, id)); err == nil {
		t.Fatal("delete --force left the state dir")
	}
}
