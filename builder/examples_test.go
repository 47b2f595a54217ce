package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// TestExamplesRunScript runs examples/run.sh, the README's main command,
// with this package built as the builder, a private store, and the test
// runtime (HULL_TEST_RUNTIME, default runc): it makes the busybox base,
// builds examples/hello, bundles it and runs it.
func TestExamplesRunScript(t *testing.T) {
	testutil.RequireRoot(t)
	if testing.Short() {
		t.Skip("builds the builder binary")
	}
	rt := os.Getenv("HULL_TEST_RUNTIME")
	if rt == "" {
		rt = "runc"
	}
	if _, err := exec.LookPath(rt); err != nil {
		t.Skipf("runtime %s not found", rt)
	}
	bin := filepath.Join(t.TempDir(), "builder")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(t.TempDir(), "store")
	cmd := exec.Command("../examples/run.sh")
	cmd.Env = append(os.Environ(), "BUILDER="+bin, "BUILDER_ROOT="+root, "RUNTIME="+rt)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "Hello, world! (greet 1.0 as app in /home/app"); n != 2 {
		t.Errorf("want two greetings from the example app, got:\n%s", out)
	}
}
