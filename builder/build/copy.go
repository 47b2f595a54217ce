package build

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hull-project/hull/builder/cache"
	bexec "github.com/hull-project/hull/builder/exec"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"
)

// copyInstr is COPY [--from] [--chown] [--chmod] [--link] SRC... DEST, and
// COPY <<EOF DEST heredocs. --link is accepted and behaves as a plain COPY.
type copyInstr struct{ c *instructions.CopyCommand }

// copySetup is what decides a COPY's result besides the files' content.
type copySetup struct {
	Op      string
	From    string
	Sources []string
	Dest    string
	DirDest bool
	Chown   string
	Chmod   string
	Inline  []instructions.SourceContent `json:",omitempty"`
}

func (i *copyInstr) apply(ctx context.Context, st *stage, sp *step) error {
	c := i.c
	if len(c.ExcludePatterns) > 0 || c.Parents {
		return fmt.Errorf("--exclude and --parents are not supported")
	}
	chmod, err := parseChmod(c.Chmod)
	if err != nil {
		return err
	}
	set := &copySetup{Op: "COPY", From: c.From, Sources: c.SourcePaths, Chown: c.Chown, Chmod: c.Chmod,
		Dest: resolvePath(st.cfg.Config.WorkingDir, c.DestPath), Inline: c.SourceContents}
	set.DirDest = isDirDest(c.DestPath) || len(c.SourcePaths)+len(c.SourceContents) > 1
	if c.From != "" {
		return st.copyFromStage(ctx, sp, set, chmod)
	}
	srcs, files, err := st.contextSources(c.SourcePaths)
	if err != nil {
		return err
	}
	if len(srcs) > 1 {
		set.DirDest = true
	}
	return st.addLayer(ctx, sp, layerStep{
		instruction: mustJSON(set), files: files, createdBy: "COPY " + strings.Join(c.SourcePaths, " ") + " " + set.Dest,
		fill: func(_ context.Context, rootfs string) error {
			o, err := st.copyOptions(rootfs, set.Chown, chmod, false)
			if err != nil {
				return err
			}
			o.skip = st.b.context.skip
			if err := writeInline(rootfs, set, o); err != nil {
				return err
			}
			return copySources(rootfs, srcs, set, o)
		},
	})
}

// copyFromStage copies out of another stage or an image. Its cache key is the
// source's chain id: equal chains have equal files.
func (st *stage) copyFromStage(ctx context.Context, sp *step, set *copySetup, chmod *fs.FileMode) error {
	chain, err := st.b.fromChain(ctx, set.From)
	if err != nil {
		return err
	}
	return st.addLayer(ctx, sp, layerStep{
		instruction: mustJSON(set), files: chain,
		createdBy: fmt.Sprintf("COPY --from=%s %s %s", set.From, strings.Join(set.Sources, " "), set.Dest),
		fill: func(ctx context.Context, rootfs string) error {
			root, release, err := st.b.mountFrom(ctx, set.From)
			if err != nil {
				return err
			}
			defer release()
			srcs, err := stageSources(root, set.Sources)
			if err != nil {
				return err
			}
			if len(srcs) > 1 {
				set.DirDest = true
			}
			o, err := st.copyOptions(rootfs, set.Chown, chmod, true)
			if err != nil {
				return err
			}
			return copySources(rootfs, srcs, set, o)
		},
	})
}

// contextSources expands the sources in the build context and digests them.
func (st *stage) contextSources(sources []string) ([]string, digest.Digest, error) {
	var srcs []string
	var sets []cache.FileSet
	for _, s := range sources {
		ps, err := st.b.context.expand(s)
		if err != nil {
			return nil, "", err
		}
		for _, p := range ps {
			srcs = append(srcs, p)
			rel, _ := filepath.Rel(st.b.context.root, p)
			sets = append(sets, cache.FileSet{Name: rel, Path: p, Skip: st.skipRel(p)})
		}
	}
	d, err := cache.DigestFiles(sets)
	return srcs, d, err
}

func (st *stage) skipRel(base string) func(string, bool) bool {
	return func(rel string, _ bool) bool { return st.b.context.skip(filepath.Join(base, rel)) }
}

// stageSources resolves sources inside another stage's rootfs; symlinks
// there resolve inside that rootfs. Globs may only be in the last component.
func stageSources(root string, sources []string) ([]string, error) {
	var out []string
	for _, s := range sources {
		s = path.Clean("/" + s)
		matches := []string{s}
		if hasGlob(s) {
			dir, err := securejoin.SecureJoin(root, path.Dir(s))
			if err != nil {
				return nil, err
			}
			found, err := filepath.Glob(filepath.Join(dir, path.Base(s)))
			if err != nil {
				return nil, fmt.Errorf("source %q: %w", s, err)
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("source %q: no file in the source stage matches", s)
			}
			matches = matches[:0]
			for _, f := range found {
				matches = append(matches, strings.TrimPrefix(f, root))
			}
		}
		for _, m := range matches {
			real, err := securejoin.SecureJoin(root, m)
			if err != nil {
				return nil, err
			}
			if _, err := os.Lstat(real); err != nil {
				return nil, fmt.Errorf("source %q: not found in the source stage", m)
			}
			out = append(out, real)
		}
	}
	return out, nil
}

// copySources copies each source to set.Dest.
func copySources(rootfs string, srcs []string, set *copySetup, o copyOpts) error {
	for _, src := range srcs {
		fi, err := os.Stat(src)
		if err != nil {
			return err
		}
		target := set.Dest
		if !fi.IsDir() {
			target = fileTarget(rootfs, set, filepath.Base(src))
		}
		if err := copyInto(rootfs, src, target, o); err != nil {
			return err
		}
	}
	return nil
}

// fileTarget is where a file named base lands: inside Dest when Dest is a
// directory (by a trailing slash, several sources, or an existing dir).
func fileTarget(rootfs string, set *copySetup, base string) string {
	if set.DirDest {
		return path.Join(set.Dest, base)
	}
	if p, err := destPath(rootfs, set.Dest); err == nil {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return path.Join(set.Dest, base)
		}
	}
	return set.Dest
}

// writeInline writes COPY heredocs.
func writeInline(rootfs string, set *copySetup, o copyOpts) error {
	for _, sc := range set.Inline {
		tmp, err := os.CreateTemp("", "hull-inline-")
		if err != nil {
			return err
		}
		name := tmp.Name()
		_, err = tmp.WriteString(sc.Data)
		tmp.Close()
		if err == nil {
			err = os.Chmod(name, 0o644)
		}
		if err == nil {
			err = copyInto(rootfs, name, fileTarget(rootfs, set, sc.Path), o)
		}
		os.Remove(name)
		if err != nil {
			return fmt.Errorf("heredoc %s: %w", sc.Path, err)
		}
	}
	return nil
}

// copyOptions resolves --chown against the destination rootfs.
func (st *stage) copyOptions(rootfs, chown string, chmod *fs.FileMode, keepOwner bool) (copyOpts, error) {
	o := copyOpts{chmod: chmod, keepOwner: keepOwner}
	if chown != "" {
		u, err := resolveUserIn(rootfs, chown)
		if err != nil {
			return o, fmt.Errorf("--chown=%s: %w", chown, err)
		}
		o.owner = &u
	}
	return o, nil
}

// resolveUserIn resolves a USER or --chown value against rootfs's passwd.
func resolveUserIn(rootfs, user string) ([2]int, error) {
	u, err := bexec.ResolveUser(rootfs, user)
	if err != nil {
		return [2]int{}, err
	}
	return [2]int{int(u.UID), int(u.GID)}, nil
}

// parseChmod accepts octal modes like 640 or 0755.
func parseChmod(s string) (*fs.FileMode, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o7777 {
		return nil, fmt.Errorf("--chmod=%s: want an octal mode such as 0644", s)
	}
	m := fs.FileMode(n & 0o777)
	if n&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if n&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if n&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return &m, nil
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings always marshal
	}
	return string(data)
}

// isDirDest reports whether a COPY/ADD destination names a directory by its
// spelling: a trailing slash, or "." (the working directory).
func isDirDest(dest string) bool {
	return strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.")
}
