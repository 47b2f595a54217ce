package suite

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

func TestUnescapeMountinfo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/tmp/plain", "/tmp/plain"},
		{`/tmp/with\040space`, "/tmp/with space"},
		{`/tmp/tab\011x`, "/tmp/tab\tx"},
		{`/tmp/back\134slash`, `/tmp/back\slash`},
	}
	for _, tt := range tests {
		if got := unescapeMountinfo(tt.in); got != tt.want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRemoveTreeUnmountsFirst leaves a tmpfs holding a file mounted inside
// the tree, as a program without a mount namespace does, and checks
// RemoveTree unmounts it and removes everything.
func TestRemoveTreeUnmountsFirst(t *testing.T) {
	testutil.RequireRoot(t)
	dir := filepath.Join(t.TempDir(), "bundle")
	mnt := filepath.Join(dir, "rootfs", "proc")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, ""); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(mnt, unix.MNT_DETACH) })
	if err := os.WriteFile(filepath.Join(mnt, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RemoveTree(dir); err != nil {
		t.Fatalf("RemoveTree: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still exists after RemoveTree (stat: %v)", dir, err)
	}
	left, err := mountsUnder(dir)
	if err != nil || len(left) > 0 {
		t.Fatalf("mounts left under %s: %v (%v)", dir, left, err)
	}
}
