package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Lock is an exclusive flock on one container's directory; commands on other
// containers never wait for it.
type Lock struct{ f *os.File }

// Create makes the state directory of a new container and locks it. It fails
// if the container already exists, so two creates of one id cannot both win.
func Create(root, id string) (*Lock, error) {
	dir, err := validDir(root, id)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("runtime root %s: %w", root, err)
	}
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("container %s already exists", id)
		}
		return nil, fmt.Errorf("state dir %s: %w", dir, err)
	}
	return lockDir(dir)
}

// Acquire locks the state directory of an existing container.
func Acquire(root, id string) (*Lock, error) {
	dir, err := validDir(root, id)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
	}
	return lockDir(dir)
}

func lockDir(dir string) (*Lock, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock.
func (l *Lock) Release() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// Remove deletes the container's state directory (the lock stays held
// until Release, so no other command sees a half-removed directory as live).
func Remove(root, id string) error {
	dir, err := validDir(root, id)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove state of %s: %w", id, err)
	}
	return nil
}
