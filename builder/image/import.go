package image

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// importImage copies a go-containerregistry image into the store as an OCI
// image. Layer blobs are kept byte for byte (docker media types renamed to
// their OCI equivalents); with uncompress set (docker archives, whose layers
// are usually plain tars) layers are stored uncompressed instead. An OCI
// manifest that needs no change is stored as is, so its digest survives.
func importImage(s *store.Store, src v1.Image, uncompress bool) (*Image, error) {
	rawCfg, err := src.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfgDesc, err := s.PutBlobBytes(rawCfg, ocispec.MediaTypeImageConfig)
	if err != nil {
		return nil, err
	}
	if want, err := src.ConfigName(); err != nil || want.String() != cfgDesc.Digest.String() {
		return nil, fmt.Errorf("config hashes to %s, the manifest says %v (%v)", cfgDesc.Digest, want, err)
	}
	srcLayers, err := src.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	layers := make([]ocispec.Descriptor, len(srcLayers))
	for i, l := range srcLayers {
		if layers[i], err = importLayer(s, l, uncompress); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	mt, err := src.MediaType()
	if err != nil {
		return nil, err
	}
	if mt == types.OCIManifestSchema1 && !uncompress {
		if raw, err := src.RawManifest(); err == nil {
			desc, err := s.PutBlobBytes(raw, ocispec.MediaTypeImageManifest)
			if err != nil {
				return nil, err
			}
			return loadDesc(s, desc)
		}
	}
	var cfg ocispec.Image
	if err := readJSON(s, cfgDesc.Digest, &cfg); err != nil {
		return nil, err
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, fmt.Errorf("config lists %d diff ids for %d layers", len(cfg.RootFS.DiffIDs), len(layers))
	}
	// The config blob is kept byte for byte: re-encoding it through
	// ocispec.Image would drop docker's extra fields (Healthcheck, OnBuild,
	// Shell) that FROM must inherit.
	cfgDesc.MediaType = ocispec.MediaTypeImageConfig
	return putManifest(s, cfg, cfgDesc, layers)
}

func importLayer(s *store.Store, l v1.Layer, uncompress bool) (ocispec.Descriptor, error) {
	if uncompress {
		rc, err := l.Uncompressed()
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		defer rc.Close()
		return s.PutBlob(rc, ocispec.MediaTypeImageLayer)
	}
	mt, err := l.MediaType()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	ociType, err := ociLayerType(mt)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	want, err := l.Digest()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if d := digest.Digest(want.String()); s.HasBlob(d) {
		size, err := l.Size()
		return ocispec.Descriptor{MediaType: ociType, Digest: d, Size: size}, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer rc.Close()
	desc, err := s.PutBlob(rc, ociType)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if desc.Digest.String() != want.String() {
		return ocispec.Descriptor{}, fmt.Errorf("blob content hashes to %s, expected %s", desc.Digest, want)
	}
	return desc, nil
}

func ociLayerType(mt types.MediaType) (string, error) {
	switch mt {
	case types.DockerLayer, types.OCILayer:
		return ocispec.MediaTypeImageLayerGzip, nil
	case types.DockerUncompressedLayer, types.OCIUncompressedLayer:
		return ocispec.MediaTypeImageLayer, nil
	case types.OCILayerZStd:
		return ocispec.MediaTypeImageLayerZstd, nil
	}
	return "", fmt.Errorf("unsupported layer media type %s", mt)
}
