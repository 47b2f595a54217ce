package build

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hull-project/hull/builder/cache"
	"github.com/hull-project/hull/builder/layer"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"
)

// addInstr is ADD: COPY plus local archives (tar, gz, bz2, xz, zst) unpacked
// into DEST, and http(s) URLs downloaded (checked against --checksum if given).
type addInstr struct{ c *instructions.AddCommand }

// addSource is one ADD source after resolution.
type addSource struct {
	host    string // host path (context file or downloaded temp file)
	name    string // file name for URL sources
	archive bool
	url     bool
}

func (i *addInstr) apply(ctx context.Context, st *stage, sp *step) error {
	c := i.c
	if len(c.ExcludePatterns) > 0 || c.KeepGitDir != nil {
		return fmt.Errorf("--exclude and --keep-git-dir are not supported")
	}
	chmod, err := parseChmod(c.Chmod)
	if err != nil {
		return err
	}
	set := &copySetup{Op: "ADD", Sources: c.SourcePaths, Chown: c.Chown, Chmod: c.Chmod,
		Dest: resolvePath(st.cfg.Config.WorkingDir, c.DestPath), Inline: c.SourceContents}
	set.DirDest = isDirDest(c.DestPath) || len(c.SourcePaths)+len(c.SourceContents) > 1
	srcs, files, cleanup, err := st.addSources(ctx, c)
	defer cleanup()
	if err != nil {
		return err
	}
	return st.addLayer(ctx, sp, layerStep{
		instruction: mustJSON(set), files: files, createdBy: "ADD " + strings.Join(c.SourcePaths, " ") + " " + set.Dest,
		fill: func(_ context.Context, rootfs string) error {
			o, err := st.copyOptions(rootfs, set.Chown, chmod, false)
			if err != nil {
				return err
			}
			o.skip = st.b.context.skip
			if err := writeInline(rootfs, set, o); err != nil {
				return err
			}
			for _, s := range srcs {
				if err := addOne(rootfs, s, set, o); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// addSources resolves local sources and downloads URLs, and digests them all.
func (st *stage) addSources(ctx context.Context, c *instructions.AddCommand) ([]addSource, digest.Digest, func(), error) {
	var srcs []addSource
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	var sets []cache.FileSet
	for _, s := range c.SourcePaths {
		if isURL(s) {
			tmp, err := download(ctx, s, c.Checksum)
			if err != nil {
				return nil, "", cleanup, err
			}
			temps = append(temps, tmp)
			srcs = append(srcs, addSource{host: tmp, name: urlFileName(s), url: true})
			sets = append(sets, cache.FileSet{Name: s, Path: tmp})
			continue
		}
		if c.Checksum != "" {
			return nil, "", cleanup, fmt.Errorf("--checksum is only for URL sources, not %q", s)
		}
		ps, err := st.b.context.expand(s)
		if err != nil {
			return nil, "", cleanup, err
		}
		for _, p := range ps {
			arch, err := isLocalArchive(p, c.Unpack)
			if err != nil {
				return nil, "", cleanup, err
			}
			srcs = append(srcs, addSource{host: p, archive: arch})
			rel, _ := filepath.Rel(st.b.context.root, p)
			sets = append(sets, cache.FileSet{Name: rel, Path: p, Skip: st.skipRel(p)})
		}
	}
	d, err := cache.DigestFiles(sets)
	return srcs, d, cleanup, err
}

func isLocalArchive(p string, unpack *bool) (bool, error) {
	if unpack != nil && !*unpack {
		return false, nil
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return false, err
	}
	ok, err := layer.IsArchive(p)
	if err != nil {
		return false, fmt.Errorf("ADD %s: %w", p, err)
	}
	return ok, nil
}

// addOne puts one source in place: archives unpacked into Dest, URLs as a
// 0600 file, anything else as COPY would.
func addOne(rootfs string, s addSource, set *copySetup, o copyOpts) error {
	switch {
	case s.archive:
		dir, err := mkdirAllIn(rootfs, set.Dest)
		if err != nil {
			return err
		}
		f, err := os.Open(s.host)
		if err != nil {
			return err
		}
		defer f.Close()
		var chown *layer.Chown
		if o.owner != nil {
			chown = &layer.Chown{UID: o.owner[0], GID: o.owner[1]}
		}
		if err := layer.ExtractArchive(f, dir, chown); err != nil {
			return fmt.Errorf("extract %s: %w", path.Base(s.host), err)
		}
		return nil
	case s.url:
		if o.chmod == nil {
			m := os.FileMode(0o600)
			o.chmod = &m
		}
		return copyInto(rootfs, s.host, fileTarget(rootfs, set, s.name), o)
	}
	return copySources(rootfs, []string{s.host}, set, o)
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func urlFileName(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "download"
	}
	if b := path.Base(u.Path); b != "/" && b != "." && b != "" {
		return b
	}
	return "download"
}

// download fetches rawURL to a temp file and checks checksum ("sha256:...")
// when given; the caller removes the file.
func download(ctx context.Context, rawURL, checksum string) (string, error) {
	var want digest.Digest
	if checksum != "" {
		d, err := digest.Parse(checksum)
		if err != nil {
			return "", fmt.Errorf("--checksum=%s: %w", checksum, err)
		}
		want = d
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ADD %s: HTTP %s", rawURL, resp.Status)
	}
	f, err := os.CreateTemp("", "hull-add-")
	if err != nil {
		return "", err
	}
	var verifier digest.Verifier
	w := io.Writer(f)
	if want != "" {
		verifier = want.Verifier()
		w = io.MultiWriter(f, verifier)
	}
	_, err = io.Copy(w, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && verifier != nil && !verifier.Verified() {
		err = fmt.Errorf("content does not match --checksum=%s", checksum)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("ADD %s: %w", rawURL, err)
	}
	return f.Name(), nil
}
