package image

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is an image in the store: its manifest, config and manifest descriptor.
type Image struct {
	Manifest     ocispec.Manifest
	Config       ocispec.Image
	ManifestDesc ocispec.Descriptor
}

// Scratch is the empty image FROM scratch starts from: no layers, this
// host's platform.
func Scratch() *Image {
	return &Image{
		Config: ocispec.Image{
			Platform: ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH},
			RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{}},
		},
		Manifest: ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest},
	}
}

// Load reads an image from the store by name, digest or id prefix.
func Load(s *store.Store, ref string) (*Image, error) {
	desc, err := s.Resolve(ref)
	if err != nil {
		return nil, fmt.Errorf("load image: %w", err)
	}
	img, err := loadDesc(s, desc)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", ref, err)
	}
	return img, nil
}

func loadDesc(s *store.Store, desc ocispec.Descriptor) (*Image, error) {
	img := &Image{ManifestDesc: desc}
	if err := readJSON(s, desc.Digest, &img.Manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := readJSON(s, img.Manifest.Config.Digest, &img.Config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if n, m := len(img.Config.RootFS.DiffIDs), len(img.Manifest.Layers); n != m {
		return nil, fmt.Errorf("config lists %d diff ids but the manifest %d layers", n, m)
	}
	return img, nil
}

func readJSON(s *store.Store, d digest.Digest, v any) error {
	data, err := s.ReadBlob(d)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	return nil
}

// ChainIDs returns the chain id of each layer, bottom first; the last one
// names the whole stack (the build cache keys on it).
func (img *Image) ChainIDs() []digest.Digest {
	return store.ChainIDs(img.Config.RootFS.DiffIDs)
}

// TopChainID is the chain id of the top layer ("" for an image without layers).
func (img *Image) TopChainID() digest.Digest {
	ids := img.ChainIDs()
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}
