package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/hull-project/hull/builder/cache"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runMounts turns RUN --mount flags (and a heredoc script) into plain mounts:
//
//	type=cache  a directory kept under the store root, shared by builds (by id, else target)
//	type=tmpfs  a fresh tmpfs
//	type=bind   a path of the build context, or of a stage or image with from=;
//	            read-only unless rw (writes to a stage or image go to a throwaway upper)
//
// secret and ssh mounts are refused. cleanup releases what was mounted.
func (st *stage) runMounts(ctx context.Context, rootfs string, setup *runSetup) ([]specs.Mount, func(), error) {
	var out []specs.Mount
	var releases []func()
	cleanup := func() {
		for i := len(releases) - 1; i >= 0; i-- {
			releases[i]()
		}
	}
	for _, m := range setup.Mounts {
		sm, release, err := st.runMount(ctx, m)
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("--mount type=%s,target=%s: %w", m.Type, m.Target, err)
		}
		sm.Destination = resolvePath(setup.Cwd, m.Target)
		out = append(out, sm)
		if release != nil {
			releases = append(releases, release)
		}
	}
	if setup.Network == "host" {
		out = append(out, hostNetworkFiles()...)
	}
	if setup.Script != nil {
		sm, release, err := scriptMount(setup.Script)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		out = append(out, sm)
		releases = append(releases, release)
	}
	return out, cleanup, nil
}

func (st *stage) runMount(ctx context.Context, m *instructions.Mount) (specs.Mount, func(), error) {
	switch m.Type {
	case instructions.MountTypeTmpfs:
		opts := []string{"nosuid", "nodev"}
		if m.SizeLimit > 0 {
			opts = append(opts, "size="+strconv.FormatInt(m.SizeLimit, 10))
		}
		return specs.Mount{Type: "tmpfs", Source: "tmpfs", Options: opts}, nil, nil
	case instructions.MountTypeCache:
		dir, err := st.cacheMountDir(m)
		return bind(dir, false), nil, err
	case instructions.MountTypeBind:
		return st.bindMount(ctx, m)
	}
	return specs.Mount{}, nil, fmt.Errorf("mount type %q is not supported", m.Type)
}

// cacheMountDir is the persistent directory behind a cache mount.
func (st *stage) cacheMountDir(m *instructions.Mount) (string, error) {
	id := m.CacheID
	if id == "" {
		id = m.Target
	}
	dir := filepath.Join(st.b.o.Store.Root(), "run-cache", digest.FromString(id).Encoded())
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	mode := os.FileMode(0o755)
	if m.Mode != nil {
		mode = os.FileMode(*m.Mode)
	}
	if err := os.MkdirAll(dir, mode); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, mode); err != nil {
		return "", err
	}
	if m.UID != nil || m.GID != nil {
		uid, gid := -1, -1
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		return dir, os.Chown(dir, uid, gid)
	}
	return dir, nil
}

func (st *stage) bindMount(ctx context.Context, m *instructions.Mount) (specs.Mount, func(), error) {
	if m.From == "" {
		src, err := st.b.context.resolve(m.Source)
		if err != nil {
			return specs.Mount{}, nil, err
		}
		return bind(src, true), nil, nil
	}
	root, release, err := st.b.mountFrom(ctx, m.From)
	if err != nil {
		return specs.Mount{}, nil, err
	}
	src, err := securejoin.SecureJoin(root, m.Source)
	if err != nil {
		release()
		return specs.Mount{}, nil, err
	}
	return bind(src, m.ReadOnly), release, nil
}

func bind(src string, ro bool) specs.Mount {
	opts := []string{"rbind"}
	if ro {
		opts = append(opts, "ro")
	}
	return specs.Mount{Type: "bind", Source: src, Options: opts}
}

// scriptMount writes a #! heredoc to a temp file bound at its path.
func scriptMount(s *heredocScript) (specs.Mount, func(), error) {
	f, err := os.CreateTemp("", "hull-heredoc-")
	if err != nil {
		return specs.Mount{}, nil, err
	}
	name := f.Name()
	release := func() { os.Remove(name) }
	_, err = f.WriteString(s.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o755)
	}
	if err != nil {
		release()
		return specs.Mount{}, nil, fmt.Errorf("heredoc script: %w", err)
	}
	m := bind(name, true)
	m.Destination = s.Path
	return m, release, nil
}

// hostNetworkFiles binds the host's resolver files read-only for RUN
// --network host, so name resolution works as on the host. They are
// mountpoints only: nothing of them ends up in the layer.
func hostNetworkFiles() []specs.Mount {
	var ms []specs.Mount
	for _, f := range []string{"/etc/resolv.conf", "/etc/hosts"} {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			m := bind(f, true)
			m.Destination = f
			ms = append(ms, m)
		}
	}
	return ms
}

// mountInputs digests what RUN's bind mounts read, for the cache key: the
// files of a context path, or the chain id of a stage or image.
func (st *stage) mountInputs(ctx context.Context, mounts []*instructions.Mount) (digest.Digest, error) {
	var sets []cache.FileSet
	var refs []string
	for _, m := range mounts {
		if m.Type != instructions.MountTypeBind {
			continue
		}
		if m.From != "" {
			chain, err := st.b.fromChain(ctx, m.From)
			if err != nil {
				return "", err
			}
			refs = append(refs, m.From+"="+chain.String()+":"+m.Source)
			continue
		}
		src, err := st.b.context.resolve(m.Source)
		if err != nil {
			return "", fmt.Errorf("--mount source=%s: %w", m.Source, err)
		}
		sets = append(sets, cache.FileSet{Name: m.Source, Path: src, Skip: st.skipRel(src)})
	}
	if len(sets) == 0 && len(refs) == 0 {
		return "", nil
	}
	d, err := cache.DigestFiles(sets)
	if err != nil {
		return "", err
	}
	return digest.FromString(d.String() + "\n" + strings.Join(refs, "\n")), nil
}
