package build

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hull-project/hull/builder/image"
	"github.com/hull-project/hull/builder/store"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	specsgo "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// commit writes the target stage's config and manifest into the store, tags
// them, and loads the result back as an image.
//
// The config is written here rather than by image.Commit because it carries
// docker's extensions (HEALTHCHECK, ONBUILD, SHELL) that ocispec.Image drops.
func (b *builder) commit(st *stage) (*Result, error) {
	sp := b.prog.start("exporting to image")
	cfg := st.cfg
	t := st.created()
	cfg.Created = &t
	res, err := writeImage(b.o.Store, cfg, st.layers, b.o.Tags)
	if err != nil {
		sp.fail(err)
		return nil, err
	}
	sp.printf("writing image %s done", res.Manifest.Digest)
	for _, tag := range b.o.Tags {
		sp.printf("naming to %s done", tag)
	}
	sp.done()
	return res, nil
}

// writeImage stores cfg and a manifest for layers (already in the store) and
// tags the image with every name in tags.
func writeImage(s *store.Store, cfg dockerspec.DockerOCIImage, layers []ocispec.Descriptor, tags []string) (*Result, error) {
	cfg.RootFS.Type = "layers"
	if cfg.RootFS.DiffIDs == nil {
		cfg.RootFS.DiffIDs = []digest.Digest{}
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	cdesc, err := s.PutBlob(bytes.NewReader(data), ocispec.MediaTypeImageConfig)
	if err != nil {
		return nil, fmt.Errorf("store image config: %w", err)
	}
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	m := ocispec.Manifest{
		Versioned: specsgo.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cdesc.Digest, Size: cdesc.Size},
		Layers:    layers,
	}
	mdata, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("image manifest: %w", err)
	}
	mdesc, err := s.PutBlob(bytes.NewReader(mdata), ocispec.MediaTypeImageManifest)
	if err != nil {
		return nil, fmt.Errorf("store image manifest: %w", err)
	}
	mdesc = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: mdesc.Digest, Size: mdesc.Size}
	for _, tag := range tags {
		if err := s.Tag(tag, mdesc); err != nil {
			return nil, fmt.Errorf("tag %s: %w", tag, err)
		}
	}
	img, err := image.Load(s, mdesc.Digest.String())
	if err != nil {
		return nil, fmt.Errorf("load built image: %w", err)
	}
	return &Result{Image: img, Manifest: mdesc}, nil
}
