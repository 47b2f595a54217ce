package suite

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/hull-project/hull/internal/testutil"
)

// RootfsName is the tarball the suite untars into every bundle, looked up
// in the programs' working directory (validation/util PrepareBundle).
var RootfsName = fmt.Sprintf("rootfs-%s.tar.gz", runtime.GOARCH)

// WriteRootfs builds a busybox rootfs from Debian's busybox-static and
// writes it as dir/RootfsName, with entries relative to "." as the suite
// expects (the bundle's root path is the bundle directory itself).
func WriteRootfs(dir string) error {
	tree, err := os.MkdirTemp("", "hull-conformance-rootfs-")
	if err != nil {
		return fmt.Errorf("rootfs temp dir: %w", err)
	}
	defer os.RemoveAll(tree)
	if err := testutil.MakeBusyboxRootfs(tree); err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	// The tarball's "./" entry sets the bundle directory's mode when the
	// suite untars it; MkdirTemp's 0700 would shut out containers running
	// as another user or in a user namespace.
	if err := os.Chmod(tree, 0o755); err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	dst := filepath.Join(dir, RootfsName)
	out, err := exec.Command("tar", "--numeric-owner", "--owner=0", "--group=0",
		"-czf", dst, "-C", tree, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("tar %s: %w: %s", dst, err, out)
	}
	return nil
}
