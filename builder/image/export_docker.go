package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerManifest is one entry of a docker archive's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// writeDockerArchive writes the classic `docker save` format: the config as
// <hex>.json, each layer uncompressed as <diffID hex>/layer.tar, and
// manifest.json tying them together.
func writeDockerArchive(s *store.Store, img *Image, tw *tar.Writer, tag string) error {
	mt := img.archiveTime()
	cfgName := img.Manifest.Config.Digest.Encoded() + ".json"
	if err := tarBlob(s, tw, cfgName, img.Manifest.Config, mt); err != nil {
		return err
	}
	dm := dockerManifest{Config: cfgName}
	if tag != "" {
		dm.RepoTags = []string{store.NormalizeName(tag)}
	}
	seen := map[string]bool{}
	for i, l := range img.Manifest.Layers {
		dir := img.Config.RootFS.DiffIDs[i].Encoded()
		dm.Layers = append(dm.Layers, dir+"/layer.tar")
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if err := tarDir(tw, dir+"/", mt); err != nil {
			return err
		}
		if err := tarLayerUncompressed(s, tw, dir+"/layer.tar", l, mt); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
	}
	data, err := json.Marshal([]dockerManifest{dm})
	if err != nil {
		return err
	}
	return tarBytes(tw, "manifest.json", data, mt)
}

// tarLayerUncompressed needs the uncompressed size before writing the entry:
// an uncompressed blob has it, a compressed one is inflated to a temp file.
func tarLayerUncompressed(s *store.Store, tw *tar.Writer, name string, l ocispec.Descriptor, mt time.Time) error {
	if l.MediaType == ocispec.MediaTypeImageLayer {
		return tarBlob(s, tw, name, l, mt)
	}
	rc, err := s.OpenBlob(l.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	plain, _, err := layer.Decompress(rc)
	if err != nil {
		return err
	}
	defer plain.Close()
	dir, err := s.TempDir("docker-archive")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f, err := os.CreateTemp(dir, "layer-")
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := io.Copy(f, plain)
	if err != nil {
		return fmt.Errorf("inflate %s: %w", l.Digest, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return tarStream(tw, name, f, size, mt)
}
