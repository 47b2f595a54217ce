package fs2

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
)

// computeDir returns the cgroup2 directory for the cleaned cgroupsPath
// inner, following runc's fs2/defaultpath.go: an absolute inner goes under
// the mount point; a relative one under the parent of the calling
// process's cgroup, because the caller's own cgroup already has processes
// and so cannot enable controllers for children.
func computeDir(mounts []cgutil.Mount, own map[string]string, inner string) (string, error) {
	if inner == "" {
		return "", errors.New("cgroup path is empty")
	}
	var mnt *cgutil.Mount
	for i := range mounts {
		if mounts[i].V2 {
			mnt = &mounts[i]
			break
		}
	}
	if mnt == nil {
		return "", errors.New("no cgroup2 mount found")
	}
	if filepath.IsAbs(inner) {
		return filepath.Join(mnt.Point, inner), nil
	}
	cg, ok := own[""]
	if !ok {
		return "", fmt.Errorf("relative cgroup path %q: no cgroup2 entry in /proc/self/cgroup", inner)
	}
	return filepath.Join(cgutil.Under(mnt.Point, mnt.Root, filepath.Dir(cg)), inner), nil
}
