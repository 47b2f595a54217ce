package image

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Commit writes the config and manifest blobs for an image made of layers
// (descriptors of layer blobs already in the store, bottom first). When
// cfg.RootFS.DiffIDs is empty the diff ids are computed from the blobs;
// otherwise there must be one per layer.
func Commit(s *store.Store, cfg ocispec.Image, layers []ocispec.Descriptor) (*Image, error) {
	if len(cfg.RootFS.DiffIDs) == 0 && len(layers) > 0 {
		ids, err := diffIDs(s, layers)
		if err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
		cfg.RootFS.DiffIDs = ids
	}
	if n := len(cfg.RootFS.DiffIDs); n != len(layers) {
		return nil, fmt.Errorf("commit: config has %d diff ids for %d layers", n, len(layers))
	}
	if cfg.RootFS.DiffIDs == nil {
		cfg.RootFS.DiffIDs = []digest.Digest{}
	}
	cfg.RootFS.Type = "layers"
	for _, l := range layers {
		if !s.HasBlob(l.Digest) {
			return nil, fmt.Errorf("commit: layer blob %s is not in the store", l.Digest)
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("commit: config: %w", err)
	}
	cfgDesc, err := s.PutBlobBytes(cfgJSON, ocispec.MediaTypeImageConfig)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return putManifest(s, cfg, cfgDesc, layers)
}

// putManifest stores the manifest for an already stored config blob.
func putManifest(s *store.Store, cfg ocispec.Image, cfgDesc ocispec.Descriptor, layers []ocispec.Descriptor) (*Image, error) {
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    cfgDesc,
		Layers:    layers,
	}
	mJSON, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("commit: manifest: %w", err)
	}
	mDesc, err := s.PutBlobBytes(mJSON, ocispec.MediaTypeImageManifest)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return &Image{Manifest: m, Config: cfg, ManifestDesc: mDesc}, nil
}

// diffIDs hashes each layer blob uncompressed.
func diffIDs(s *store.Store, layers []ocispec.Descriptor) ([]digest.Digest, error) {
	out := make([]digest.Digest, len(layers))
	for i, l := range layers {
		rc, err := s.OpenBlob(l.Digest)
		if err != nil {
			return nil, err
		}
		d, err := uncompressedDigest(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.Digest, err)
		}
		out[i] = d
	}
	return out, nil
}

func uncompressedDigest(r io.Reader) (digest.Digest, error) {
	rc, _, err := layer.Decompress(r)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	return digest.SHA256.FromReader(rc)
}

// DiffLayer turns an overlay upper dir into a gzip layer blob in the store
// (layer.Diff piped through gzip into PutBlob) and returns the blob's
// descriptor and the layer's diffID. The upper dir is left in place for the
// caller to hand to Store.AddLayer.
func DiffLayer(s *store.Store, upper string, opts layer.DiffOptions) (ocispec.Descriptor, digest.Digest, error) {
	pr, pw := io.Pipe()
	var diffID digest.Digest
	go func() {
		zw := gzip.NewWriter(pw)
		d, err := layer.Diff(upper, zw, opts)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		diffID = d
		pw.CloseWithError(err)
	}()
	desc, err := s.PutBlob(pr, ocispec.MediaTypeImageLayerGzip)
	pr.Close()
	if err != nil {
		return ocispec.Descriptor{}, "", fmt.Errorf("layer from %s: %w", upper, err)
	}
	return desc, diffID, nil
}
