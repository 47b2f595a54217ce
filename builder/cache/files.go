package cache

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/opencontainers/go-digest"
)

// FileSet is a list of files a COPY or ADD reads: each Path (a file or a
// directory walked recursively, never followed through symlinks) is hashed
// under its Name, the name the step sees it by.
type FileSet struct {
	Name string
	Path string
	// Skip, when set, leaves out entries (by path relative to Path) the step
	// will not read, such as .dockerignore'd ones.
	Skip func(rel string, isDir bool) bool
}

// DigestFiles hashes names, types, modes, owners, link targets and contents
// of every file in sets. Modification times are left out on purpose: a fresh
// checkout of the same sources must hit the cache.
func DigestFiles(sets []FileSet) (digest.Digest, error) {
	h := sha256.New()
	for _, s := range sets {
		if err := hashTree(h, s); err != nil {
			return "", err
		}
	}
	return digest.NewDigest(digest.SHA256, h), nil
}

func hashTree(h io.Writer, s FileSet) error {
	return filepath.WalkDir(s.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("digest %s: %w", p, err)
		}
		rel, _ := filepath.Rel(s.Path, p)
		if s.Skip != nil && rel != "." && s.Skip(rel, d.IsDir()) {
			return nil // not SkipDir: an exception inside a skipped dir may still be read
		}
		return hashEntry(h, filepath.Join(s.Name, rel), p)
	})
}

func hashEntry(h io.Writer, name, p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("digest %s: %w", p, err)
	}
	var uid, gid uint32
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid, gid = st.Uid, st.Gid
	}
	fmt.Fprintf(h, "%q %o %d %d %d\n", name, fi.Mode(), uid, gid, fi.Size())
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("digest %s: %w", p, err)
		}
		fmt.Fprintf(h, "-> %q\n", target)
	case fi.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("digest %s: %w", p, err)
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return fmt.Errorf("digest %s: %w", p, err)
		}
	}
	return nil
}
