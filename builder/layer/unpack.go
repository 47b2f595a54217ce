package layer

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
)

// Unpack applies a layer tar stream (gzip/zstd/... or uncompressed, detected)
// into dir, one layer dir meant as an overlay lowerdir: OCI whiteouts become
// overlay whiteouts (char 0/0), opaque markers the trusted.overlay.opaque
// xattr. Entries whose path or hardlink target would leave dir, or whose
// parent path goes through a symlink, are refused with an error naming them.
// It returns the diffID (sha256 of the uncompressed tar).
func Unpack(r io.Reader, dir string) (digest.Digest, error) {
	rc, _, err := Decompress(r)
	if err != nil {
		return "", fmt.Errorf("unpack layer into %s: %w", dir, err)
	}
	defer rc.Close()
	rt, err := openRoot(dir, false)
	if err != nil {
		return "", fmt.Errorf("unpack layer: %w", err)
	}
	defer rt.close()
	h := sha256.New()
	tee := io.TeeReader(rc, h)
	a := &applier{root: rt, whiteouts: true}
	if err := a.applyAll(tar.NewReader(tee)); err != nil {
		return "", fmt.Errorf("unpack layer into %s: %w", dir, err)
	}
	// The diffID covers the whole stream, including the padding after the
	// end-of-archive marker that tar.Reader does not consume.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return "", fmt.Errorf("unpack layer into %s: read: %w", dir, err)
	}
	return digest.NewDigest(digest.SHA256, h), nil
}
