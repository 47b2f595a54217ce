package image

import (
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Push uploads img (its manifest, config and layer blobs as stored) to a
// registry reference; loopback registries are spoken to over plain http.
func Push(s *store.Store, img *Image, dst string) error {
	ref, err := parseRef(dst)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	v1img, err := partial.CompressedToImage(&storeImage{s: s, img: img})
	if err != nil {
		return fmt.Errorf("push %s: %w", dst, err)
	}
	if err := remote.Write(ref, v1img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return fmt.Errorf("push %s: %w", dst, err)
	}
	return nil
}

// storeImage presents a stored image to go-containerregistry without
// re-encoding anything, so the pushed digests are the stored ones.
type storeImage struct {
	s   *store.Store
	img *Image
}

func (si *storeImage) RawConfigFile() ([]byte, error) {
	return si.s.ReadBlob(si.img.Manifest.Config.Digest)
}

func (si *storeImage) MediaType() (types.MediaType, error) {
	if mt := si.img.ManifestDesc.MediaType; mt != "" {
		return types.MediaType(mt), nil
	}
	return types.OCIManifestSchema1, nil
}

func (si *storeImage) RawManifest() ([]byte, error) {
	return si.s.ReadBlob(si.img.ManifestDesc.Digest)
}

func (si *storeImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	d := digest.Digest(h.String())
	if d == si.img.Manifest.Config.Digest {
		return &storeBlob{s: si.s, desc: si.img.Manifest.Config}, nil
	}
	for _, l := range si.img.Manifest.Layers {
		if l.Digest == d {
			return &storeBlob{s: si.s, desc: l}, nil
		}
	}
	return nil, fmt.Errorf("blob %s is not part of image %s", d, si.img.ManifestDesc.Digest)
}

type storeBlob struct {
	s    *store.Store
	desc ocispec.Descriptor
}

func (b *storeBlob) Digest() (v1.Hash, error)           { return v1.NewHash(b.desc.Digest.String()) }
func (b *storeBlob) Compressed() (io.ReadCloser, error) { return b.s.OpenBlob(b.desc.Digest) }
func (b *storeBlob) Size() (int64, error)               { return b.desc.Size, nil }
func (b *storeBlob) MediaType() (types.MediaType, error) {
	return types.MediaType(b.desc.MediaType), nil
}
