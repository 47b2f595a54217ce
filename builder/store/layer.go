package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
)

// ChainID is the identity of a layer stack: the diffID for the bottom layer,
// sha256(parentChain + " " + diffID) above it (the OCI image spec's rule).
func ChainID(parentChain, diffID digest.Digest) digest.Digest {
	if parentChain == "" {
		return diffID
	}
	return digest.FromString(parentChain.String() + " " + diffID.String())
}

// ChainIDs returns the chain id of each prefix of diffIDs, bottom first.
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, len(diffIDs))
	var parent digest.Digest
	for i, d := range diffIDs {
		parent = ChainID(parent, d)
		out[i] = parent
	}
	return out
}

func (s *Store) layerPath(chainID digest.Digest) string {
	return filepath.Join(s.root, "layers", chainID.Algorithm().String(), chainID.Encoded())
}

// LayerDir returns the unpacked layer for chainID, usable as an overlay
// lowerdir, and whether it exists.
func (s *Store) LayerDir(chainID digest.Digest) (string, bool) {
	if chainID.Validate() != nil {
		return "", false
	}
	p := s.layerPath(chainID)
	fi, err := os.Stat(p)
	return p, err == nil && fi.IsDir()
}

// AddLayer records dir (made by TempDir, filled by layer.Unpack or a RUN's
// upper dir) as the layer diffID on top of parentChain ("" for a bottom
// layer). dir is renamed into place; if another writer stored the same chain
// first, dir is removed and the existing layer kept (same chain id, same
// content).
func (s *Store) AddLayer(parentChain, diffID digest.Digest, dir string) (digest.Digest, error) {
	if err := diffID.Validate(); err != nil {
		return "", fmt.Errorf("add layer: diffID %q: %w", diffID, err)
	}
	if parentChain != "" {
		if err := parentChain.Validate(); err != nil {
			return "", fmt.Errorf("add layer: parent chain %q: %w", parentChain, err)
		}
	}
	if !strings.HasPrefix(filepath.Clean(dir), s.tmpDir()+string(filepath.Separator)) {
		return "", fmt.Errorf("add layer: %s is not a store temp dir (use Store.TempDir)", dir)
	}
	chain := ChainID(parentChain, diffID)
	dst := s.layerPath(chain)
	if _, ok := s.LayerDir(chain); ok {
		return chain, removeAll(dir)
	}
	if err := os.Rename(dir, dst); err != nil {
		if _, ok := s.LayerDir(chain); ok && (errors.Is(err, os.ErrExist) || errors.Is(err, errNotEmpty)) {
			return chain, removeAll(dir)
		}
		return "", fmt.Errorf("add layer %s: %w", chain, err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", fmt.Errorf("add layer %s: sync: %w", chain, err)
	}
	return chain, nil
}

// removeLayer makes the layer disappear atomically (rename into tmp/) and
// then deletes it, so a kill half-way never leaves a partial layer in place.
func (s *Store) removeLayer(chainID digest.Digest) error {
	p, ok := s.LayerDir(chainID)
	if !ok {
		return nil
	}
	tmp := s.tempName("rm-layer")
	if err := os.Rename(p, tmp); err != nil {
		return fmt.Errorf("remove layer %s: %w", chainID, err)
	}
	return removeAll(tmp)
}
