// Package cgroupv1ns runs a program in a private mount namespace where the
// host's cgroup2 mount at /sys/fs/cgroup/unified is hidden, so only the v1
// hierarchies remain. crun 1.8 refuses the host's hybrid layout ("cgroups in
// hybrid mode not supported"); seen from this namespace the host is pure v1,
// and every runtime compared side by side is run there alike.
package cgroupv1ns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// UnifiedPath is the cgroup2 mount of a hybrid host.
const UnifiedPath = "/sys/fs/cgroup/unified"

// envMarker tells the re-executed copy that it already runs in the namespace.
const envMarker = "HULL_CGROUPV1NS"

// Inside reports whether this process was started by Reexec.
func Inside() bool { return os.Getenv(envMarker) == "1" }

// Needed reports whether the host has a cgroup2 mount to hide.
func Needed() bool {
	var st unix.Statfs_t
	return unix.Statfs(UnifiedPath, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// Reexec runs this program again, with args, in a new private
// mount namespace, waits for it and returns its exit code. Go makes the new
// namespace's mounts private (MS_REC|MS_PRIVATE on /) when Unshareflags has
// CLONE_NEWNS, so nothing done inside reaches the host. The child must call
// HideUnified first thing (Inside tells it so).
func Reexec(args []string) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.Command(self, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envMarker+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("re-exec in a private mount namespace: %w", err)
	}
	return 0, nil
}

// HideUnified covers the cgroup2 mount with a fresh tmpfs in the current
// (private) mount namespace. A tmpfs rather than an unmount: crun still
// creates directories below /sys/fs/cgroup/unified, and under a plain
// unmount they would land in the host's /sys/fs/cgroup tmpfs, hidden there
// for good; this tmpfs goes away with the namespace. It refuses to run
// outside a namespace made by Reexec, where it would hide cgroup2 from
// everyone.
func HideUnified() error {
	if !Inside() {
		return errors.New("hide cgroup2: not inside a private mount namespace made by Reexec")
	}
	if !Needed() {
		return nil
	}
	if err := unix.Mount("tmpfs", UnifiedPath, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
		return fmt.Errorf("cover %s with tmpfs: %w", UnifiedPath, err)
	}
	return nil
}

// RemoveFromCover removes name from the tmpfs that HideUnified put over the
// cgroup2 mount. crun still writes a directory per container there (it is
// no cgroup, so nothing else removes it). It does nothing outside the
// namespace or when the path is not that tmpfs.
func RemoveFromCover(name string) error {
	var st unix.Statfs_t
	if !Inside() || unix.Statfs(UnifiedPath, &st) != nil || st.Type != unix.TMPFS_MAGIC {
		return nil
	}
	if name == "" || strings.ContainsRune(name, '/') || name == "." || name == ".." {
		return fmt.Errorf("remove %q from %s: not a plain name", name, UnifiedPath)
	}
	if err := os.RemoveAll(filepath.Join(UnifiedPath, name)); err != nil {
		return fmt.Errorf("remove %s from %s: %w", name, UnifiedPath, err)
	}
	return nil
}
