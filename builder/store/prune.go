package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Prune removes the blobs and unpacked layers no tagged image references, the
// cache records pointing at removed blobs, and stale temps. It returns how
// many blobs and layers it removed.
func (s *Store) Prune() (int, error) {
	removed := 0
	err := s.withLock(func() error {
		idx, err := s.readIndex()
		if err != nil {
			return err
		}
		blobs, chains, err := s.referenced(idx)
		if err != nil {
			return err
		}
		n, err := s.pruneBlobs(blobs)
		removed += n
		if err != nil {
			return err
		}
		n, err = s.pruneLayers(chains)
		removed += n
		if err != nil {
			return err
		}
		if err := s.pruneCache(); err != nil {
			return err
		}
		return s.cleanTemps()
	})
	return removed, err
}

// referenced collects every blob and chain id the tagged images need.
func (s *Store) referenced(idx indexFile) (map[digest.Digest]bool, map[digest.Digest]bool, error) {
	blobs := map[digest.Digest]bool{}
	chains := map[digest.Digest]bool{}
	for _, rec := range idx.Images {
		m, err := s.readManifest(rec.Manifest.Digest)
		if errors.Is(err, ErrNotFound) {
			continue // a record whose manifest is gone keeps nothing alive
		}
		if err != nil {
			return nil, nil, fmt.Errorf("prune: image %v: %w", rec.Names, err)
		}
		blobs[rec.Manifest.Digest] = true
		blobs[m.Config.Digest] = true
		for _, l := range m.Layers {
			blobs[l.Digest] = true
		}
		data, err := s.ReadBlob(m.Config.Digest)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("prune: image %v: %w", rec.Names, err)
		}
		var cfg ocispec.Image
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, nil, fmt.Errorf("prune: image %v config: %w", rec.Names, err)
		}
		for _, c := range ChainIDs(cfg.RootFS.DiffIDs) {
			chains[c] = true
		}
	}
	return blobs, chains, nil
}

func (s *Store) pruneBlobs(keep map[digest.Digest]bool) (int, error) {
	dir := filepath.Join(s.root, "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("prune blobs: %w", err)
	}
	n := 0
	for _, e := range entries {
		if keep[digest.NewDigestFromEncoded(digest.SHA256, e.Name())] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return n, fmt.Errorf("prune blob %s: %w", e.Name(), err)
		}
		n++
	}
	return n, nil
}

func (s *Store) pruneLayers(keep map[digest.Digest]bool) (int, error) {
	entries, err := os.ReadDir(filepath.Join(s.root, "layers", "sha256"))
	if err != nil {
		return 0, fmt.Errorf("prune layers: %w", err)
	}
	n := 0
	for _, e := range entries {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if keep[d] {
			continue
		}
		if err := s.removeLayer(d); err != nil {
			return n, fmt.Errorf("prune: %w", err)
		}
		n++
	}
	return n, nil
}

// pruneCache drops records whose value is a digest of a blob that is gone:
// they could only produce cache hits on missing content.
func (s *Store) pruneCache() error {
	dir := filepath.Join(s.root, "cache")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("prune cache: %w", err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		d, err := digest.Parse(string(data))
		if err != nil || s.HasBlob(d) {
			continue
		}
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("prune cache record %s: %w", p, err)
		}
	}
	return nil
}
