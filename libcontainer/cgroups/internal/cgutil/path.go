package cgutil

import (
	"path/filepath"
)

// CleanPath makes a cgroupsPath safe to join under a hierarchy: it removes
// "..", so a relative path cannot climb above the directory it is joined to,
// and keeps absolute paths absolute and relative ones relative (runc's
// utils.CleanPath).
func CleanPath(p string) string {
	if p == "" {
		return ""
	}
	p = filepath.Clean(p)
	if !filepath.IsAbs(p) {
		p = filepath.Clean("/" + p)
		p, _ = filepath.Rel("/", p)
	}
	return p
}

// Under joins the cgroup path cg (as seen in /proc/<pid>/cgroup) to the
// mount point of a hierarchy whose root is root. In a cgroup namespace or a
// bind mount of part of a hierarchy, the mount shows only the subtree below
// root, so root is cut from cg first.
func Under(mountpoint, root, cg string) string {
	rel, err := filepath.Rel(root, cg)
	if err != nil || rel == ".." || len(rel) > 2 && rel[:3] == "../" {
		rel = cg
	}
	return filepath.Join(mountpoint, rel)
}
