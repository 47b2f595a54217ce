// Package console gives a container a terminal the way runc does: init opens a
// pty from the container's own /dev/ptmx, sends the master to whoever listens
// on --console-socket, and makes the slave its controlling terminal and stdio.
package console

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// NewPty opens a new pty pair through /dev/ptmx of the current mount
// namespace (after pivot_root that is the container's devpts instance) and
// returns the master and the slave's path.
func NewPty() (master *os.File, slavePath string, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/ptmx: %w", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, "", fmt.Errorf("get pty number (TIOCGPTN): %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, "", fmt.Errorf("unlock pty %d (TIOCSPTLCK): %w", n, err)
	}
	return master, "/dev/pts/" + strconv.FormatUint(uint64(n), 10), nil
}

// Resize sets the terminal size (the spec's process.consoleSize).
func Resize(master *os.File, width, height uint16) error {
	ws := &unix.Winsize{Col: width, Row: height}
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		return fmt.Errorf("resize pty to %dx%d: %w", width, height, err)
	}
	return nil
}

// ClearONLCR stops the terminal turning "\n" into "\r\n" on output, so that a
// program's output copied from the master is byte for byte what it wrote
// (runc's recvtty does the same).
func ClearONLCR(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios of %s: %w", f.Name(), err)
	}
	t.Oflag &^= unix.ONLCR
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("set termios of %s: %w", f.Name(), err)
	}
	return nil
}
