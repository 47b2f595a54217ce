package console

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// SetupSlaveStdio makes the pty slave at slavePath the process's controlling
// terminal and its stdin, stdout and stderr. It starts a new session first
// (a process may only take a terminal as a session leader without one); if
// the process already leads its session, that is used as is.
func SetupSlaveStdio(slavePath string) error {
	if _, err := unix.Setsid(); err != nil {
		// EPERM: already a process group leader, which is fine only if it also leads the session.
		if !errors.Is(err, unix.EPERM) || !isSessionLeader() {
			return fmt.Errorf("setsid: %w", err)
		}
	}
	fd, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open console %s: %w", slavePath, err)
	}
	if fd <= 2 {
		// stdio was closed and the slave took its place: move it out of
		// the way so that dup3 below never has the same fd on both sides.
		high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("dup console %s: %w", slavePath, err)
		}
		fd = high
	}
	defer unix.Close(fd)
	if err := unix.IoctlSetInt(fd, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("make %s the controlling terminal: %w", slavePath, err)
	}
	for target := 0; target <= 2; target++ {
		// dup3 clears close-on-exec on the copy, so the user's process inherits it.
		if err := unix.Dup3(fd, target, 0); err != nil {
			return fmt.Errorf("dup console %s onto fd %d: %w", slavePath, target, err)
		}
	}
	return nil
}

func isSessionLeader() bool {
	sid, err := unix.Getsid(0)
	return err == nil && sid == unix.Getpid()
}
