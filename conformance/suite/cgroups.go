package suite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// cgroupRoot holds the host's cgroup hierarchies.
var cgroupRoot = "/sys/fs/cgroup"

// suiteCgroups are the fixed cgroup paths the suite's cgroup programs use
// (runtime-tools cgroups.AbsCgroupPath and RelCgroupPath, the latter below
// the runner's cgroup, which is the root on this host), deepest first so
// they can be removed in order. Runtimes leave the parents behind.
var suiteCgroups = []string{
	"testdir/cgrouptest/container",
	"testdir/cgrouptest",
	"testdir",
	"cgrouptest",
}

// hierarchies lists the cgroup mounts under cgroupRoot (v1 controllers,
// name=systemd and the unified cgroup2 mount on a hybrid host).
func hierarchies() []string {
	entries, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(cgroupRoot, e.Name()))
		}
	}
	return dirs
}

// existingSuiteCgroups records which suite cgroups exist now, so cleanup
// removes only the ones a program created.
func existingSuiteCgroups() map[string]bool {
	seen := map[string]bool{}
	for _, h := range hierarchies() {
		for _, c := range suiteCgroups {
			p := filepath.Join(h, c)
			if _, err := os.Stat(p); err == nil {
				seen[p] = true
			}
		}
	}
	return seen
}

// removeSuiteCgroups removes the suite cgroups that were not in before.
// rmdir only removes an empty cgroup, so a cgroup still holding processes
// stays and is reported.
func removeSuiteCgroups(before map[string]bool) error {
	var errs []error
	for _, h := range hierarchies() {
		for _, c := range suiteCgroups {
			p := filepath.Join(h, c)
			if before[p] {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", p, err))
			}
		}
	}
	return errors.Join(errs...)
}
