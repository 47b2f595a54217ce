package exec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Overlay is a mounted overlay filesystem: Lowers (bottom first) under a
// writable Upper, seen merged at Target.
type Overlay struct {
	Target string
	Upper  string
	work   string
	empty  string // an empty lower for images without layers
}

// MountOverlay mounts lowers (bottom first, as image.LayerDirs returns them)
// with upper and work (both on the same filesystem, work empty) at target.
// metacopy and redirect_dir stay off so the upper dir is a plain diff that
// layer.Diff can read.
func MountOverlay(lowers []string, upper, work, target string) (*Overlay, error) {
	o := &Overlay{Target: target, Upper: upper, work: work}
	if len(lowers) == 0 {
		// overlay needs a lowerdir; scratch has none, so give it an empty one.
		d, err := os.MkdirTemp(work, "empty-lower-")
		if err != nil {
			return nil, fmt.Errorf("overlay: empty lower: %w", err)
		}
		o.empty = d
		lowers = []string{d}
	}
	for _, l := range lowers {
		if strings.ContainsAny(l, ",:") {
			return nil, fmt.Errorf("overlay: lower dir %q contains ',' or ':'", l)
		}
	}
	top := make([]string, len(lowers))
	for i, l := range lowers {
		top[len(lowers)-1-i] = l
	}
	workdir := filepath.Join(work, "work")
	if err := os.MkdirAll(workdir, 0o700); err != nil {
		return nil, fmt.Errorf("overlay: work dir: %w", err)
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,metacopy=off,redirect_dir=off",
		strings.Join(top, ":"), upper, workdir)
	var err error
	if len(opts) < unix.Getpagesize() {
		err = unix.Mount("overlay", target, "overlay", 0, opts)
	} else {
		// mount(2) takes one page of options; many layers need fsconfig's lowerdir+.
		err = mountOverlayFsconfig(top, upper, workdir, target)
	}
	if err != nil {
		return nil, fmt.Errorf("mount overlay (%d layers) at %s: %w", len(lowers), target, err)
	}
	return o, nil
}

// mountOverlayFsconfig mounts an overlay through the new mount API, passing
// each lower dir (top first) on its own with "lowerdir+" (Linux 6.8+).
func mountOverlayFsconfig(top []string, upper, workdir, target string) error {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fd)
	for _, l := range top {
		if err := unix.FsconfigSetString(fd, "lowerdir+", l); err != nil {
			return fmt.Errorf("lowerdir+ %s: %w", l, err)
		}
	}
	for _, kv := range [][2]string{{"upperdir", upper}, {"workdir", workdir}, {"metacopy", "off"}, {"redirect_dir", "off"}} {
		if err := unix.FsconfigSetString(fd, kv[0], kv[1]); err != nil {
			return fmt.Errorf("%s: %w", kv[0], err)
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("fsconfig create: %w", err)
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("fsmount: %w", err)
	}
	defer unix.Close(mfd)
	return unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH)
}

// Unmount detaches the overlay and removes overlay's private work dir, so the
// upper dir can be renamed into the store.
func (o *Overlay) Unmount() error {
	if err := unix.Unmount(o.Target, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("unmount overlay %s: %w", o.Target, err)
	}
	if err := os.RemoveAll(filepath.Join(o.work, "work")); err != nil {
		return fmt.Errorf("remove overlay work dir: %w", err)
	}
	if o.empty != "" {
		return os.RemoveAll(o.empty)
	}
	return nil
}
