package layer

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// maxSymlinks bounds symlink resolution (the kernel's own limit is 40).
const maxSymlinks = 40

// root is a directory we write into through fds, never through host paths,
// so that nothing the entries create can redirect a later write outside it.
type root struct {
	fd   int    // O_PATH fd of the directory
	path string // for error messages only
	// followLinks lets parent paths go through symlinks found in the tree, as
	// long as they resolve inside it (ADD into a rootfs with /bin -> usr/bin).
	// When false any symlink in a parent path is an error (layer unpacking).
	followLinks bool
}

func openRoot(dir string, followLinks bool) (*root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &root{fd: fd, path: dir, followLinks: followLinks}, nil
}

func (r *root) close() { unix.Close(r.fd) }

// cleanName turns a tar entry name into a clean relative path, refusing
// absolute names and names that climb out with "..". "" means the root.
func cleanName(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("absolute path %q is not allowed", name)
	}
	c := path.Clean(name)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %q leaves the target directory", name)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// openDir opens the directory rel (clean, relative) below the root, walking
// one component at a time with O_NOFOLLOW and creating missing directories
// (mode 0755) when create is set. The caller closes the returned fd.
func (r *root) openDir(rel string, create bool) (int, error) {
	fd, err := unix.Dup(r.fd)
	if err != nil {
		return -1, err
	}
	w := &walk{root: r, rel: rel, stack: []int{fd}}
	if err := w.run(splitPath(rel), create); err != nil {
		w.closeRange(0, len(w.stack))
		return -1, err
	}
	w.closeRange(0, len(w.stack)-1)
	return w.stack[len(w.stack)-1], nil
}

// walk is one openDir: the stack holds an fd per directory on the current
// path, so ".." (from a followed symlink) pops back without re-resolving.
type walk struct {
	root  *root
	rel   string
	stack []int
	links int
}

func (w *walk) run(todo []string, create bool) error {
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(w.stack) == 1 {
				return fmt.Errorf("%s: a symlink leads outside %s", w.rel, w.root.path)
			}
			w.closeRange(len(w.stack)-1, len(w.stack))
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		top := w.stack[len(w.stack)-1]
		next, err := openChildDir(top, c, create)
		if err == nil {
			w.stack = append(w.stack, next)
			continue
		}
		target, err := w.symlink(top, c, err)
		if err != nil {
			return err
		}
		todo = append(splitPath(target), todo...)
	}
	return nil
}

// symlink decides what to do with a component that is not a directory we
// could open: follow it (when allowed and staying inside) or refuse.
func (w *walk) symlink(dir int, c string, openErr error) (string, error) {
	target, err := readSymlink(dir, c)
	if err != nil {
		return "", fmt.Errorf("%s: component %q: %w", w.rel, c, openErr)
	}
	if !w.root.followLinks {
		return "", fmt.Errorf("%s: component %q is a symlink (to %q); refusing to write through it", w.rel, c, target)
	}
	if strings.HasPrefix(target, "/") {
		return "", fmt.Errorf("%s: component %q is a symlink to %q, outside %s", w.rel, c, target, w.root.path)
	}
	if w.links++; w.links > maxSymlinks {
		return "", fmt.Errorf("%s: too many levels of symlinks", w.rel)
	}
	return target, nil
}

// closeRange closes the fds stack[from:to].
func (w *walk) closeRange(from, to int) {
	for _, fd := range w.stack[from:to] {
		unix.Close(fd)
	}
}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// openChildDir opens dir/name without following a symlink, making it first
// if it is missing and create is set.
func openChildDir(dir int, name string, create bool) (int, error) {
	const flags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(dir, name, flags, 0)
	if errors.Is(err, unix.ENOENT) && create {
		if err := unix.Mkdirat(dir, name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return -1, fmt.Errorf("mkdir: %w", err)
		}
		fd, err = unix.Openat(dir, name, flags, 0)
	}
	return fd, err
}

// readSymlink returns name's target if name (in dir) is a symlink.
func readSymlink(dir int, name string) (string, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return "", errors.New("not a symlink")
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// fdPath names an entry inside an fd's directory for the few calls that have
// no *at form (xattrs); the /proc magic link is resolved by the kernel, and
// name itself is never a symlink we follow (callers use the l* variants).
func fdPath(dirfd int, name string) string {
	if name == "" {
		return fmt.Sprintf("/proc/self/fd/%d/.", dirfd)
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dirfd, name)
}

// removeEntry deletes whatever is at dir/name (a whole tree for a directory).
func removeEntry(dir int, name string) error {
	err := unix.Unlinkat(dir, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EPERM) {
		return os.RemoveAll(fdPath(dir, name))
	}
	return err
}
