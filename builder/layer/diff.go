package layer

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// SourceDateEpoch, when set, clamps every mtime to it (reproducible builds).
	SourceDateEpoch *time.Time
}

// Diff writes the overlay upper dir as an uncompressed OCI layer tar to w:
// overlay whiteouts (char 0/0) become ".wh.<name>", opaque directories
// (trusted.overlay.opaque or user.overlay.opaque = y) get a
// "<dir>/.wh..wh..opq" entry right after their own. Entries are written
// depth first in name order with uname/gname empty and times truncated to the
// second (clamped to SourceDateEpoch), so equal trees give equal bytes. It
// returns the tar's sha256, the layer's diffID.
func Diff(upper string, w io.Writer, opts DiffOptions) (digest.Digest, error) {
	h := sha256.New()
	d := &differ{
		upper: upper,
		tw:    tar.NewWriter(io.MultiWriter(w, h)),
		opts:  opts,
		links: map[inode]string{},
	}
	if err := d.walk(""); err != nil {
		return "", fmt.Errorf("diff %s: %w", upper, err)
	}
	if err := d.tw.Close(); err != nil {
		return "", fmt.Errorf("diff %s: %w", upper, err)
	}
	return digest.NewDigest(digest.SHA256, h), nil
}

type inode struct{ dev, ino uint64 }

type differ struct {
	upper string
	tw    *tar.Writer
	opts  DiffOptions
	links map[inode]string // first tar name of each multiply-linked file
}

// walk writes the entries of the directory rel (relative to upper), sorted.
func (d *differ) walk(rel string) error {
	entries, err := os.ReadDir(filepath.Join(d.upper, rel))
	if err != nil {
		return err
	}
	for _, e := range entries { // ReadDir sorts by name
		if err := d.entry(path.Join(rel, e.Name())); err != nil {
			return fmt.Errorf("%s: %w", path.Join(rel, e.Name()), err)
		}
	}
	return nil
}

func (d *differ) entry(rel string) error {
	full := filepath.Join(d.upper, rel)
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0 {
		return d.marker(path.Join(path.Dir(rel), whiteoutPrefix+path.Base(rel)), &st)
	}
	hdr, err := d.header(full, rel, &st)
	if err != nil {
		return err
	}
	if err := d.tw.WriteHeader(hdr); err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
		return d.copyFile(full, hdr.Size)
	case tar.TypeDir:
		opaque, err := isOpaque(full)
		if err != nil {
			return err
		}
		if opaque {
			if err := d.marker(path.Join(rel, opaqueMarker), &st); err != nil {
				return err
			}
		}
		return d.walk(rel)
	}
	return nil
}

// marker writes an empty whiteout or opaque entry.
func (d *differ) marker(name string, st *unix.Stat_t) error {
	return d.tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		ModTime:  d.mtime(st),
	})
}

func (d *differ) mtime(st *unix.Stat_t) time.Time {
	t := time.Unix(st.Mtim.Sec, 0).UTC()
	if e := d.opts.SourceDateEpoch; e != nil && t.After(*e) {
		t = e.Truncate(time.Second).UTC()
	}
	return t
}

// header builds the tar header by hand (not tar.FileInfoHeader) so that
// nothing host-specific such as user names or atimes leaks into the layer.
func (d *differ) header(full, rel string, st *unix.Stat_t) (*tar.Header, error) {
	hdr := &tar.Header{
		Name:    rel,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: d.mtime(st),
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		id := inode{uint64(st.Dev), st.Ino}
		if first, ok := d.links[id]; ok && st.Nlink > 1 {
			hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
			return hdr, nil
		}
		if st.Nlink > 1 {
			d.links[id] = rel
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
	case unix.S_IFDIR:
		hdr.Typeflag, hdr.Name = tar.TypeDir, rel+"/"
	case unix.S_IFLNK:
		target, err := os.Readlink(full)
		if err != nil {
			return nil, err
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case unix.S_IFCHR, unix.S_IFBLK:
		hdr.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			hdr.Typeflag = tar.TypeBlock
		}
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	case unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
	default:
		return nil, fmt.Errorf("unsupported file type (mode %o)", st.Mode)
	}
	xattrs, err := readXattrs(full)
	if err != nil {
		return nil, err
	}
	if len(xattrs) > 0 {
		hdr.PAXRecords = map[string]string{}
		for k, v := range xattrs {
			hdr.PAXRecords[paxXattr+k] = v
		}
		hdr.Format = tar.FormatPAX
	}
	return hdr, nil
}

func (d *differ) copyFile(full string, size int64) error {
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(d.tw, io.LimitReader(f, size))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("file shrank while reading (%d of %d bytes)", n, size)
	}
	return nil
}
