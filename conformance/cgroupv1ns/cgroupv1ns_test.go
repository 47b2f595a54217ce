package cgroupv1ns

import (
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// TestHideUnified re-runs itself through Reexec: the copy inside the new
// namespace hides cgroup2 and checks it is gone (failing the child's exit
// code otherwise); the parent then checks the host still has it.
func TestHideUnified(t *testing.T) {
	if Inside() {
		if err := HideUnified(); err != nil {
			t.Fatal(err)
		}
		if Needed() {
			t.Fatalf("%s is still cgroup2 inside the namespace", UnifiedPath)
		}
		return
	}
	testutil.RequireRoot(t)
	if !Needed() {
		t.Skipf("host has no cgroup2 mount at %s to hide", UnifiedPath)
	}
	code, err := Reexec([]string{"-test.run=^TestHideUnified$", "-test.count=1"})
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("child in private namespace exited %d", code)
	}
	if !Needed() {
		t.Fatalf("host lost its cgroup2 mount at %s", UnifiedPath)
	}
}

func TestHideUnifiedRefusesOutside(t *testing.T) {
	if Inside() {
		t.Skip("only meaningful outside the namespace")
	}
	if err := HideUnified(); err == nil {
		t.Fatal("HideUnified outside a private namespace returned nil")
	}
}
