package image

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// LayerDirs makes sure every layer of img is unpacked in the store (one dir
// per chain id) and returns those dirs bottom first (overlay's lowerdir
// option wants them top first: reverse before joining).
func (img *Image) LayerDirs(s *store.Store) ([]string, error) {
	if n, m := len(img.Config.RootFS.DiffIDs), len(img.Manifest.Layers); n != m {
		return nil, fmt.Errorf("image %s: config lists %d diff ids but the manifest %d layers", img.ManifestDesc.Digest, n, m)
	}
	dirs := make([]string, 0, len(img.Manifest.Layers))
	var parent digest.Digest
	for i, l := range img.Manifest.Layers {
		want := img.Config.RootFS.DiffIDs[i]
		chain := store.ChainID(parent, want)
		dir, ok := s.LayerDir(chain)
		if !ok {
			var err error
			if dir, err = unpackLayer(s, parent, want, l); err != nil {
				return nil, fmt.Errorf("layer %d (%s): %w", i, l.Digest, err)
			}
		}
		dirs = append(dirs, dir)
		parent = chain
	}
	return dirs, nil
}

func unpackLayer(s *store.Store, parent, want digest.Digest, l ocispec.Descriptor) (string, error) {
	rc, err := s.OpenBlob(l.Digest)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	tmp, err := s.TempDir("unpack")
	if err != nil {
		return "", err
	}
	got, err := layer.Unpack(rc, tmp)
	if err == nil && got != want {
		err = fmt.Errorf("content hashes to %s but the image config says %s", got, want)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	chain, err := s.AddLayer(parent, got, tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	dir, _ := s.LayerDir(chain)
	return dir, nil
}
