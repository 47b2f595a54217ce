package layer

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
)

// Chown overrides the owner of every extracted entry (ADD --chown).
type Chown struct{ UID, GID int }

// ExtractArchive extracts a local archive (tar, optionally gz, bz2, xz or zst)
// into dest, for ADD: no whiteout conversion, the archive's owners kept
// unless chown is set. Entry names must stay inside dest; a symlink in a
// parent path is followed only while it resolves inside dest (so /bin ->
// usr/bin in a rootfs works), anything else is refused with an error naming
// the entry.
func ExtractArchive(r io.Reader, dest string, chown *Chown) error {
	rc, _, err := Decompress(r)
	if err != nil {
		return fmt.Errorf("extract into %s: %w", dest, err)
	}
	defer rc.Close()
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	rt, err := openRoot(dest, true)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	defer rt.close()
	a := &applier{root: rt, chown: chown, lenientXattrs: true}
	if err := a.applyAll(tar.NewReader(rc)); err != nil {
		return fmt.Errorf("extract into %s: %w", dest, err)
	}
	return nil
}

// ExtractPlain extracts an archive that may only hold directories and
// regular files (an OCI image archive) into dest, owned by the caller;
// symlinks, hardlinks and devices are refused, so nothing read from dest
// afterwards can lead outside it.
func ExtractPlain(r io.Reader, dest string) error {
	rc, _, err := Decompress(r)
	if err != nil {
		return fmt.Errorf("extract into %s: %w", dest, err)
	}
	defer rc.Close()
	rt, err := openRoot(dest, false)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	defer rt.close()
	a := &applier{root: rt, plainOnly: true, chown: &Chown{UID: os.Getuid(), GID: os.Getgid()}, lenientXattrs: true}
	if err := a.applyAll(tar.NewReader(rc)); err != nil {
		return fmt.Errorf("extract into %s: %w", dest, err)
	}
	return nil
}

// IsArchive reports whether the file is a tar archive, plain or compressed
// with one of the compressions Decompress knows (ADD extracts those and
// copies anything else as is).
func IsArchive(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("is archive: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("is archive: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return false, nil
	}
	rc, _, err := Decompress(f)
	if err != nil {
		return false, nil // compressed-looking but undecodable: not an archive
	}
	defer rc.Close()
	// A valid first header (its checksum matches) makes it a tar; an empty
	// archive or any read error means we copy the file instead.
	_, err = tar.NewReader(rc).Next()
	return err == nil, nil
}
