package build

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/builder/image"
	"github.com/hull-project/hull/internal/testutil"
)

// TestExampleImage builds examples/hello (on the test base), runs it as a
// bundle with the test runtime, and checks that skopeo, umoci and podman
// accept the exported image.
func TestExampleImage(t *testing.T) {
	ctxDir, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	tag := uniqueTag(t)
	res, _ := mustBuild(t, ctxDir, func(o *Options) {
		o.Tags = []string{tag}
		o.BuildArgs = map[string]string{"BASE": baseName, "VERSION": "9.9"}
	})
	bundle := filepath.Join(t.TempDir(), "bundle")
	if err := Bundle(sharedStore(t), tag, bundle); err != nil {
		t.Fatal(err)
	}
	// WORKDIR after USER made the directory for that user.
	checkOwner(t, filepath.Join(bundle, "rootfs"), "home/app", 0o755, 1000, 1000)
	out := runBundle(t, bundle)
	mustContain(t, out, "Hello, world! (greet 9.9 as app in /home/app")
	if n := strings.Count(out, "Hello"); n != 2 {
		t.Errorf("CMD --twice greeted %d times:\n%s", n, out)
	}
	t.Run("skopeo+umoci", func(t *testing.T) { checkOCILayout(t, res) })
	t.Run("podman", func(t *testing.T) { checkDockerArchive(t, res) })
}

func runBundle(t *testing.T, bundle string) string {
	t.Helper()
	rt := testRuntime(t)
	state := t.TempDir()
	id := testutil.UniqueID("hull-example")
	t.Cleanup(func() { _ = exec.Command(rt, "--root", state, "delete", "-f", id).Run() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rt, "--root", state, "run", "--bundle", bundle, id)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s run: %v\n%s", rt, err, out)
	}
	return string(out)
}

func checkOCILayout(t *testing.T, res *Result) {
	for _, tool := range []string{"skopeo", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	layout := filepath.Join(t.TempDir(), "layout")
	if err := image.Export(sharedStore(t), res.Image, "oci", layout, "v1"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("skopeo", "inspect", "--config", "oci:"+layout+":v1").CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	mustContain(t, string(out), "/usr/local/bin/greet")
	unpacked := filepath.Join(t.TempDir(), "unpacked")
	if out, err := exec.Command("umoci", "unpack", "--image", layout+":v1", unpacked).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(unpacked, "rootfs/usr/local/bin/greet")); err != nil {
		t.Errorf("umoci's rootfs lacks the app: %v", err)
	}
}

func checkDockerArchive(t *testing.T, res *Result) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman not installed")
	}
	archive := filepath.Join(t.TempDir(), "image.tar")
	name := "localhost/" + uniqueTag(t) + ":v1"
	if err := image.Export(sharedStore(t), res.Image, "docker-archive", archive, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("podman", "rmi", "-f", name).Run() })
	if out, err := exec.Command("podman", "load", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("podman load: %v\n%s", err, out)
	}
	// runc and small ulimits: on this host crun refuses hybrid cgroups, and
	// root may not raise RLIMIT_NOFILE to podman's default.
	out, err := exec.Command("podman", "--runtime", "runc", "run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", name).CombinedOutput()
	if err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	mustContain(t, string(out), "Hello, world!")
}
