package build

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// copyOpts says how copied entries are owned and moded.
type copyOpts struct {
	owner     *[2]int      // uid, gid for every entry; nil: see keepOwner
	keepOwner bool         // keep the source's owner (COPY --from); else root
	chmod     *fs.FileMode // mode for every entry, else the source's
	skip      func(hostPath string) bool
}

// destPath resolves dest (absolute inside rootfs) to a host path: its parent
// through securejoin, so no symlink of the rootfs leads out, and the last
// component as is, so an existing symlink there is replaced, not followed.
func destPath(rootfs, dest string) (string, error) {
	dest = path.Clean("/" + dest)
	if dest == "/" {
		return rootfs, nil
	}
	dir, err := securejoin.SecureJoin(rootfs, path.Dir(dest))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dest, err)
	}
	return filepath.Join(dir, path.Base(dest)), nil
}

// entryPath is where a copied entry goes. A directory merges into whatever
// directory target resolves to inside rootfs (so COPY dir/ /lib/ works when
// /lib is a symlink to usr/lib); anything else replaces the last component.
func entryPath(rootfs, target string, isDir bool) (string, error) {
	if isDir {
		p, err := securejoin.SecureJoin(rootfs, target)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", target, err)
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p, nil
		}
	}
	return destPath(rootfs, target)
}

// mkdirAllIn creates dir (absolute inside rootfs) and its missing parents.
func mkdirAllIn(rootfs, dir string) (string, error) {
	p, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	return p, nil
}

// copyInto copies the host tree src to dest inside rootfs: a file becomes
// dest, a directory's contents go into dest. Symlinks inside src are copied
// as symlinks, never followed.
func copyInto(rootfs, src, dest string, o copyOpts) error {
	var dirs []dirTimes
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if p != src && o.skip != nil && o.skip(p) {
			return nil // not SkipDir: a re-included path may be inside
		}
		rel, _ := filepath.Rel(src, p)
		target := path.Join(dest, filepath.ToSlash(rel))
		if _, err := mkdirAllIn(rootfs, path.Dir(target)); err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		full, err := entryPath(rootfs, target, fi.IsDir())
		if err != nil {
			return err
		}
		if fi.IsDir() {
			dirs = append(dirs, dirTimes{full, fi.ModTime()})
		}
		return copyEntry(p, full, fi, rel == "." && fi.IsDir(), o)
	})
	if err != nil {
		return err
	}
	// Directory times last: creating their children changed them.
	for _, d := range slices.Backward(dirs) {
		_ = os.Chtimes(d.path, d.mtime, d.mtime)
	}
	return nil
}

type dirTimes struct {
	path  string
	mtime time.Time
}

// copyEntry creates one entry at full. An existing top directory keeps its
// own metadata (COPY dir/ /usr/ must not chmod /usr).
func copyEntry(src, full string, fi fs.FileInfo, top bool, o copyOpts) error {
	existing, lerr := os.Lstat(full)
	if lerr == nil && fi.IsDir() && existing.IsDir() && top {
		return nil
	}
	if lerr == nil && !(fi.IsDir() && existing.IsDir()) {
		if existing.IsDir() {
			return fmt.Errorf("cannot replace directory %s with a file", full)
		}
		if err := os.Remove(full); err != nil {
			return err
		}
	}
	switch {
	case fi.IsDir():
		if err := os.Mkdir(full, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(target, full); err != nil {
			return err
		}
		return setOwner(full, fi, o)
	case fi.Mode().IsRegular():
		if err := copyFile(src, full); err != nil {
			return err
		}
	default:
		return nil // sockets, fifos, devices: not build inputs
	}
	if err := setOwner(full, fi, o); err != nil {
		return err
	}
	mode := fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	if o.chmod != nil {
		mode = *o.chmod
	}
	if err := os.Chmod(full, mode); err != nil {
		return err
	}
	return os.Chtimes(full, fi.ModTime(), fi.ModTime())
}

func setOwner(full string, fi fs.FileInfo, o copyOpts) error {
	uid, gid := 0, 0
	switch {
	case o.owner != nil:
		uid, gid = o.owner[0], o.owner[1]
	case o.keepOwner:
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	return os.Lchown(full, uid, gid)
}

// copyFile writes src's content to a new file dst, refusing to follow a
// symlink planted at dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
