package build

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hull-project/hull/builder/cache"
	bexec "github.com/hull-project/hull/builder/exec"
	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// layerStep is a step that makes a layer: key and files identify it in the
// cache; on a miss fill writes into the merged view of a fresh overlay.
type layerStep struct {
	instruction string        // the expanded instruction and whatever else decides the result
	files       digest.Digest // digest of the files read (COPY/ADD), or ""
	createdBy   string        // history entry
	fill        func(ctx context.Context, rootfs string) error
	// unmounted, if set, runs on the upper dir after the overlay is gone.
	unmounted func(upper string) error
}

// addLayer runs ls (or finds it in the cache) and puts its layer on top.
func (st *stage) addLayer(ctx context.Context, sp *step, ls layerStep) error {
	key := cache.Key(st.chain, ls.instruction, ls.files)
	if rec, ok := st.b.cache.Get(key); ok && st.layerPresent(rec) {
		st.pushLayer(rec, ls.createdBy)
		sp.cached()
		return nil
	}
	upper, err := st.withOverlay(ctx, ls.fill)
	if err != nil {
		return err
	}
	if ls.unmounted != nil {
		if err := ls.unmounted(upper); err != nil {
			os.RemoveAll(upper)
			return err
		}
	}
	rec, err := storeLayer(st.b.o.Store, st.chain, upper, st.b.o.SourceDateEpoch)
	if err != nil {
		return err
	}
	if err := st.b.cache.Put(key, rec); err != nil {
		return err
	}
	st.pushLayer(rec, ls.createdBy)
	return nil
}

// layerPresent checks that a cache hit's blob and unpacked layer still exist
// (prune may have removed them).
func (st *stage) layerPresent(rec cache.Record) bool {
	s := st.b.o.Store
	if _, ok := s.LayerDir(store.ChainID(st.chain, rec.DiffID)); !ok {
		return false
	}
	rc, err := s.OpenBlob(rec.Layer.Digest)
	if err != nil {
		return false
	}
	rc.Close()
	return true
}

// pushLayer puts a stored layer on top of the stage.
func (st *stage) pushLayer(rec cache.Record, createdBy string) {
	st.chain = store.ChainID(st.chain, rec.DiffID)
	dir, _ := st.b.o.Store.LayerDir(st.chain)
	st.lowers = append(st.lowers, dir)
	st.layers = append(st.layers, rec.Layer)
	st.cfg.RootFS.Type = "layers"
	st.cfg.RootFS.DiffIDs = append(st.cfg.RootFS.DiffIDs, rec.DiffID)
	st.history(createdBy, false)
}

// withOverlay mounts the stage's layers under a fresh upper dir, lets fill
// write through the merged view and returns the upper dir (a store temp dir).
func (st *stage) withOverlay(ctx context.Context, fill func(context.Context, string) error) (string, error) {
	s := st.b.o.Store
	upper, err := s.TempDir("upper")
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(upper)
		}
	}()
	err = withMount(s, st.lowers, upper, func(merged string) error { return fill(ctx, merged) })
	if err != nil {
		return "", err
	}
	keep = true
	return upper, nil
}

// withMount mounts lowers under upper at a temporary merged dir for fn.
func withMount(s *store.Store, lowers []string, upper string, fn func(merged string) error) error {
	merged, unmount, err := mountTemp(s, lowers, upper)
	if err != nil {
		return err
	}
	ferr := fn(merged)
	if err := unmount(); err != nil && ferr == nil {
		ferr = err
	}
	return ferr
}

// mountTemp mounts lowers under upper at a fresh temporary dir; unmount
// undoes it and removes the temporary dirs (not upper).
func mountTemp(s *store.Store, lowers []string, upper string) (string, func() error, error) {
	work, err := s.TempDir("work")
	if err != nil {
		return "", nil, err
	}
	merged, err := os.MkdirTemp("", "hull-merged-")
	if err != nil {
		os.RemoveAll(work)
		return "", nil, fmt.Errorf("merged dir: %w", err)
	}
	ov, err := bexec.MountOverlay(lowers, upper, work, merged)
	if err != nil {
		os.RemoveAll(work)
		os.Remove(merged)
		return "", nil, err
	}
	unmount := func() error {
		err := ov.Unmount()
		os.RemoveAll(work)
		os.Remove(merged)
		return err
	}
	return merged, unmount, nil
}

// storeLayer turns an upper dir (a store temp dir) into a gzip layer blob
// and, renamed, the unpacked layer on top of parent.
func storeLayer(s *store.Store, parent digest.Digest, upper string, epoch *time.Time) (cache.Record, error) {
	pr, pw := io.Pipe()
	diffc := make(chan digest.Digest, 1)
	go func() {
		// gzip's zero header (no name, no mtime) keeps equal tars equal blobs.
		zw := gzip.NewWriter(pw)
		d, err := layer.Diff(upper, zw, layer.DiffOptions{SourceDateEpoch: epoch})
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
		diffc <- d
	}()
	desc, err := s.PutBlob(pr, ocispec.MediaTypeImageLayerGzip)
	pr.CloseWithError(err) // unblock the writer if PutBlob gave up early
	diffID := <-diffc
	if err != nil {
		return cache.Record{}, fmt.Errorf("store layer: %w", err)
	}
	if _, err := s.AddLayer(parent, diffID, upper); err != nil {
		return cache.Record{}, err
	}
	return cache.Record{Layer: desc, DiffID: diffID}, nil
}
