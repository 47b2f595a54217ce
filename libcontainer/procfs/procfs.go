// Package procfs opens files under /proc only after checking, on the open
// fd, that they really are procfs files. Inside a container /proc is set up
// from a rootfs the container's author controls: a directory, a symlink or
// another mount where procfs should be would otherwise receive hull's
// writes (sysctls, oom_score_adj, id maps) or feed it false data.
package procfs

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Open opens path (a file under /proc) with flags, without following a
// symlink in its last component, and returns it only if it is on procfs.
func Open(path string, flags int) (*os.File, error) {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("statfs %s: %w", path, err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		unix.Close(fd)
		return nil, fmt.Errorf("%s is not on procfs (filesystem type %#x): refused", path, st.Type)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadFile reads a procfs file whole.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

// WriteFile writes data to a procfs file in one write, as the kernel
// expects for most of them (id maps, sysctls).
func WriteFile(path string, data []byte) error {
	f, err := Open(path, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
