package rootfs

import (
	"path/filepath"
	"strconv"
	"strings"
)

// mountinfo is one line of /proc/self/mountinfo, the fields this package uses.
type mountinfo struct {
	root         string // the mount's root inside its filesystem
	mountpoint   string
	options      string // per-mount options: rw,nosuid,...
	optional     string // shared:N master:N ...
	major        string // major:minor of the filesystem
	fstype       string
	superOptions string
}

// parseMountinfo parses one mountinfo line (see proc(5)).
func parseMountinfo(line string) (mountinfo, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return mountinfo{}, false
	}
	f := strings.Fields(pre)
	g := strings.Fields(post)
	if len(f) < 6 || len(g) < 3 {
		return mountinfo{}, false
	}
	return mountinfo{
		major:        f[2],
		root:         unescape(f[3]),
		mountpoint:   unescape(f[4]),
		options:      f[5],
		optional:     strings.Join(f[6:], " "),
		fstype:       g[0],
		superOptions: g[2],
	}, true
}

// unescape undoes the kernel's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// MountsAt counts the mounts stacked at path in the caller's mount
// namespace. The runtime uses it to undo exactly the mounts that a container
// without a mount namespace of its own stacked on its rootfs.
func MountsAt(path string) int {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // mountinfo shows resolved paths
	}
	mounts, err := readMountinfo()
	if err != nil {
		return 0
	}
	n := 0
	for _, mi := range mounts {
		if mi.mountpoint == path {
			n++
		}
	}
	return n
}
