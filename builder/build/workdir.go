package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// workdirInstr is WORKDIR: the working directory of later steps and of the
// container; relative paths build on the previous one. Like docker, it makes
// the directory (owned by the current USER) when the image lacks it, in a
// layer of its own; when the directory exists it only changes the config.
type workdirInstr struct{ c *instructions.WorkdirCommand }

func (i *workdirInstr) apply(ctx context.Context, st *stage, sp *step) error {
	dir := resolvePath(st.cfg.Config.WorkingDir, i.c.Path)
	st.cfg.Config.WorkingDir = dir
	exists, err := st.dirExists(ctx, dir)
	if err != nil {
		return err
	}
	if exists {
		st.history("WORKDIR "+dir, true)
		return nil
	}
	return st.addLayer(ctx, sp, layerStep{
		instruction: mustJSON([]string{"WORKDIR", dir, st.cfg.Config.User}),
		createdBy:   "WORKDIR " + dir,
		fill: func(_ context.Context, rootfs string) error {
			return mkdirOwned(rootfs, dir, st.cfg.Config.User)
		},
	})
}

// dirExists reports whether dir is a directory in the stage's rootfs.
func (st *stage) dirExists(ctx context.Context, dir string) (bool, error) {
	if len(st.lowers) == 0 {
		return dir == "/", nil
	}
	root, release, err := st.b.mountLowers(st.lowers)
	if err != nil {
		return false, err
	}
	defer release()
	p, err := securejoin.SecureJoin(root, dir)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", dir, err)
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s exists and is not a directory", dir)
	}
	return true, ctx.Err()
}

// mkdirOwned creates dir and its missing parents inside rootfs, the new ones
// owned by user (resolved in rootfs).
func mkdirOwned(rootfs, dir, user string) error {
	owner := [2]int{0, 0}
	if user != "" {
		u, err := resolveUserIn(rootfs, user)
		if err != nil {
			return err
		}
		owner = u
	}
	var missing []string
	for p := dir; p != "/"; p = path.Dir(p) {
		full, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			return err
		}
		if _, err := os.Lstat(full); err == nil {
			break
		}
		missing = append(missing, p)
	}
	if _, err := mkdirAllIn(rootfs, dir); err != nil {
		return err
	}
	for _, p := range missing {
		full, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			return err
		}
		if err := os.Lchown(full, owner[0], owner[1]); err != nil {
			return err
		}
	}
	return nil
}

// resolvePath makes p absolute against the working directory wd.
func resolvePath(wd, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if wd == "" {
		wd = "/"
	}
	return path.Join(wd, p)
}
