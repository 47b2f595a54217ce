package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// TestMountOverlayManyLayers: more layers than fit in one page of mount
// options still mount, in order (the top layer wins), with whiteouts free.
func TestMountOverlayManyLayers(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	const n = 80
	var lowers []string
	for i := range n {
		// Long names, as store paths are: 80 of them overflow a 4 KiB page.
		l := filepath.Join(dir, fmt.Sprintf("layer-%02d-%s", i, "0123456789abcdef0123456789abcdef0123456789abcdef"))
		if err := os.Mkdir(l, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(l, "which"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(l, fmt.Sprintf("only-%d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		lowers = append(lowers, l)
	}
	upper, work, merged := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ov, err := MountOverlay(lowers, upper, work, merged)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ov.Unmount(); err != nil {
			t.Error(err)
		}
	})
	if got, err := os.ReadFile(filepath.Join(merged, "which")); err != nil || string(got) != fmt.Sprint(n-1) {
		t.Errorf("which = %q, %v; want the top layer's %d", got, err, n-1)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if _, err := os.Stat(filepath.Join(merged, fmt.Sprintf("only-%d", i))); err != nil {
			t.Errorf("layer %d not visible: %v", i, err)
		}
	}
}

func TestMountOverlayScratch(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	upper, work, merged := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ov, err := MountOverlay(nil, upper, work, merged)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(merged, "f"), []byte("x"), 0o644); err != nil {
		t.Error(err)
	}
	if err := ov.Unmount(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(upper, "f")); err != nil {
		t.Errorf("write to a scratch overlay did not reach upper: %v", err)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("work dir not cleaned: %v", entries)
	}
}
