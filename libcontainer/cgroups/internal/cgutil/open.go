package cgutil

import (
	"errors"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the hierarchies are mounted on every host hull runs on.
const cgroupRoot = "/sys/fs/cgroup"

var (
	rootOnce sync.Once
	rootFd   = -1
)

// openFd opens a cgroup file and returns the raw descriptor: cgroup files
// are read and written once each, and an *os.File would add poller
// registration and fcntl calls to every one of the dozens a container
// start makes.
//
// Below /sys/fs/cgroup the path is resolved with openat2 from a descriptor
// of that directory, refusing symlinks and anything that would climb out
// of it, so a cgroup path read back from a state file or a file name taken
// from the spec can only ever reach cgroup files. Other paths (the fake
// cgroupfs of unit tests), and kernels without openat2 (before 5.6), use a
// plain open.
func openFd(path string, flags int) (int, error) {
	fd, err := open(path, flags|unix.O_CLOEXEC)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

func open(path string, flags int) (int, error) {
	rel, ok := strings.CutPrefix(path, cgroupRoot+"/")
	if !ok {
		return unix.Open(path, flags, 0)
	}
	rootOnce.Do(func() {
		if fd, err := unix.Open(cgroupRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			rootFd = fd
		}
	})
	if rootFd < 0 {
		return unix.Open(path, flags, 0)
	}
	fd, err := unix.Openat2(rootFd, rel, &unix.OpenHow{
		Flags:   uint64(flags),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOSYS) {
		return unix.Open(path, flags, 0)
	}
	return fd, err
}

// writeFd writes all of b; cgroupfs takes a value in one write(2).
func writeFd(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// readFd reads to end of file.
func readFd(fd int) ([]byte, error) {
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
