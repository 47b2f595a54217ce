// Package rootfs prepares a container's root filesystem from inside its
// init process: mounts, devices, pivot_root, then read-only and masked
// paths. Every container path is resolved inside the rootfs through an open
// handle and mounted on through /proc/self/fd, so no symlink in the image
// can send a mount or a device node to the host.
//
// Init calls, in this order: Setup (in the container's new mount namespace,
// with the host's /proc still visible: mounts go through /proc/self/fd),
// SetupConsole if the process has a terminal, then Finalize once hostname
// and sysctls are set (it needs the container's /proc mounted as procfs when
// there are masked or read-only paths). Setup changes the root, cwd and,
// briefly, the umask, all shared by every thread of the process.
package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Config is what Setup needs from init.
type Config struct {
	Rootfs      string            // absolute host path of the rootfs (already resolved against the bundle)
	Spec        *specs.Spec       // uses Mounts, Root.Readonly, Linux.{RootfsPropagation,Devices,MaskedPaths,ReadonlyPaths,Namespaces}
	NoPivot     bool              // --no-pivot: MS_MOVE the rootfs onto / and chroot instead of pivot_root
	InUserNS    bool              // a new user namespace: devices are bind-mounted from the host, not mknod'ed
	CgroupPaths map[string]string // the container's cgroup dirs on the host: v1 subsystem name -> abs dir ("" -> the cgroup2 dir)
	BeforePivot func() error      // called after every mount and device is in place, before pivot_root; may be nil
	// SharedMountNS: init runs in a mount namespace that is not the
	// container's own (the host's, or one joined by path). Then nothing
	// outside the rootfs is touched: no propagation change of /, every
	// mount lands under a private bind of the rootfs, and init chroots
	// into it (pivot_root or a move would change the root of every
	// process in that namespace).
	SharedMountNS bool
}

// Setup builds the container's root and enters it. Steps, in order:
//  1. make / rslave (or linux.rootfsPropagation) and bind the rootfs on itself;
//  2. mount every spec mount in order;
//  3. create /dev: default and spec devices, symlinks, ptmx;
//  4. call BeforePivot (the createContainer hooks);
//  5. pivot_root (or move + chroot with NoPivot) and chdir("/");
//  6. give the new / the linux.rootfsPropagation asked for.
func Setup(cfg *Config) error {
	if err := checkConfig(cfg); err != nil {
		return err
	}
	rootfs, err := filepath.EvalSymlinks(cfg.Rootfs)
	if err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	prepare := prepareRoot
	if cfg.SharedMountNS {
		prepare = prepareSharedRoot
	}
	if err := prepare(rootfs, cfg.Spec); err != nil {
		return err
	}
	if err := populate(rootfs, cfg); err != nil {
		return err
	}
	if cfg.BeforePivot != nil {
		if err := cfg.BeforePivot(); err != nil {
			return fmt.Errorf("before pivot_root: %w", err)
		}
	}
	if cfg.SharedMountNS {
		return chrootRoot(rootfs)
	}
	if err := enterRoot(rootfs, cfg.NoPivot); err != nil {
		return err
	}
	return finishPropagation(cfg.Spec)
}

func enterRoot(rootfs string, noPivot bool) error {
	if noPivot {
		return moveRoot(rootfs)
	}
	return pivotRoot(rootfs)
}

// prepareSharedRoot binds the rootfs onto itself and makes that bind
// private, so the container's mounts below it neither propagate to the
// shared namespace's peers nor change anything outside the rootfs.
func prepareSharedRoot(rootfs string, _ *specs.Spec) error {
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	if err := unix.Mount("", rootfs, "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make rootfs %s private: %w", rootfs, err)
	}
	return nil
}

// chrootRoot enters the rootfs without changing the namespace's root.
func chrootRoot(rootfs string) error {
	if err := unix.Chroot(rootfs); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	return chdirRoot()
}

// finishPropagation gives the container's / the linux.rootfsPropagation
// asked for. Before pivot_root it could not be shared (the kernel refuses
// to pivot to or from a shared mount) and the bind of the rootfs inherited
// its parent's, so it is set again here, as runc#1755 asked runc to do.
func finishPropagation(spec *specs.Spec) error {
	if spec.Linux == nil || spec.Linux.RootfsPropagation == "" {
		return nil
	}
	flags, err := rootPropagation(spec.Linux.RootfsPropagation)
	if err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", flags, ""); err != nil {
		return fmt.Errorf("set container / propagation (%q): %w", spec.Linux.RootfsPropagation, err)
	}
	return nil
}

func checkConfig(cfg *Config) error {
	switch {
	case cfg == nil || cfg.Spec == nil:
		return errors.New("rootfs: no spec given")
	case !filepath.IsAbs(cfg.Rootfs):
		return fmt.Errorf("rootfs %q: must be an absolute path", cfg.Rootfs)
	}
	return nil
}

// populate does the mounts and /dev through one handle on the rootfs,
// closed again before pivot_root so no host fd outlives Setup.
func populate(rootfs string, cfg *Config) error {
	r, err := openRoot(rootfs)
	if err != nil {
		return err
	}
	defer r.close()
	m := &mounter{root: r, cfg: cfg}
	if err := m.mountAll(); err != nil {
		return err
	}
	return m.setupDev()
}

// prepareRoot keeps the container's mounts from propagating to the host
// and makes the rootfs a mount point of its own, as pivot_root requires.
func prepareRoot(rootfs string, spec *specs.Spec) error {
	var name string
	if spec.Linux != nil {
		name = spec.Linux.RootfsPropagation
	}
	flags, err := rootPropagation(name)
	if err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", flags, ""); err != nil {
		return fmt.Errorf("set / propagation (%q): %w", name, err)
	}
	if err := parentMountPrivate(rootfs); err != nil {
		return err
	}
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	return nil
}

// parentMountPrivate makes the mount holding rootfs private if it is
// shared (rootfsPropagation "shared"): pivot_root refuses a shared parent.
func parentMountPrivate(rootfs string) error {
	mounts, err := readMountinfo()
	if err != nil {
		return err
	}
	var parent mountinfo
	for _, mi := range mounts {
		if within(mi.mountpoint, rootfs) && len(mi.mountpoint) >= len(parent.mountpoint) {
			parent = mi
		}
	}
	if !strings.Contains(parent.optional, "shared:") {
		return nil
	}
	if err := unix.Mount("", parent.mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", parent.mountpoint, err)
	}
	return nil
}

func splitLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' })
}
