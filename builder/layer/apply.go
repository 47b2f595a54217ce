package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const paxXattr = "SCHILY.xattr."

// applier writes tar entries below a root.
type applier struct {
	root *root
	// whiteouts converts OCI whiteouts to overlay ones (layer mode).
	whiteouts bool
	chown     *Chown
	// lenientXattrs ignores xattrs the filesystem does not support (ADD).
	lenientXattrs bool
	// plainOnly refuses everything but directories and regular files (an
	// OCI archive: a symlink there could make a reader pick up host files).
	plainOnly bool
	dirTimes  []dirTime
}

// dirTime is applied after all entries: creating children changes a
// directory's mtime.
type dirTime struct {
	rel   string
	mtime time.Time
}

func (a *applier) applyAll(tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		if err := a.apply(hdr, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	return a.setDirTimes()
}

func (a *applier) apply(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if a.plainOnly && hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir {
		return fmt.Errorf("entry type %q is not allowed here (only files and directories)", string(hdr.Typeflag))
	}
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if a.whiteouts && strings.HasPrefix(base, whiteoutPrefix) {
		return a.applyWhiteout(dir, base)
	}
	if rel == "" {
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("the root can only be a directory")
		}
		if !a.whiteouts {
			return nil // an ADD archive's "./" must not change the destination
		}
	}
	parent, err := a.root.openDir(dir, true)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if err := a.create(parent, base, hdr, r); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeLink {
		return nil // shares the target's inode and metadata
	}
	return a.setMetadata(parent, base, rel, hdr)
}

// applyWhiteout turns ".wh.name" into an overlay whiteout (char 0/0) and
// ".wh..wh..opq" into the opaque xattr on its directory.
func (a *applier) applyWhiteout(dir, base string) error {
	parent, err := a.root.openDir(dir, true)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if base == opaqueMarker {
		if err := unix.Setxattr(fdPath(parent, ""), opaqueTrusted, []byte("y"), 0); err != nil {
			return fmt.Errorf("mark %s opaque: %w", dir, err)
		}
		return nil
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("invalid whiteout name %q", base)
	}
	if err := removeEntry(parent, name); err != nil {
		return fmt.Errorf("replace %s: %w", name, err)
	}
	if err := unix.Mknodat(parent, name, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("whiteout %s: %w", name, err)
	}
	return nil
}

// create makes the entry itself (replacing whatever non-directory was there).
func (a *applier) create(parent int, base string, hdr *tar.Header, r io.Reader) error {
	if base == "" {
		return nil // the root directory: metadata only
	}
	var st unix.Stat_t
	exists := unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
	if exists && hdr.Typeflag == tar.TypeDir && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil
	}
	if exists {
		if err := removeEntry(parent, base); err != nil {
			return fmt.Errorf("replace existing entry: %w", err)
		}
	}
	switch hdr.Typeflag {
	case tar.TypeReg: // the reader already maps the old TypeRegA to TypeReg
		return writeFile(parent, base, r)
	case tar.TypeDir:
		return unix.Mkdirat(parent, base, 0o700)
	case tar.TypeSymlink:
		// Never followed by us; inside the container it resolves in the
		// container's own root, so any target is acceptable.
		return unix.Symlinkat(hdr.Linkname, parent, base)
	case tar.TypeLink:
		return a.hardlink(parent, base, hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return mknod(parent, base, hdr)
	}
	return fmt.Errorf("unsupported entry type %q", string(hdr.Typeflag))
}

func writeFile(parent int, base string, r io.Reader) error {
	fd, err := unix.Openat(parent, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), base)
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// hardlink links base to another entry of the same tree; the target must
// be inside the root, reached without leaving it.
func (a *applier) hardlink(parent int, base, linkname string) error {
	target, err := cleanName(linkname)
	if err != nil {
		return fmt.Errorf("hardlink target: %w", err)
	}
	if target == "" {
		return fmt.Errorf("hardlink target %q is the root directory", linkname)
	}
	tdir, tbase := path.Split(target)
	tparent, err := a.root.openDir(strings.TrimSuffix(tdir, "/"), false)
	if err != nil {
		return fmt.Errorf("hardlink target %q: %w", linkname, err)
	}
	defer unix.Close(tparent)
	if err := unix.Linkat(tparent, tbase, parent, base, 0); err != nil {
		return fmt.Errorf("hardlink to %q: %w", linkname, err)
	}
	return nil
}

func mknod(parent int, base string, hdr *tar.Header) error {
	mode := uint32(hdr.Mode & 0o7777)
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode |= unix.S_IFCHR
	case tar.TypeBlock:
		mode |= unix.S_IFBLK
	default:
		mode |= unix.S_IFIFO
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	return unix.Mknodat(parent, base, mode, int(dev))
}

// setMetadata applies owner, mode, xattrs and times. Owner first: chown
// clears setuid/setgid bits that the chmod then restores.
func (a *applier) setMetadata(parent int, base, rel string, hdr *tar.Header) error {
	uid, gid := hdr.Uid, hdr.Gid
	if a.chown != nil {
		uid, gid = a.chown.UID, a.chown.GID
	}
	name, flags := base, unix.AT_SYMLINK_NOFOLLOW
	if base == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	if err := unix.Fchownat(parent, name, uid, gid, flags); err != nil {
		return fmt.Errorf("chown %d:%d: %w", uid, gid, err)
	}
	if hdr.Typeflag != tar.TypeSymlink {
		// fchmodat follows symlinks, but base was just created by us and is
		// not one; the /proc path also covers the root (base "").
		if err := unix.Chmod(fdPath(parent, base), uint32(hdr.Mode&0o7777)); err != nil {
			return fmt.Errorf("chmod %o: %w", hdr.Mode&0o7777, err)
		}
	}
	if err := a.setXattrs(parent, base, hdr); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeDir {
		a.dirTimes = append(a.dirTimes, dirTime{rel: rel, mtime: hdr.ModTime})
		return nil
	}
	return setTimes(parent, base, hdr.ModTime)
}

func (a *applier) setXattrs(parent int, base string, hdr *tar.Header) error {
	for k, v := range hdr.PAXRecords {
		if !strings.HasPrefix(k, paxXattr) {
			continue
		}
		name := strings.TrimPrefix(k, paxXattr)
		if isOverlayXattr(name) {
			continue // a layer must not smuggle in overlay redirects or opaque flags
		}
		err := unix.Lsetxattr(fdPath(parent, base), name, []byte(v), 0)
		if err != nil && a.lenientXattrs && (errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM)) {
			continue
		}
		if err != nil {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

func setTimes(parent int, base string, mtime time.Time) error {
	ts := unix.NsecToTimespec(mtime.UnixNano())
	flags := unix.AT_SYMLINK_NOFOLLOW
	if base == "" {
		base = "."
		flags = 0
	}
	if err := unix.UtimesNanoAt(parent, base, []unix.Timespec{ts, ts}, flags); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// setDirTimes runs last, deepest first, so no later write disturbs them.
func (a *applier) setDirTimes() error {
	for i := len(a.dirTimes) - 1; i >= 0; i-- {
		dt := a.dirTimes[i]
		dir, base := path.Split(dt.rel)
		parent, err := a.root.openDir(strings.TrimSuffix(dir, "/"), false)
		if err != nil {
			return fmt.Errorf("directory %q times: %w", dt.rel, err)
		}
		err = setTimes(parent, base, dt.mtime)
		unix.Close(parent)
		if err != nil {
			return fmt.Errorf("directory %q: %w", dt.rel, err)
		}
	}
	return nil
}
