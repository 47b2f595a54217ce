package cgutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// RemoveDir removes the cgroup dir and every cgroup below it, children
// first. Only rmdir works on cgroupfs (its files cannot be unlinked). Right
// after the last process is killed the kernel may still report EBUSY while
// it finishes tearing the tasks down, so each rmdir is retried for a while.
func RemoveDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := RemoveDir(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return rmdirRetry(dir)
}

func rmdirRetry(dir string) error {
	delay := time.Millisecond
	var err error
	for i := 0; i < 12; i++ { // about 4 s in total
		err = unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(delay)
		if delay < 1*time.Second {
			delay *= 2
		}
	}
	return fmt.Errorf("remove cgroup %s: %w", dir, err)
}
