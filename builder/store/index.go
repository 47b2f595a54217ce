package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageRecord is one image the store knows by name.
type ImageRecord struct {
	Names    []string           `json:"names"`
	Manifest ocispec.Descriptor `json:"manifest"`
	Created  time.Time          `json:"created"`
	Size     int64              `json:"size"` // manifest + config + layer blobs
}

type indexFile struct {
	Images []ImageRecord `json:"images"`
}

func (s *Store) indexPath() string { return filepath.Join(s.root, "index.json") }

func (s *Store) readIndex() (indexFile, error) {
	var idx indexFile
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return idx, fmt.Errorf("read image index: %w", err)
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return idx, fmt.Errorf("image index %s is corrupt: %w", s.indexPath(), err)
	}
	return idx, nil
}

func (s *Store) writeIndex(idx indexFile) error {
	data, err := json.MarshalIndent(idx, "", "\t")
	if err != nil {
		return err
	}
	if err := s.writeFileAtomic(s.indexPath(), data); err != nil {
		return fmt.Errorf("write image index: %w", err)
	}
	return nil
}

// updateIndex is the one read-modify-write path for index.json.
func (s *Store) updateIndex(fn func(*indexFile) error) error {
	return s.withLock(func() error {
		idx, err := s.readIndex()
		if err != nil {
			return err
		}
		if err := fn(&idx); err != nil {
			return err
		}
		return s.writeIndex(idx)
	})
}

// NormalizeName adds ":latest" to a name without a tag or digest, so "app"
// and "app:latest" are the same image.
func NormalizeName(name string) string {
	if strings.Contains(name, "@") {
		return name
	}
	last := name[strings.LastIndex(name, "/")+1:]
	if !strings.Contains(last, ":") {
		return name + ":latest"
	}
	return name
}

func validName(name string) error {
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return fmt.Errorf("invalid image name %q", name)
	}
	if _, err := digest.Parse(name); err == nil {
		return fmt.Errorf("invalid image name %q: a digest cannot be a name", name)
	}
	return nil
}

// Tag points name at the image manifest (already stored as a blob); the name
// is moved from any image that had it.
func (s *Store) Tag(name string, manifest ocispec.Descriptor) error {
	if err := validName(name); err != nil {
		return err
	}
	name = NormalizeName(name)
	return s.updateIndex(func(idx *indexFile) error {
		// Checked under the lock, so a concurrent Prune cannot remove the
		// image between the check and the index update.
		created, size, err := s.imageInfo(manifest.Digest)
		if err != nil {
			return fmt.Errorf("tag %s: %w", name, err)
		}
		removeName(idx, name)
		for i := range idx.Images {
			if idx.Images[i].Manifest.Digest == manifest.Digest {
				idx.Images[i].Names = append(idx.Images[i].Names, name)
				sort.Strings(idx.Images[i].Names)
				return nil
			}
		}
		idx.Images = append(idx.Images, ImageRecord{Names: []string{name}, Manifest: manifest, Created: created, Size: size})
		return nil
	})
}

// removeName drops name from every record, and records left without names.
func removeName(idx *indexFile, name string) bool {
	found := false
	kept := idx.Images[:0]
	for _, rec := range idx.Images {
		names := rec.Names[:0]
		for _, n := range rec.Names {
			if n == name {
				found = true
				continue
			}
			names = append(names, n)
		}
		rec.Names = names
		if len(names) > 0 {
			kept = append(kept, rec)
		}
	}
	idx.Images = kept
	return found
}

// Untag removes a name; the image's blobs stay until Prune.
func (s *Store) Untag(name string) error {
	name = NormalizeName(name)
	return s.updateIndex(func(idx *indexFile) error {
		if !removeName(idx, name) {
			return fmt.Errorf("untag %s: image %w", name, ErrNotFound)
		}
		return nil
	})
}

// Images lists the tagged images, newest first.
func (s *Store) Images() ([]ImageRecord, error) {
	var idx indexFile
	err := s.withLock(func() (err error) {
		idx, err = s.readIndex()
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(idx.Images, func(i, j int) bool { return idx.Images[i].Created.After(idx.Images[j].Created) })
	return idx.Images, nil
}

// Resolve finds an image's manifest by name, by full digest (tagged or just
// present as a manifest blob), or by a unique hex prefix (at least 6
// characters) of a tagged image's manifest digest.
func (s *Store) Resolve(ref string) (ocispec.Descriptor, error) {
	imgs, err := s.Images()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if d, err := digest.Parse(ref); err == nil {
		for _, rec := range imgs {
			if rec.Manifest.Digest == d {
				return rec.Manifest, nil
			}
		}
		return s.untaggedManifest(d)
	}
	name := NormalizeName(ref)
	for _, rec := range imgs {
		for _, n := range rec.Names {
			if n == name {
				return rec.Manifest, nil
			}
		}
	}
	return resolvePrefix(imgs, ref)
}

func resolvePrefix(imgs []ImageRecord, ref string) (ocispec.Descriptor, error) {
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) < 6 || strings.Trim(prefix, "0123456789abcdef") != "" {
		return ocispec.Descriptor{}, fmt.Errorf("image %q: %w", ref, ErrNotFound)
	}
	var match []ocispec.Descriptor
	for _, rec := range imgs {
		if strings.HasPrefix(rec.Manifest.Digest.Encoded(), prefix) {
			match = append(match, rec.Manifest)
		}
	}
	switch len(match) {
	case 0:
		return ocispec.Descriptor{}, fmt.Errorf("image %q: %w", ref, ErrNotFound)
	case 1:
		return match[0], nil
	}
	return ocispec.Descriptor{}, fmt.Errorf("image id prefix %q is ambiguous (%d images)", ref, len(match))
}

// untaggedManifest builds a descriptor for a manifest blob no name points at
// (a cached build result, say).
func (s *Store) untaggedManifest(d digest.Digest) (ocispec.Descriptor, error) {
	data, err := s.ReadBlob(d)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("image %s: %w", d, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Config.Digest == "" {
		return ocispec.Descriptor{}, fmt.Errorf("blob %s is not an image manifest", d)
	}
	mt := m.MediaType
	if mt == "" {
		mt = ocispec.MediaTypeImageManifest
	}
	return ocispec.Descriptor{MediaType: mt, Digest: d, Size: int64(len(data))}, nil
}

// imageInfo reads a stored manifest and its config for the index record.
func (s *Store) imageInfo(d digest.Digest) (time.Time, int64, error) {
	m, err := s.readManifest(d)
	if err != nil {
		return time.Time{}, 0, err
	}
	size := m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	data, err := s.ReadBlob(m.Config.Digest)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("image config: %w", err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return time.Time{}, 0, fmt.Errorf("image config %s: %w", m.Config.Digest, err)
	}
	created := time.Now().UTC()
	if cfg.Created != nil {
		created = *cfg.Created
	}
	return created, size, nil
}

func (s *Store) readManifest(d digest.Digest) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	data, err := s.ReadBlob(d)
	if err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("manifest %s: %w", d, err)
	}
	if m.Config.Digest == "" {
		return m, fmt.Errorf("blob %s is not an image manifest (no config)", d)
	}
	return m, nil
}
