package cgutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// WriteProc moves pid into the cgroup dir.
func WriteProc(dir string, pid int) error {
	var err error
	// A pid that is still being forked (or exec'd across a migration)
	// can make the kernel answer EINVAL for a moment; runc retries too.
	for i := 0; i < 5; i++ {
		err = WriteFile(dir, "cgroup.procs", strconv.Itoa(pid))
		if !errors.Is(err, unix.EINVAL) {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("add pid %d to cgroup: %w", pid, err)
	}
	return nil
}

// ReadProcs returns the pids listed in dir/cgroup.procs.
func ReadProcs(dir string) ([]int, error) {
	s, err := ReadFile(dir, "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s/cgroup.procs: bad pid %q", dir, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// ReadProcsRecursive returns the pids of dir and of every cgroup below it.
func ReadProcsRecursive(dir string) ([]int, error) {
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// A child cgroup removed while we walk is not an error.
			if errors.Is(err, os.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		ps, err := ReadProcs(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		pids = append(pids, ps...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pids of %s: %w", dir, err)
	}
	return pids, nil
}
