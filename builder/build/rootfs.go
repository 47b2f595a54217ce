package build

import (
	"context"
	"fmt"
	"os"

	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
)

// mountFrom makes the rootfs of a stage (by name or index) or an image
// available read-mostly for COPY --from and RUN --mount from=: an overlay
// with a throwaway upper dir, so nothing can change the stored layers.
// release unmounts it and removes the temp dirs.
func (b *builder) mountFrom(ctx context.Context, from string) (root string, release func(), err error) {
	lowers, err := b.fromLowers(ctx, from)
	if err != nil {
		return "", nil, err
	}
	return b.mountLowers(lowers)
}

// mountLowers mounts layer dirs under a throwaway upper dir.
func (b *builder) mountLowers(lowers []string) (root string, release func(), err error) {
	s := b.o.Store
	upper, err := s.TempDir("from-upper")
	if err != nil {
		return "", nil, err
	}
	root, unmount, err := mountTemp(s, lowers, upper)
	if err != nil {
		os.RemoveAll(upper)
		return "", nil, err
	}
	return root, func() { unmount(); os.RemoveAll(upper) }, nil
}

// fromLowers returns the layer dirs of a stage named from, or of image from.
func (b *builder) fromLowers(ctx context.Context, from string) ([]string, error) {
	if sp := b.plan.FindStage(from); sp != nil {
		st, err := b.waitStage(ctx, sp.Index)
		if err != nil {
			return nil, err
		}
		return st.lowers, nil
	}
	_, lowers, _, err := loadImage(b.o.Store, from)
	if err != nil {
		return nil, fmt.Errorf("--from=%s: %w", from, err)
	}
	return lowers, nil
}

// fromChain returns the chain id of a stage's or image's top layer: what
// COPY --from reads is fully determined by it.
func (b *builder) fromChain(ctx context.Context, from string) (digest.Digest, error) {
	if sp := b.plan.FindStage(from); sp != nil {
		st, err := b.waitStage(ctx, sp.Index)
		if err != nil {
			return "", err
		}
		return "stage:" + st.chain, nil
	}
	_, _, cfg, err := loadImage(b.o.Store, from)
	if err != nil {
		return "", fmt.Errorf("--from=%s: %w", from, err)
	}
	ids := store.ChainIDs(cfg.RootFS.DiffIDs)
	if len(ids) == 0 {
		return "image:empty", nil
	}
	return "image:" + ids[len(ids)-1], nil
}
