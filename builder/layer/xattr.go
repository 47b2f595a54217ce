package layer

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// unrepresentable overlay xattrs mark entries whose content or name lives in
// a lower layer: Diff would silently write a wrong layer from them.
var unrepresentable = map[string]bool{
	"trusted.overlay.metacopy": true, "trusted.overlay.redirect": true,
	"user.overlay.metacopy": true, "user.overlay.redirect": true,
}

// readXattrs returns the xattrs of path (not following a symlink), without
// overlay's own ones.
func readXattrs(path string) (map[string]string, error) {
	names, err := listXattrs(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if unrepresentable[n] {
			return nil, fmt.Errorf("has overlay xattr %s: the upper dir comes from a mount with metacopy or redirect_dir on, which a layer tar cannot express (mount with metacopy=off,redirect_dir=off)", n)
		}
		if isOverlayXattr(n) {
			continue
		}
		v, err := getXattr(path, n)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("xattr %s: %w", n, err)
		}
		out[n] = string(v)
	}
	return out, nil
}

func listXattrs(path string) ([]string, error) {
	size, err := unix.Llistxattr(path, nil)
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil || size == 0 {
		return nil, err
	}
	buf := make([]byte, size)
	size, err = unix.Llistxattr(path, buf)
	if err != nil {
		return nil, fmt.Errorf("list xattrs: %w", err)
	}
	var names []string
	for _, n := range bytes.Split(buf[:size], []byte{0}) {
		if len(n) > 0 {
			names = append(names, string(n))
		}
	}
	return names, nil
}

func getXattr(path, name string) ([]byte, error) {
	size, err := unix.Lgetxattr(path, name, nil)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	size, err = unix.Lgetxattr(path, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:size], nil
}

// isOpaque reports whether overlay marked the directory opaque.
func isOpaque(dir string) (bool, error) {
	for _, name := range []string{opaqueTrusted, opaqueUser} {
		v, err := getXattr(dir, name)
		if err == nil && string(v) == "y" {
			return true, nil
		}
		if err != nil && !errors.Is(err, unix.ENODATA) && !errors.Is(err, unix.ENOTSUP) {
			return false, fmt.Errorf("read %s: %w", name, err)
		}
	}
	return false, nil
}
