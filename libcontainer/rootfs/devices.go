package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultDevices are created in every container whose /dev is not a bind
// of the host's, as runc and the runtime spec require.
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0},
}

// devSymlinks are the usual links into /proc; /dev/core is added only when
// the container mounts /proc.
var devSymlinks = [][2]string{
	{"/proc/self/fd", "fd"},
	{"/proc/self/fd/0", "stdin"},
	{"/proc/self/fd/1", "stdout"},
	{"/proc/self/fd/2", "stderr"},
}

// setupDev fills /dev: default and spec devices, the standard symlinks and
// ptmx pointing at the container's own devpts instance.
func (m *mounter) setupDev() error {
	if m.devIsHostBind() {
		return nil
	}
	dev, err := m.root.mkdirAll("/dev", 0o755)
	if err != nil {
		return fmt.Errorf("create /dev: %w", err)
	}
	defer dev.Close()
	if err := m.createDevices(); err != nil {
		return err
	}
	if err := devLinks(dev, m.mountsProc()); err != nil {
		return err
	}
	return ptmxLink(dev)
}

// devIsHostBind: a spec that bind-mounts /dev gets the host's, untouched.
func (m *mounter) devIsHostBind() bool {
	for _, mnt := range m.cfg.Spec.Mounts {
		if filepath.Clean(mnt.Destination) == "/dev" && isBindMount(mnt) {
			return true
		}
	}
	return false
}

func (m *mounter) mountsProc() bool {
	for _, mnt := range m.cfg.Spec.Mounts {
		if filepath.Clean(mnt.Destination) == "/proc" && mnt.Type == "proc" {
			return true
		}
	}
	return false
}

func isBindMount(mnt specs.Mount) bool {
	opts, err := parseMountOptions(mnt.Options)
	return mnt.Type == "bind" || (err == nil && opts.bind())
}

// createDevices makes the default devices, then the spec's (which may
// replace a default: same path, the spec wins).
func (m *mounter) createDevices() error {
	var devs []specs.LinuxDevice
	if m.cfg.Spec.Linux != nil {
		devs = m.cfg.Spec.Linux.Devices
	}
	// mknod's mode is filtered by the umask; the spec's mode must be exact.
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range defaultDevices {
		if specHasDevice(devs, d.Path) {
			continue
		}
		if err := m.createDevice(d); err != nil {
			return fmt.Errorf("default device %s: %w", d.Path, err)
		}
	}
	for i, d := range devs {
		if err := m.createDevice(d); err != nil {
			return fmt.Errorf("linux.devices[%d] (%s): %w", i, d.Path, err)
		}
	}
	return nil
}

func specHasDevice(devs []specs.LinuxDevice, path string) bool {
	for _, d := range devs {
		if filepath.Clean(d.Path) == path {
			return true
		}
	}
	return false
}

// createDevice makes one device node inside the root: mknod, or in a user
// namespace (where mknod is not allowed) a bind of the host's node.
func (m *mounter) createDevice(d specs.LinuxDevice) error {
	mode, err := deviceMode(d)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(d.Path) {
		return errors.New("path must be absolute")
	}
	path := filepath.Clean(d.Path)
	if m.cfg.InUserNS {
		if err := checkHostDevice(path, mode, d); err != nil {
			return err
		}
		return m.bind(path, path, mountOptions{})
	}
	dir, err := m.root.mkdirAll(filepath.Dir(path), 0o755)
	if err != nil {
		return fmt.Errorf("create parent: %w", err)
	}
	defer dir.Close()
	return mknodAt(dir, filepath.Base(path), mode, d)
}

// checkHostDevice makes sure the host node about to be bind-mounted is the
// device the spec describes, not some other file at that path.
func checkHostDevice(path string, mode uint32, d specs.LinuxDevice) error {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fmt.Errorf("host device to bind: %w", &os.PathError{Op: "stat", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != mode&unix.S_IFMT {
		return fmt.Errorf("host %s is not a device of type %q", path, d.Type)
	}
	if mode&unix.S_IFMT != unix.S_IFIFO && (int64(unix.Major(st.Rdev)) != d.Major || int64(unix.Minor(st.Rdev)) != d.Minor) {
		return fmt.Errorf("host %s is device %d:%d, not %d:%d", path, unix.Major(st.Rdev), unix.Minor(st.Rdev), d.Major, d.Minor)
	}
	return nil
}

// mknodAt replaces whatever is at name with the device node and sets its
// owner, never following a symlink.
func mknodAt(dir *os.File, name string, mode uint32, d specs.LinuxDevice) error {
	fd := int(dir.Fd())
	dev := int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
	err := unix.Mknodat(fd, name, mode, dev)
	if errors.Is(err, unix.EEXIST) {
		if err = unix.Unlinkat(fd, name, 0); err == nil {
			err = unix.Mknodat(fd, name, mode, dev)
		}
	}
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	uid, gid := 0, 0
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if err := unix.Fchownat(fd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	return nil
}

// deviceMode turns a spec device's type and fileMode into mknod's mode.
func deviceMode(d specs.LinuxDevice) (uint32, error) {
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode) & 0o7777
	}
	switch d.Type {
	case "c", "u":
		return unix.S_IFCHR | perm, nil
	case "b":
		return unix.S_IFBLK | perm, nil
	case "p":
		return unix.S_IFIFO | perm, nil
	}
	return 0, fmt.Errorf("type %q: must be c, u, b or p", d.Type)
}

func devLinks(dev *os.File, withProc bool) error {
	links := devSymlinks
	if withProc {
		links = append(links[:len(links):len(links)], [2]string{"/proc/kcore", "core"})
	}
	for _, l := range links {
		err := unix.Symlinkat(l[0], int(dev.Fd()), l[1])
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s: %w", l[1], err)
		}
	}
	return nil
}

// ptmxLink points /dev/ptmx at the container's devpts instance, so ptys
// opened inside come from it and not from the host's.
func ptmxLink(dev *os.File) error {
	fd := int(dev.Fd())
	if err := unix.Unlinkat(fd, "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	if err := unix.Symlinkat("pts/ptmx", fd, "ptmx"); err != nil {
		return fmt.Errorf("symlink /dev/ptmx: %w", err)
	}
	return nil
}
