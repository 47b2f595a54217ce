package exec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"golang.org/x/sys/unix"
)

// PruneCopyUps removes from upper the directories in dirs (absolute paths
// inside the rootfs) that overlay only copied up because a mountpoint was
// created in them: still empty, not opaque, and with the same mode and owner
// as in the topmost of lowers (bottom first). Without this every RUN that
// needs, say, /etc/resolv.conf would put an /etc entry in its layer.
// Call it with the overlay unmounted.
func PruneCopyUps(upper string, lowers []string, dirs []string) error {
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) }) // deepest first
	for _, d := range dirs {
		u := filepath.Join(upper, d)
		if !redundantCopyUp(u, lowerOf(lowers, d)) {
			continue
		}
		if err := os.Remove(u); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// lowerOf returns the path of d in the topmost lower that has it, or "".
func lowerOf(lowers []string, d string) string {
	for i := len(lowers) - 1; i >= 0; i-- {
		p := filepath.Join(lowers[i], d)
		if _, err := os.Lstat(p); err == nil {
			return p
		}
	}
	return ""
}

func redundantCopyUp(u, lower string) bool {
	if lower == "" {
		return false
	}
	ufi, err := os.Lstat(u)
	if err != nil || !ufi.IsDir() {
		return false
	}
	lfi, err := os.Lstat(lower)
	if err != nil || !lfi.IsDir() || ufi.Mode() != lfi.Mode() {
		return false
	}
	us, ls := ufi.Sys().(*syscall.Stat_t), lfi.Sys().(*syscall.Stat_t)
	if us.Uid != ls.Uid || us.Gid != ls.Gid {
		return false
	}
	if entries, err := os.ReadDir(u); err != nil || len(entries) > 0 {
		return false
	}
	for _, x := range []string{"trusted.overlay.opaque", "user.overlay.opaque"} {
		if _, err := unix.Lgetxattr(u, x, make([]byte, 8)); err == nil {
			return false
		}
	}
	return true
}
