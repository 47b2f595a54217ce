package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Finalize runs in the container's root after hostname and sysctls are set:
// /dev read-only if its mount says so, linux.readonlyPaths, linux.maskedPaths
// (missing paths are skipped), then / read-only if root.readonly.
func Finalize(spec *specs.Spec) error {
	if spec == nil {
		return errors.New("finalize rootfs: no spec given")
	}
	r, err := openRoot("/")
	if err != nil {
		return err
	}
	defer r.close()
	if err := remountDevReadonly(r, spec); err != nil {
		return err
	}
	if spec.Linux != nil {
		if err := readonlyPaths(r, spec.Linux.ReadonlyPaths); err != nil {
			return err
		}
		if err := maskPaths(r, spec.Linux.MaskedPaths); err != nil {
			return err
		}
	}
	if spec.Root != nil && spec.Root.Readonly {
		return remountRootReadonly()
	}
	return nil
}

// remountDevReadonly applies the ro that Setup left off a /dev mount so
// devices could be created in it.
func remountDevReadonly(r *root, spec *specs.Spec) error {
	for i, mnt := range spec.Mounts {
		opts, err := parseMountOptions(mnt.Options)
		if err != nil || filepath.Clean(mnt.Destination) != "/dev" || opts.flags&unix.MS_RDONLY == 0 {
			continue
		}
		if err := remountPath(r, "/dev", opts.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT)); err != nil {
			return fmt.Errorf("mounts[%d] (/dev) read-only: %w", i, err)
		}
	}
	return nil
}

func remountPath(r *root, path string, flags uintptr) error {
	if err := requireProc(); err != nil {
		return err
	}
	f, err := r.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return remountBind(f, flags)
}

func readonlyPaths(r *root, paths []string) error {
	for i, p := range paths {
		if err := readonlyPath(r, p); err != nil {
			return fmt.Errorf("linux.readonlyPaths[%d] (%s): %w", i, p, err)
		}
	}
	return nil
}

// readonlyPath binds a path onto itself and makes that mount read-only,
// keeping the nosuid/nodev/noexec it had.
func readonlyPath(r *root, path string) error {
	f, err := openKernelPath(r, path)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Mount(fdPath(f), fdPath(f), "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	top, err := r.reopenMounted(path, f)
	if err != nil {
		return err
	}
	defer top.Close()
	flags, err := lockedFlags(top)
	if err != nil {
		return err
	}
	return remountBind(top, flags&(unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC)|unix.MS_RDONLY)
}

func maskPaths(r *root, paths []string) error {
	var null *os.File
	defer func() {
		if null != nil {
			null.Close()
		}
	}()
	for i, p := range paths {
		f, err := openKernelPath(r, p)
		if err == nil && f != nil {
			err = maskPath(r, f, &null)
			f.Close()
		}
		if err != nil {
			return fmt.Errorf("linux.maskedPaths[%d] (%s): %w", i, p, err)
		}
	}
	return nil
}

// maskPath hides a directory under an empty read-only tmpfs and a file
// under /dev/null (opened once, and only if a file needs it).
func maskPath(r *root, f *os.File, null **os.File) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		const flags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
		if err := unix.Mount("tmpfs", fdPath(f), "tmpfs", flags, "mode=0755"); err != nil {
			return fmt.Errorf("mount empty tmpfs: %w", err)
		}
		return nil
	}
	if *null == nil {
		n, err := openDevNull(r)
		if err != nil {
			return err
		}
		*null = n
	}
	if err := unix.Mount(fdPath(*null), fdPath(f), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind /dev/null: %w", err)
	}
	return nil
}

// openDevNull opens the container's /dev/null and makes sure it really is
// the null device: a path swapped for something else would otherwise be
// bind-mounted over every masked file (the CVE-2025-31133 class).
func openDevNull(r *root) (*os.File, error) {
	f, err := r.open("/dev/null")
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		f.Close()
		return nil, errors.New("/dev/null is not the null device (char 1:3): refusing to mask with it")
	}
	return f, nil
}

// openKernelPath opens a masked or read-only path; it returns nil, nil when
// the path does not exist. A path in /proc or /sys must be on the kernel
// filesystem expected there, never on image content made to look like it.
func openKernelPath(r *root, path string) (*os.File, error) {
	if !filepath.IsAbs(path) {
		return nil, errors.New("path must be absolute")
	}
	f, err := r.open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := requireProc(); err != nil {
		f.Close()
		return nil, err
	}
	if err := checkKernelFS(r, f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// kernelFSMagics lists the filesystems allowed under /proc and /sys.
var kernelFSMagics = map[string][]int64{
	"/proc": {unix.PROC_SUPER_MAGIC, unix.BINFMTFS_MAGIC},
	"/sys": {unix.SYSFS_MAGIC, unix.CGROUP_SUPER_MAGIC, unix.CGROUP2_SUPER_MAGIC,
		unix.SECURITYFS_MAGIC, unix.SELINUX_MAGIC, unix.DEBUGFS_MAGIC, unix.TRACEFS_MAGIC,
		unix.PSTOREFS_MAGIC, unix.BPF_FS_MAGIC, fuseCtlMagic, unix.EFIVARFS_MAGIC},
}

func checkKernelFS(r *root, f *os.File) error {
	path, err := r.rel(f)
	if err != nil {
		return err
	}
	for prefix, magics := range kernelFSMagics {
		if path != prefix && !strings.HasPrefix(path, prefix+"/") {
			continue
		}
		var s unix.Statfs_t
		if err := unix.Fstatfs(int(f.Fd()), &s); err != nil {
			return fmt.Errorf("statfs %s: %w", path, err)
		}
		for _, m := range magics {
			if int64(s.Type) == m {
				return nil
			}
		}
		return fmt.Errorf("%s is on a filesystem with magic %#x, not a kernel filesystem: refusing", path, s.Type)
	}
	return nil
}

// requireProc checks /proc is procfs: mounts go through /proc/self/fd.
func requireProc() error {
	var s unix.Statfs_t
	if err := unix.Statfs("/proc/self/fd", &s); err != nil || int64(s.Type) != unix.PROC_SUPER_MAGIC {
		return errors.New("the container has no procfs at /proc: masked and read-only paths need it")
	}
	return nil
}

// remountRootReadonly makes / read-only, keeping flags that are locked in
// a user namespace.
func remountRootReadonly() error {
	const flags = unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY
	err := unix.Mount("", "/", "", flags, "")
	if errors.Is(err, unix.EPERM) {
		var s unix.Statfs_t
		if serr := unix.Statfs("/", &s); serr == nil {
			err = unix.Mount("", "/", "", flags|stFlagsToMS(s.Flags), "")
		}
	}
	if err != nil {
		return fmt.Errorf("remount / read-only: %w", err)
	}
	return nil
}

// fuseCtlMagic is FUSE_CTL_SUPER_MAGIC (/sys/fs/fuse/connections), missing from x/sys.
const fuseCtlMagic = 0x65735543
