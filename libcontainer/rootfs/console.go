package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SetupConsole bind-mounts the pty slave at slavePath (a container path,
// normally /dev/pts/N) onto /dev/console, creating that file. Both ends are
// opened without following a symlink out of the root and checked by type,
// so /dev/console cannot be swapped for a link to a /proc file (the
// CVE-2025-52565 class).
func SetupConsole(slavePath string) error {
	r, err := openRoot("/")
	if err != nil {
		return err
	}
	defer r.close()
	slave, err := openPtySlave(r, slavePath)
	if err != nil {
		return err
	}
	defer slave.Close()
	console, err := openConsoleTarget(r)
	if err != nil {
		return err
	}
	defer console.Close()
	if err := unix.Mount(fdPath(slave), fdPath(console), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s to /dev/console: %w", slavePath, err)
	}
	return nil
}

// openPtySlave opens slavePath and checks it is a pty slave (majors 136-143).
func openPtySlave(r *root, slavePath string) (*os.File, error) {
	f, err := r.open(slavePath)
	if err != nil {
		return nil, fmt.Errorf("console %s: %w", slavePath, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("console %s: %w", slavePath, err)
	}
	major := unix.Major(st.Rdev)
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || major < 136 || major > 143 {
		f.Close()
		return nil, fmt.Errorf("console %s: not a pty slave", slavePath)
	}
	return f, nil
}

// openConsoleTarget creates /dev/console if missing and opens it without
// following a symlink; it must be a regular file or a char device.
func openConsoleTarget(r *root) (*os.File, error) {
	dev, err := r.mkdirAll("/dev", 0o755)
	if err != nil {
		return nil, fmt.Errorf("create /dev: %w", err)
	}
	defer dev.Close()
	if err := createAt(dev, "console"); err != nil {
		return nil, fmt.Errorf("/dev/console: %w", err)
	}
	fd, err := unix.Openat(int(dev.Fd()), "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/console: %w", err)
	}
	f := os.NewFile(uintptr(fd), "/dev/console")
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/console: %w", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		f.Close()
		return nil, errors.New("/dev/console is neither a file nor a char device: refusing")
	}
	return f, nil
}
