package image

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hull-project/hull/builder/store"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type blobRef struct {
	hex  string
	desc ocispec.Descriptor
}

// exportLayout adds img to the layout at dir: blobs copied in (temp +
// rename), the manifest added to index.json replacing one with the same tag.
func exportLayout(s *store.Store, img *Image, dir, tag string) error {
	blobDir := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return err
	}
	layoutJSON, _ := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err := writeFileAtomic(filepath.Join(dir, ocispec.ImageLayoutFile), layoutJSON); err != nil {
		return err
	}
	for _, b := range img.blobs() {
		if err := copyBlob(s, b, filepath.Join(blobDir, b.hex)); err != nil {
			return err
		}
	}
	idx, err := readLayoutIndex(dir)
	if err != nil {
		return err
	}
	idxJSON, err := json.Marshal(addToIndex(idx, img.ManifestDesc, tag))
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ocispec.ImageIndexFile), idxJSON)
}

func readLayoutIndex(dir string) (ocispec.Index, error) {
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex}
	data, err := os.ReadFile(filepath.Join(dir, ocispec.ImageIndexFile))
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return idx, err
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return idx, fmt.Errorf("existing %s/index.json: %w", dir, err)
	}
	return idx, nil
}

// addToIndex puts the manifest into the index under tag; an untagged export
// replaces an untagged entry for the same manifest only.
func addToIndex(idx ocispec.Index, m ocispec.Descriptor, tag string) ocispec.Index {
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: m.Digest, Size: m.Size}
	if m.MediaType != "" {
		desc.MediaType = m.MediaType
	}
	if tag != "" {
		desc.Annotations = map[string]string{refNameAnnotation: tag}
	}
	kept := []ocispec.Descriptor{}
	for _, d := range idx.Manifests {
		t := d.Annotations[refNameAnnotation]
		if (tag != "" && t == tag) || (tag == "" && t == "" && d.Digest == m.Digest) {
			continue
		}
		kept = append(kept, d)
	}
	idx.Manifests = append(kept, desc)
	return idx
}

func copyBlob(s *store.Store, b blobRef, dst string) error {
	if fi, err := os.Stat(dst); err == nil && fi.Size() == b.desc.Size {
		return nil // content addressed: same name, same bytes
	}
	rc, err := s.OpenBlob(b.desc.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.CreateTemp(filepath.Dir(dst), ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		return fmt.Errorf("copy blob %s: %w", b.desc.Digest, err)
	}
	return os.Rename(f.Name(), dst)
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeOCIArchive writes a one-image OCI layout as tar entries.
func writeOCIArchive(s *store.Store, img *Image, tw *tar.Writer, tag string) error {
	mt := img.archiveTime()
	layoutJSON, _ := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err := tarBytes(tw, ocispec.ImageLayoutFile, layoutJSON, mt); err != nil {
		return err
	}
	idx := addToIndex(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex}, img.ManifestDesc, tag)
	idxJSON, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if err := tarBytes(tw, ocispec.ImageIndexFile, idxJSON, mt); err != nil {
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tarDir(tw, d, mt); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, b := range img.blobs() {
		if seen[b.hex] {
			continue
		}
		seen[b.hex] = true
		if err := tarBlob(s, tw, "blobs/sha256/"+b.hex, b.desc, mt); err != nil {
			return err
		}
	}
	return nil
}

func tarBlob(s *store.Store, tw *tar.Writer, name string, desc ocispec.Descriptor, mtime time.Time) error {
	rc, err := s.OpenBlob(desc.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	return tarStream(tw, name, rc, desc.Size, mtime)
}

func tarStream(tw *tar.Writer, name string, r io.Reader, size int64, mtime time.Time) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: mtime}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(tw, r)
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("archive %s: %d bytes, expected %d", name, n, size)
	}
	return nil
}
