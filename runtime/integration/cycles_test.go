package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// 200 create/start/delete cycles leave no mount, cgroup, state or process.
func TestManyCyclesLeaveNothing(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"true"} })
	for i := 0; i < 200; i++ {
		id := e.id()
		must(t, e.hull("create", "--bundle", b, id), "create")
		must(t, e.hull("start", id), "start")
		e.waitStatus(id, "stopped")
		must(t, e.hull("delete", id), "delete")
		assertNoLeftovers(t, e.root, id)
	}
	entries, _ := os.ReadDir(e.root)
	if len(entries) != 0 {
		t.Fatalf("state left: %v", entries)
	}
}
