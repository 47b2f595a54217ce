package rootfs

import (
	"errors"
	"fmt"
	"github.com/hull-project/hull/spec"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mounter mounts the spec's mounts into one rootfs.
type mounter struct {
	root *root
	cfg  *Config
}

func (m *mounter) mountAll() error {
	for i, mnt := range m.cfg.Spec.Mounts {
		if err := m.mountOne(mnt); err != nil {
			return fmt.Errorf("mounts[%d] (type %q, destination %s): %w", i, mnt.Type, mnt.Destination, err)
		}
	}
	return nil
}

func (m *mounter) mountOne(mnt specs.Mount) error {
	if !filepath.IsAbs(mnt.Destination) {
		return errors.New("destination must be an absolute path")
	}
	if len(mnt.UIDMappings) > 0 || len(mnt.GIDMappings) > 0 {
		return errors.New("idmapped mounts (uidMappings/gidMappings) are not supported")
	}
	dest := filepath.Clean(mnt.Destination)
	opts, err := parseMountOptions(mnt.Options)
	if err != nil {
		return err
	}
	if within("/proc", dest) || within("/sys", dest) {
		// proc and sysfs must land exactly where the destination says: a
		// symlink could aim them at a place later masked-path writes trust.
		if err := m.root.noSymlinks(dest); err != nil {
			return err
		}
	}
	if dest == "/dev" {
		// Devices are created in /dev after this; Finalize makes it read-only.
		opts.flags &^= unix.MS_RDONLY
	}
	switch {
	case mnt.Type == "bind" || opts.bind():
		if mnt.Source == "" {
			return errors.New("bind mount without a source")
		}
		return m.bind(dest, mnt.Source, opts)
	case mnt.Type == "proc":
		return m.mountFS(dest, "proc", "proc", opts)
	case mnt.Type == "sysfs":
		return m.mountSysfs(dest, opts)
	case mnt.Type == "cgroup" && !unifiedHost():
		return m.mountCgroupV1(dest, opts)
	case mnt.Type == "cgroup":
		// runc's default spec says "cgroup" everywhere; a cgroup v2 host has
		// only the unified hierarchy to give.
		return m.mountCgroupV2(dest, opts)
	case mnt.Type == "cgroup2":
		return m.mountCgroupV2(dest, opts)
	case mnt.Type == "":
		return errors.New("type is empty and options do not say bind or rbind")
	}
	return m.mountFS(dest, sourceOr(mnt.Source, mnt.Type), mnt.Type, opts)
}

func sourceOr(source, fstype string) string {
	if source == "" {
		return fstype
	}
	return source
}

// mountFS mounts a new filesystem instance (tmpfs, devpts, mqueue, overlay,
// ...) on a directory inside the root.
func (m *mounter) mountFS(dest, source, fstype string, opts mountOptions) error {
	target, err := m.root.mkdirAll(dest, 0o755)
	if err != nil {
		return fmt.Errorf("create mount point: %w", err)
	}
	defer target.Close()
	if err := m.checkProcDest(target, fstype, nil); err != nil {
		return err
	}
	if err := unix.Mount(source, fdPath(target), fstype, opts.flags, opts.data); err != nil {
		return fmt.Errorf("mount %s: %w", fstype, err)
	}
	opts.flags = 0 // already applied by the mount itself
	return m.afterMount(dest, target, opts)
}

// mountSysfs mounts sysfs, or in a user namespace that does not own its
// network namespace (none of its own, or one joined by path: the kernel
// refuses sysfs there) binds the host's /sys, as runc does.
func (m *mounter) mountSysfs(dest string, opts mountOptions) error {
	if !m.cfg.InUserNS || spec.HasNewNamespace(m.cfg.Spec, specs.NetworkNamespace) {
		return m.mountFS(dest, "sysfs", "sysfs", opts)
	}
	opts.flags |= unix.MS_BIND | unix.MS_REC
	return m.bind(dest, "/sys", opts)
}

// bind bind-mounts a host path (opened once, then mounted by handle) onto
// a directory or file inside the root, then applies flags and propagation.
func (m *mounter) bind(dest, source string, opts mountOptions) error {
	src, err := os.OpenFile(source, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bind source: %w", err)
	}
	defer src.Close()
	target, err := m.bindTarget(dest, src)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := m.checkProcDest(target, "bind", src); err != nil {
		return err
	}
	if err := unix.Mount(fdPath(src), fdPath(target), "", unix.MS_BIND|opts.flags&unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", source, err)
	}
	return m.afterMount(dest, target, opts)
}

// bindTarget creates the mount point: a directory for a directory source,
// an empty file for anything else.
func (m *mounter) bindTarget(dest string, src *os.File) (*os.File, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return nil, fmt.Errorf("stat bind source: %w", err)
	}
	var target *os.File
	var err error
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		target, err = m.root.mkdirAll(dest, 0o755)
	} else {
		target, err = m.root.createFile(dest)
	}
	if err != nil {
		return nil, fmt.Errorf("create mount point: %w", err)
	}
	return target, nil
}

// afterMount applies what the first mount(2) call cannot: bind flags need
// MS_REMOUNT|MS_BIND, recursive attributes mount_setattr(2), propagation a
// call of its own. All act on the new mount, so the destination is opened
// again and must now be that mount.
func (m *mounter) afterMount(dest string, under *os.File, opts mountOptions) error {
	flags := opts.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	if flags == 0 && opts.rec.Empty() && len(opts.propagation) == 0 {
		return nil
	}
	top, err := m.root.reopenMounted(dest, under)
	if err != nil {
		return err
	}
	defer top.Close()
	if flags != 0 {
		if err := remountBind(top, flags); err != nil {
			return err
		}
	}
	if err := setRecursiveAttr(top, opts.rec); err != nil {
		return err
	}
	return applyPropagation(top, opts.propagation)
}
