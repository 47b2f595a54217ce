package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// podman runs podman with its storage in a private temp dir, so the test
// neither sees nor leaves any image in the host's podman store.
func podman(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("podman", append(podmanStore(dir), args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func podmanStore(dir string) []string {
	return []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
}

func TestDockerArchivePodmanLoad(t *testing.T) {
	requireTool(t, "podman")
	s := openStore(t)
	img := buildTestImage(t, s)
	file := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, img, "docker-archive", file, "hull-test/app:v1"))
	// podman refuses a runroot path longer than 50 characters: t.TempDir's are.
	dir, err := os.MkdirTemp("", "hullpm")
	must(t, err)
	t.Cleanup(func() {
		exec.Command("podman", append(podmanStore(dir), "system", "reset", "--force")...).Run()
		os.RemoveAll(dir)
	})
	podman(t, dir, "load", "-i", file)
	// podman run is not tried here: on this host the OCI runtime cannot set
	// podman's default rlimits (no CAP_SYS_RESOURCE). The loaded image's id
	// is its config digest, which pins the whole content.
	out := podman(t, dir, "image", "inspect", "--format", "{{.Id}} {{.RootFS.Layers}}", "hull-test/app:v1")
	if !strings.Contains(out, img.Manifest.Config.Digest.Encoded()) || !strings.Contains(out, img.Config.RootFS.DiffIDs[1].String()) {
		t.Errorf("podman sees %q, want id %s and diff id %s", out, img.Manifest.Config.Digest.Encoded(), img.Config.RootFS.DiffIDs[1])
	}
}
