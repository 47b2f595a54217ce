package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// root is an open handle on the rootfs: every container path is resolved
// relative to it, never by string joining, so a symlink in the image cannot
// point a mount or a device node at the host (the CVE-2021-30465 class).
type root struct {
	path string   // real host path of the rootfs, no symlinks
	dir  *os.File // O_PATH handle on path
}

func openRoot(path string) (*root, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", path, err)
	}
	dir, err := os.OpenFile(real, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", path, err)
	}
	return &root{path: real, dir: dir}, nil
}

func (r *root) close() { r.dir.Close() }

// open resolves a container path inside the root and returns an O_PATH
// handle, checked again after the open to be inside the root.
func (r *root) open(path string) (*os.File, error) {
	f, err := openInRoot(r.dir, path, 0)
	if err != nil {
		return nil, err
	}
	if err := r.check(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mkdirAll creates a directory (and its parents) inside the root and
// returns an O_PATH handle on it.
func (r *root) mkdirAll(path string, mode os.FileMode) (*os.File, error) {
	f, err := r.mkdirIn(filepath.Clean("/"+path), mode, 0)
	if err != nil {
		return nil, err
	}
	if err := r.check(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// maxLinks bounds how often mkdirIn follows a symlink to nowhere, as the
// kernel's ELOOP limit does.
const maxLinks = 40

// mkdirIn makes the parent first, then the directory with mkdirat in the
// parent's handle, and resolves the whole path in the root again: a symlink
// met on the way is followed inside the root, never out of it. A symlink to
// a missing place (/var/run -> /run without /run) gets its target made, as
// runc does.
func (r *root) mkdirIn(path string, mode os.FileMode, links int) (*os.File, error) {
	f, err := openInRoot(r.dir, path, unix.O_DIRECTORY)
	if !errors.Is(err, os.ErrNotExist) {
		return f, err
	}
	if links > maxLinks {
		return nil, &os.PathError{Op: "mkdir", Path: path, Err: unix.ELOOP}
	}
	target, err := r.lexicalPath(path)
	if err != nil {
		return nil, err
	}
	if target != path {
		d, err := r.mkdirIn(target, mode, links+1)
		if err != nil {
			return nil, err
		}
		d.Close()
		return openInRoot(r.dir, path, unix.O_DIRECTORY)
	}
	parent, err := r.mkdirIn(filepath.Dir(path), mode, links)
	if err != nil {
		return nil, err
	}
	err = unix.Mkdirat(int(parent.Fd()), filepath.Base(path), uint32(mode.Perm()))
	parent.Close()
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, &os.PathError{Op: "mkdir", Path: path, Err: err}
	}
	return openInRoot(r.dir, path, unix.O_DIRECTORY)
}

// lexicalPath resolves the symlinks of a path that need not exist, inside
// the root (securejoin's walk), and returns the container path it names. It
// only picks names: everything is then created and opened through handles.
func (r *root) lexicalPath(path string) (string, error) {
	full, err := securejoin.SecureJoin(r.path, path)
	if err != nil {
		return "", fmt.Errorf("resolve %s in the rootfs: %w", path, err)
	}
	if !within(r.path, full) {
		return "", fmt.Errorf("%s resolved to %s, outside the rootfs %s: refusing", path, full, r.path)
	}
	return filepath.Clean("/" + strings.TrimPrefix(full, r.path)), nil
}

// reopenMounted opens dest again after a mount and checks it is a different
// mount from the one under it, i.e. the mount just made.
func (r *root) reopenMounted(dest string, under *os.File) (*os.File, error) {
	top, err := r.open(dest)
	if err != nil {
		return nil, fmt.Errorf("reopen after mount: %w", err)
	}
	before, err1 := mountID(under)
	after, err2 := mountID(top)
	if err := errors.Join(err1, err2); err != nil {
		top.Close()
		return nil, err
	}
	if before == after {
		top.Close()
		return nil, fmt.Errorf("%s changed while mounting: refusing", dest)
	}
	return top, nil
}

// createFile makes path an empty regular file if nothing is there yet, so a
// file can be bind-mounted on it, and returns an O_PATH handle on what is
// there now.
func (r *root) createFile(path string) (*os.File, error) {
	if f, err := r.open(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return f, err
	}
	// A dangling symlink here (/etc/localtime -> a missing zone file) gets
	// its target created, so the bind lands where the link points.
	target, err := r.lexicalPath(path)
	if err != nil {
		return nil, err
	}
	parent, err := r.mkdirAll(filepath.Dir(target), 0o755)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	if err := createAt(parent, filepath.Base(target)); err != nil {
		return nil, err
	}
	return r.open(path)
}

// openInRoot opens path as an O_PATH handle with openat2(RESOLVE_IN_ROOT):
// the kernel treats the root as "/" for every symlink and "..", so the
// lookup cannot leave it. One syscall, where pathrs (used on kernels
// without openat2) walks the path in user space and verifies each step.
func openInRoot(root *os.File, path string, flags uint64) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC | flags,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range 8 {
		fd, err := unix.Openat2(int(root.Fd()), path, &how)
		switch {
		case err == nil:
			return os.NewFile(uintptr(fd), path), nil
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			continue // a concurrent rename raced the lookup of ".."
		case errors.Is(err, unix.ENOSYS):
			return pathrs.OpenatInRoot(root, path)
		default:
			return nil, &os.PathError{Op: "openat2", Path: path, Err: err}
		}
	}
	return nil, &os.PathError{Op: "openat2", Path: path, Err: unix.EAGAIN}
}

// createAt creates an empty file in dir without following a symlink there.
func createAt(dir *os.File, name string) error {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return unix.Close(fd)
}

// check makes sure an opened handle really is inside the root: the kernel's
// view of its path must start with the root's path.
func (r *root) check(f *os.File) error {
	if r.path == "/" {
		return nil // after pivot_root everything is inside; no /proc needed
	}
	real, err := os.Readlink(fdPath(f))
	if err != nil {
		return fmt.Errorf("check %s: %w", f.Name(), err)
	}
	if !within(r.path, real) {
		return fmt.Errorf("%s resolved to %s, outside the rootfs %s: refusing", f.Name(), real, r.path)
	}
	return nil
}

// rel turns a handle's real host path back into its container path.
func (r *root) rel(f *os.File) (string, error) {
	real, err := os.Readlink(fdPath(f))
	if err != nil {
		return "", err
	}
	if !within(r.path, real) {
		return "", fmt.Errorf("%s is outside the rootfs %s", real, r.path)
	}
	return "/" + strings.TrimPrefix(strings.TrimPrefix(real, r.path), "/"), nil
}

func within(root, path string) bool {
	return root == "/" || path == root || strings.HasPrefix(path, root+"/")
}

// fdPath names a handle through procfs, so mount(2) acts on exactly the
// inode that was opened and checked, not on whatever a path resolves to later.
func fdPath(f *os.File) string {
	return "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
}

// noSymlinks refuses a destination that has a symlink in any existing
// component: /proc and /sys must be mounted where they appear to be.
func (r *root) noSymlinks(path string) error {
	dir, err := unix.Dup(int(r.dir.Fd()))
	if err != nil {
		return err
	}
	defer func() { unix.Close(dir) }()
	cur := ""
	for _, name := range strings.Split(strings.Trim(filepath.Clean(path), "/"), "/") {
		if name == "" {
			continue
		}
		cur += "/" + name
		fd, err := unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("open %s: %w", cur, err)
		}
		unix.Close(dir)
		dir = fd
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("stat %s: %w", cur, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return fmt.Errorf("%s is a symlink: refusing to mount there", cur)
		}
	}
	return nil
}
