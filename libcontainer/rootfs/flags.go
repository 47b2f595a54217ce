package rootfs

import (
	"errors"
	"fmt"
	"os"

	"github.com/hull-project/hull/spec"
	"golang.org/x/sys/unix"
)

// This file changes an existing mount through a handle on it: flags,
// recursive attributes, propagation, and reads back what it has.

// setRecursiveAttr applies the "rro"-style options to the mount and every
// mount below it, which mount(2) flags cannot reach.
func setRecursiveAttr(f *os.File, rec spec.MountAttr) error {
	if rec.Empty() {
		return nil
	}
	attr := &unix.MountAttr{Attr_set: rec.Set, Attr_clr: rec.Clear}
	if err := unix.MountSetattr(int(f.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
		return fmt.Errorf("mount_setattr recursive (set %#x, clear %#x): %w", rec.Set, rec.Clear, err)
	}
	return nil
}

// applyPropagation makes the mount shared, slave, private or unbindable;
// the kernel takes one propagation type per mount(2) call.
func applyPropagation(f *os.File, props []uintptr) error {
	for _, p := range props {
		if err := unix.Mount("", fdPath(f), "", p, ""); err != nil {
			return fmt.Errorf("set propagation %#x: %w", p, err)
		}
	}
	return nil
}

// remountBind sets a bind mount's flags. In a user namespace, flags the
// source mount had (ro, nosuid, ...) are locked and clearing them fails with
// EPERM, so a second try keeps them, as runc does.
func remountBind(f *os.File, flags uintptr) error {
	const remount = unix.MS_REMOUNT | unix.MS_BIND
	err := unix.Mount("", fdPath(f), "", flags|remount, "")
	if !errors.Is(err, unix.EPERM) {
		return wrapRemount(err)
	}
	locked, serr := lockedFlags(f)
	if serr != nil {
		return wrapRemount(err)
	}
	return wrapRemount(unix.Mount("", fdPath(f), "", flags|locked|remount, ""))
}

func wrapRemount(err error) error {
	if err != nil {
		return fmt.Errorf("remount bind: %w", err)
	}
	return nil
}

// lockedFlags reads the per-mount flags a handle's mount has now.
func lockedFlags(f *os.File) (uintptr, error) {
	var s unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &s); err != nil {
		return 0, err
	}
	return stFlagsToMS(s.Flags), nil
}

// stFlagsToMS maps statfs's ST_* mount flags to mount(2)'s MS_* flags.
func stFlagsToMS(st int64) uintptr {
	var flags uintptr
	for _, p := range []struct {
		st int64
		ms uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st&p.st != 0 {
			flags |= p.ms
		}
	}
	return flags
}

func mountID(f *os.File) (uint64, error) {
	var stx unix.Statx_t
	if err := unix.Statx(int(f.Fd()), "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil {
		return 0, fmt.Errorf("statx %s: %w", f.Name(), err)
	}
	return stx.Mnt_id, nil
}
