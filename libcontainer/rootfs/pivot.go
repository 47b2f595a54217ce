package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// pivotRoot makes rootfs the root with pivot_root(".", "."): the old root
// ends up stacked on the new one, so after a fchdir to it a lazy unmount of
// "." drops it without needing a directory for it inside the container.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root: %w", err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	return dropOldRoot(oldRoot)
}

func dropOldRoot(oldRoot int) error {
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// Slave first, so the unmount cannot propagate to the host's mounts.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount old root: %w", err)
	}
	return chdirRoot()
}

func chdirRoot() error {
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// moveRoot is --no-pivot: move the rootfs mount onto / and chroot into it.
// The host's mounts stay in the namespace underneath, so the full host proc
// and sysfs are unmounted first: while they are visible the kernel would let
// the container mount new instances of them (mount_too_revealing).
func moveRoot(rootfs string) error {
	if err := hideHostKernelFS(rootfs); err != nil {
		return err
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	return chdirRoot()
}

// hideHostKernelFS unmounts every full proc and sysfs mount outside rootfs,
// or covers it with a tmpfs where unmounting is not allowed.
func hideHostKernelFS(rootfs string) error {
	mounts, err := readMountinfo()
	if err != nil {
		return err
	}
	for _, mi := range mounts {
		if mi.root != "/" || (mi.fstype != "proc" && mi.fstype != "sysfs") || within(rootfs, mi.mountpoint) {
			continue
		}
		if err := hideMount(mi.mountpoint); err != nil {
			return err
		}
	}
	return nil
}

func hideMount(path string) error {
	err := unix.Mount("", path, "", unix.MS_SLAVE|unix.MS_REC, "")
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
		return nil // already gone with a parent
	}
	if err != nil {
		return fmt.Errorf("make %s rslave: %w", path, err)
	}
	err = unix.Unmount(path, unix.MNT_DETACH)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
		err = unix.Mount("tmpfs", path, "tmpfs", unix.MS_RDONLY, "")
	}
	if err != nil {
		return fmt.Errorf("hide host %s: %w", path, err)
	}
	return nil
}

func readMountinfo() ([]mountinfo, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []mountinfo
	for _, line := range splitLines(string(data)) {
		if mi, ok := parseMountinfo(line); ok {
			out = append(out, mi)
		}
	}
	return out, nil
}
