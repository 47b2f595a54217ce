package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultRoot is where the builder keeps its store unless told otherwise.
const DefaultRoot = "/var/lib/hull/builder"

// Store is an opened store root. It holds no open files, so it is cheap and
// safe to use from several goroutines.
type Store struct {
	root string
}

// Open creates (if needed) and opens the store at root, and removes the temp
// entries left by writers that died.
func Open(root string) (*Store, error) {
	if root == "" {
		root = DefaultRoot
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("store root %s: %w", root, err)
	}
	s := &Store{root: abs}
	for _, d := range []string{"blobs/sha256", "layers/sha256", "cache", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", abs, err)
		}
	}
	if err := s.cleanTemps(); err != nil {
		return nil, err
	}
	return s, nil
}

// Root is the store's directory.
func (s *Store) Root() string { return s.root }

func (s *Store) tmpDir() string { return filepath.Join(s.root, "tmp") }

// tempName returns a fresh name in tmp/ tagged with our pid, so that other
// processes can tell a live writer's temp from a dead one's.
func (s *Store) tempName(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	prefix = strings.ReplaceAll(prefix, "/", "_")
	return filepath.Join(s.tmpDir(), fmt.Sprintf("%d-%s-%s", os.Getpid(), hex.EncodeToString(b), prefix))
}

// TempDir creates a directory on the store's filesystem, so that AddLayer can
// rename it into place (and overlay upper/work dirs can live beside it).
func (s *Store) TempDir(prefix string) (string, error) {
	dir := s.tempName(prefix)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("store temp dir: %w", err)
	}
	return dir, nil
}

// cleanTemps removes tmp/ entries whose writer process no longer exists.
func (s *Store) cleanTemps() error {
	entries, err := os.ReadDir(s.tmpDir())
	if err != nil {
		return fmt.Errorf("read %s: %w", s.tmpDir(), err)
	}
	for _, e := range entries {
		if writerAlive(e.Name()) {
			continue
		}
		p := filepath.Join(s.tmpDir(), e.Name())
		if err := removeAll(p); err != nil {
			return fmt.Errorf("clean stale temp %s: %w", p, err)
		}
	}
	return nil
}

// writerAlive reports whether the pid prefix of a temp name is a live process.
func writerAlive(name string) bool {
	pidStr, _, ok := strings.Cut(name, "-")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	return unix.Kill(pid, 0) != unix.ESRCH
}

// removeAll is os.RemoveAll that also copes with directories whose mode denies
// writing (layers may hold such directories).
func removeAll(p string) error {
	err := os.RemoveAll(p)
	if err == nil {
		return nil
	}
	_ = filepath.Walk(p, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.IsDir() {
			_ = os.Chmod(path, 0o700)
		}
		return nil
	})
	return os.RemoveAll(p)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
