package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrNotFound is wrapped by errors about missing blobs, layers and images.
var ErrNotFound = errors.New("not found")

// BlobPath is where the blob with digest d lives (whether or not it exists).
func (s *Store) BlobPath(d digest.Digest) string {
	return filepath.Join(s.root, "blobs", d.Algorithm().String(), d.Encoded())
}

// HasBlob reports whether the blob is present.
func (s *Store) HasBlob(d digest.Digest) bool {
	if d.Validate() != nil {
		return false
	}
	_, err := os.Stat(s.BlobPath(d))
	return err == nil
}

// OpenBlob opens a blob for reading.
func (s *Store) OpenBlob(d digest.Digest) (io.ReadCloser, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("open blob %q: %w", d, err)
	}
	f, err := os.Open(s.BlobPath(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return f, nil
}

// ReadBlob returns a (small) blob's content, checking its digest.
func (s *Store) ReadBlob(d digest.Digest) ([]byte, error) {
	rc, err := s.OpenBlob(d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", d, err)
	}
	if got := digest.FromBytes(data); got != d {
		return nil, fmt.Errorf("blob %s is corrupt: content hashes to %s", d, got)
	}
	return data, nil
}

// PutBlob stores r's content and returns its descriptor. The content is written
// to a temp file, fsynced and renamed to its digest, so a reader never sees a
// partial blob; storing a blob that is already present is cheap and harmless.
func (s *Store) PutBlob(r io.Reader, mediaType string) (ocispec.Descriptor, error) {
	tmp := s.tempName("blob")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("put blob: %w", err)
	}
	defer os.Remove(tmp) // no-op after the rename
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("put blob: write %s: %w", tmp, err)
	}
	d := digest.NewDigest(digest.SHA256, h)
	desc := ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: n}
	if s.HasBlob(d) {
		return desc, nil
	}
	if err := os.Rename(tmp, s.BlobPath(d)); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("put blob %s: %w", d, err)
	}
	if err := syncDir(filepath.Dir(s.BlobPath(d))); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("put blob %s: sync dir: %w", d, err)
	}
	return desc, nil
}

// PutBlobBytes is PutBlob for content already in memory.
func (s *Store) PutBlobBytes(data []byte, mediaType string) (ocispec.Descriptor, error) {
	return s.PutBlob(bytes.NewReader(data), mediaType)
}
