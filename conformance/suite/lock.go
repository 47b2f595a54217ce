package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// LockPath serialises suite runs on this machine.
var LockPath = "/run/lock/hull-validate.lock"

// Lock takes the machine-wide suite lock, waiting (with a note on stderr)
// while another run holds it. The kernel drops the lock if the holder dies.
func Lock(ctx context.Context) (unlock func(), err error) {
	f, err := os.OpenFile(LockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("suite lock: %w", err)
	}
	for noted := false; ; noted = true {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("suite lock %s: %w", LockPath, err)
		}
		if !noted {
			fmt.Fprintf(os.Stderr, "validate: waiting for another suite run (lock %s)\n", LockPath)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for suite lock: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
