package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/internal/testutil"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"
)

// TestLayerDirsMountAsOverlay checks the point of the whole store: layers
// pulled into a store and unpacked by LayerDirs mount as an overlay whose
// view honours the whiteouts and opaque directories of the upper layers.
func TestLayerDirsMountAsOverlay(t *testing.T) {
	testutil.RequireRoot(t)
	s := openStore(t)
	uppers := []func(dir string){
		func(dir string) {
			mkfile(t, dir, "d/old", "old")
			mkfile(t, dir, "keep", "k")
			mkfile(t, dir, "gone", "g")
		},
		func(dir string) {
			mkfile(t, dir, "d/new", "new")
			must(t, unix.Setxattr(filepath.Join(dir, "d"), "trusted.overlay.opaque", []byte("y"), 0))
			must(t, unix.Mknod(filepath.Join(dir, "gone"), unix.S_IFCHR, 0))
		},
	}
	cfg := Scratch().Config
	var descs []ocispec.Descriptor
	for _, fill := range uppers {
		dir, err := s.TempDir("upper")
		must(t, err)
		fill(dir)
		desc, diffID, err := DiffLayer(s, dir, layer.DiffOptions{})
		must(t, err)
		descs = append(descs, desc)
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, diffID)
	}
	img, err := Commit(s, cfg, descs)
	must(t, err)
	// Through an OCI archive into a fresh store, so the layers are unpacked
	// from their tars by LayerDirs.
	file := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, img, "oci-archive", file, "t"))
	s2 := openStore(t)
	back, err := Pull(s2, "oci-archive:"+file)
	must(t, err)
	dirs, err := back.LayerDirs(s2)
	must(t, err)
	merged := mountLowers(t, dirs)
	want := map[string]string{"d/new": "new", "keep": "k"}
	for p, content := range want {
		if b, err := os.ReadFile(filepath.Join(merged, p)); err != nil || string(b) != content {
			t.Errorf("%s = %q %v, want %q", p, b, err, content)
		}
	}
	for _, p := range []string{"d/old", "gone"} {
		if _, err := os.Lstat(filepath.Join(merged, p)); !os.IsNotExist(err) {
			t.Errorf("%s should be hidden by the top layer: %v", p, err)
		}
	}
}

func mkfile(t *testing.T, dir, rel, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644))
}

// mountLowers mounts a read-only overlay of dirs (bottom first), unmounted
// when the test ends.
func mountLowers(t *testing.T, dirs []string) string {
	t.Helper()
	rev := make([]string, len(dirs))
	for i, d := range dirs {
		rev[len(dirs)-1-i] = d
	}
	merged := t.TempDir()
	if err := unix.Mount("overlay", merged, "overlay", unix.MS_RDONLY, "lowerdir="+strings.Join(rev, ":")); err != nil {
		t.Skipf("cannot mount overlay here: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(merged, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", merged, err)
		}
	})
	return merged
}
