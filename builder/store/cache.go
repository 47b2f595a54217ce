package store

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
)

func (s *Store) cachePath(key string) string {
	return filepath.Join(s.root, "cache", digest.FromString(key).Encoded())
}

// CacheGet returns the value recorded for a build-cache key.
func (s *Store) CacheGet(key string) (string, bool) {
	data, err := os.ReadFile(s.cachePath(key))
	if err != nil {
		return "", false
	}
	return string(data), true
}

// CachePut records value for key (atomically; the last writer wins).
func (s *Store) CachePut(key, value string) error {
	if err := s.writeFileAtomic(s.cachePath(key), []byte(value)); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	return nil
}
