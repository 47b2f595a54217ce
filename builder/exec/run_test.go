package exec

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/testutil"
)

func testRuntime(t *testing.T) string {
	rt := os.Getenv("HULL_TEST_RUNTIME")
	if rt == "" {
		rt = "runc"
	}
	p, err := exec.LookPath(rt)
	if err != nil {
		t.Skipf("OCI runtime %s not found", rt)
	}
	return p
}

// overlayRootfs mounts an overlay of a busybox rootfs with a fresh upper dir
// and returns the merged and upper dirs; it is unmounted at cleanup.
func overlayRootfs(t *testing.T) (merged, upper string) {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	lower := filepath.Join(dir, "lower")
	upper = filepath.Join(dir, "upper")
	work := filepath.Join(dir, "work")
	merged = filepath.Join(dir, "merged")
	for _, d := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testutil.BusyboxRootfs(t, lower)
	ov, err := MountOverlay([]string{lower}, upper, work, merged)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ov.Unmount(); err != nil {
			t.Error(err)
		}
	})
	return merged, upper
}

func TestRunWritesToUpper(t *testing.T) {
	merged, upper := overlayRootfs(t)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Run(ctx, Step{
		Runtime: testRuntime(t), ID: testutil.UniqueID("hull-exec"),
		Spec: SpecOptions{
			Rootfs: merged, Args: []string{"/bin/sh", "-c", "echo out; echo made > /made; hostname"},
			Env: []string{"PATH=/bin"}, Cwd: "/newdir", Hostname: "steph",
			Mounts: []specs.Mount{{Destination: "/mnt/tmp/x", Type: "tmpfs", Source: "tmpfs"}},
		},
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if got := out.String(); got != "out\nsteph\n" {
		t.Errorf("output %q, want %q", got, "out\nsteph\n")
	}
	if data, err := os.ReadFile(filepath.Join(upper, "made")); err != nil || string(data) != "made\n" {
		t.Errorf("upper/made = %q, %v", data, err)
	}
	// The runtime's mountpoint must not leak into the layer; the cwd stays.
	if _, err := os.Lstat(filepath.Join(upper, "mnt")); err == nil {
		t.Error("mountpoint /mnt/tmp/x left in the upper dir")
	}
	if fi, err := os.Stat(filepath.Join(upper, "newdir")); err != nil || !fi.IsDir() {
		t.Errorf("working dir not created: %v", err)
	}
}

func TestRunExitCode(t *testing.T) {
	merged, _ := overlayRootfs(t)
	_, err := Run(context.Background(), Step{
		Runtime: testRuntime(t), ID: testutil.UniqueID("hull-exec"),
		Spec:   SpecOptions{Rootfs: merged, Args: []string{"/bin/sh", "-c", "exit 7"}, Env: []string{"PATH=/bin"}},
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
	})
	if err == nil || !strings.Contains(err.Error(), "exited with code 7") {
		t.Fatalf("error %v, want exit code 7", err)
	}
}
