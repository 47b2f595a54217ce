package build

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// buildContext is the directory COPY and ADD read from, minus .dockerignore'd paths.
type buildContext struct {
	root   string // absolute, symlinks resolved
	ignore *ignoreMatcher
}

func openContext(dir string) (*buildContext, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	m, err := loadIgnore(filepath.Join(root, ".dockerignore"))
	if err != nil {
		return nil, err
	}
	return &buildContext{root: root, ignore: m}, nil
}

// errOutside is wrapped by every rejection of a path that leaves the context.
var errOutside = errors.New("outside the build context")

// resolve maps a source path of the context (no glob) to a host path, refusing
// "../" escapes and symlinks that lead out of the context.
func (c *buildContext) resolve(src string) (string, error) {
	rel := filepath.Clean(strings.TrimPrefix(filepath.FromSlash(src), "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("source %q: %w", src, errOutside)
	}
	p := filepath.Join(c.root, rel)
	return c.checkInside(src, p)
}

// checkInside follows symlinks in p (all of them: docker follows a source
// that is itself a link) and refuses a result outside the context.
func (c *buildContext) checkInside(src, p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("source %q: not found in the build context", src)
	}
	if err != nil {
		return "", fmt.Errorf("source %q: %w", src, err)
	}
	if !within(c.root, real) {
		return "", fmt.Errorf("source %q is a symlink to %s: %w", src, real, errOutside)
	}
	rel, _ := filepath.Rel(c.root, real)
	if rel != "." && c.ignore.excluded(rel) {
		return "", fmt.Errorf("source %q: excluded by .dockerignore", src)
	}
	return real, nil
}

// expand resolves a source that may be a glob into its matches, in order.
func (c *buildContext) expand(src string) ([]string, error) {
	if !hasGlob(src) {
		p, err := c.resolve(src)
		if err != nil {
			return nil, err
		}
		return []string{p}, nil
	}
	rel := filepath.Clean(strings.TrimPrefix(filepath.FromSlash(src), "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return nil, fmt.Errorf("source %q: %w", src, errOutside)
	}
	matches, err := filepath.Glob(filepath.Join(c.root, rel))
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", src, err)
	}
	var out []string
	for _, m := range matches {
		r, _ := filepath.Rel(c.root, m)
		if c.ignore.excluded(r) {
			continue
		}
		p, err := c.checkInside(src, m)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source %q: no file in the build context matches", src)
	}
	return out, nil
}

// skip reports whether the walk of a context tree must leave out p.
func (c *buildContext) skip(p string) bool {
	rel, err := filepath.Rel(c.root, p)
	return err == nil && rel != "." && c.ignore.excluded(rel)
}

func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// within reports whether p is root or below it (both clean and absolute).
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}
