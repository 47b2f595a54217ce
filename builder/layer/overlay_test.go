package layer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestDiffMatchesOverlay is the cross-check against the kernel: changes made
// through a real overlay mount are diffed from its upper dir, the layer is
// unpacked into a fresh dir, and an overlay of that dir over the same lower
// must show exactly the tree the original overlay showed.
func TestDiffMatchesOverlay(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	lower, upper, work := filepath.Join(base, "lower"), filepath.Join(base, "upper"), filepath.Join(base, "work")
	for _, d := range []string{upper, work} {
		must(t, os.Mkdir(d, 0o755))
	}
	putFile(t, filepath.Join(lower, "a"), "a", 0o644)
	putFile(t, filepath.Join(lower, "d", "x"), "x", 0o644)
	putFile(t, filepath.Join(lower, "d", "y"), "y", 0o644)
	putFile(t, filepath.Join(lower, "e", "z"), "z", 0o644)
	putFile(t, filepath.Join(lower, "keep"), "old", 0o644)

	merged := mountOverlay(t, []string{lower}, upper, work)
	must(t, os.Remove(filepath.Join(merged, "a")))                             // whiteout
	must(t, os.RemoveAll(filepath.Join(merged, "d")))                          // whiteout ...
	putFile(t, filepath.Join(merged, "d", "new"), "n", 0o600)                  // ... then an opaque dir
	must(t, os.WriteFile(filepath.Join(merged, "keep"), []byte("new"), 0o644)) // copy-up
	must(t, os.Chmod(filepath.Join(merged, "e"), 0o700))
	must(t, os.Remove(filepath.Join(merged, "e", "z")))
	must(t, os.Link(filepath.Join(merged, "keep"), filepath.Join(merged, "keep2")))
	must(t, os.Symlink("keep", filepath.Join(merged, "sym")))
	must(t, os.Lchown(filepath.Join(merged, "sym"), 12, 34))
	want := treeSummary(t, merged)
	unmount(t, merged)

	var buf bytes.Buffer
	_, err := Diff(upper, &buf, DiffOptions{})
	must(t, err)
	layerDir := filepath.Join(base, "layer")
	must(t, os.Mkdir(layerDir, 0o755))
	_, err = Unpack(bytes.NewReader(buf.Bytes()), layerDir)
	must(t, err)
	// Two lowers, no upper: a read-only view of the layer over the base.
	view := t.TempDir()
	if err := unix.Mount("overlay", view, "overlay", unix.MS_RDONLY, "lowerdir="+layerDir+":"+lower); err != nil {
		t.Fatalf("mount layer view: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(view, unix.MNT_DETACH) })
	if got := treeSummary(t, view); got != want {
		t.Errorf("overlay of the unpacked layer differs from the original overlay:\n got: %s\nwant: %s", got, want)
	}
}

func mountOverlay(t *testing.T, lowers []string, upper, work string) string {
	t.Helper()
	merged := t.TempDir()
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,metacopy=off,redirect_dir=off", strings.Join(lowers, ":"), upper, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("cannot mount overlay here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })
	return merged
}

func unmount(t *testing.T, dir string) {
	t.Helper()
	if err := unix.Unmount(dir, 0); err != nil {
		t.Fatalf("unmount %s: %v", dir, err)
	}
}

// treeSummary describes every entry (type, mode, owner, content, target).
func treeSummary(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%s %o %d:%d", rel, st.Mode, st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %x nlink=%d", sha256.Sum256(data), st.Nlink)
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		lines = append(lines, line)
		return nil
	})
	must(t, err)
	return strings.Join(lines, "; ")
}
