package libcontainer

import (
	"errors"
	"fmt"
	"github.com/hull-project/hull/libcontainer/rootfs"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/hooks"
	"github.com/hull-project/hull/libcontainer/state"
	"golang.org/x/sys/unix"
)

// Delete removes a container: its processes (a created container's init, or
// anything with force), its cgroup on every hierarchy and its state.
func Delete(root, id string, force bool) error {
	lock, err := state.Acquire(root, id)
	if err != nil {
		if force && errors.Is(err, state.ErrNotExist) {
			return nil
		}
		return err
	}
	defer lock.Release()
	c, err := Load(root, id)
	if err != nil {
		if errors.Is(err, state.ErrNotExist) {
			// A create that died before writing its state: its cgroup
			// (if it got that far) and the dir.
			return removeUnfinished(root, id)
		}
		return err
	}
	switch st := c.Status(); st {
	case state.Stopped, state.Created:
	default:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s", id, st)
		}
	}
	return c.destroy()
}

// removeUnfinished cleans up after a create that was killed before it wrote
// state.json: the init it started dies with its pipe to create, so what is
// left is the cgroup it recorded and the state dir.
func removeUnfinished(root, id string) error {
	rec, err := state.LoadCreatingCgroup(root, id)
	if err != nil {
		return err
	}
	if rec != nil {
		m, err := cgroups.Load(rec.Paths)
		if err != nil {
			return err
		}
		removeCgroup(m, rec.Preexisting)
		if !rec.Preexisting && m.Exists() {
			return fmt.Errorf("container %s: its cgroup %s is still there", id, cgroupName(m))
		}
	}
	return state.Remove(root, id)
}

// removeCgroup kills what runs in a cgroup hull made and removes it; one
// that was there before create is left as it is.
func removeCgroup(m cgroups.Manager, preexisting bool) {
	if preexisting {
		return
	}
	killCgroup(m)
	_ = m.Destroy()
}

func (c *Container) destroy() error {
	if c.st.InitAlive() {
		_ = unix.Kill(c.st.InitPid, unix.SIGKILL)
	}
	m, cgErr := c.cgroup()
	switch {
	case cgErr != nil:
	case c.st.SharedPidNS:
		// Without a pid namespace of its own, init's death does not take
		// the rest of the container.
		killCgroup(m)
	default:
		// With one it does, and anything else in the cgroup is not the
		// container's to kill (runc does the same). A paused container's
		// init only dies once thawed.
		_ = m.Thaw()
	}
	if err := c.waitInitGone(10 * time.Second); err != nil {
		return err
	}
	c.detachHostMounts()
	var errs []error
	if cgErr == nil && !c.st.CgroupPreexisting {
		// Destroy waits out the kernel's EBUSY while killed tasks go.
		if err := m.Destroy(); err != nil {
			errs = append(errs, err)
		}
	}
	c.poststop()
	if err := state.Remove(c.root, c.st.ID); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c *Container) waitInitGone(limit time.Duration) error {
	if !c.st.InitAlive() {
		return nil
	}
	// A pidfd turns readable when the process exits, child of ours or not.
	pidfd, err := unix.PidfdOpen(c.st.InitPid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return fmt.Errorf("container %s: watch init %d: %w", c.st.ID, c.st.InitPid, err)
	}
	defer unix.Close(pidfd)
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(limit.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if n > 0 {
			return nil
		}
		return fmt.Errorf("container %s: init %d did not die within %s", c.st.ID, c.st.InitPid, limit)
	}
}

func (c *Container) poststop() {
	if c.st.Hooks == nil || len(c.st.Hooks.Poststop) == 0 {
		return
	}
	if err := hooks.Run("poststop", c.st.Hooks.Poststop, c.hookState(state.Stopped, 0)); err != nil {
		warn("%v", err)
	}
}

// detachHostMounts removes the mounts a container without a mount namespace
// made in the host's: all of them live under its bind of the rootfs, which
// is detached with everything below it. Only mounts stacked on the rootfs
// after create began are ours (the rootfs may itself be a mount point).
func (c *Container) detachHostMounts() {
	if !c.st.HostMountNS {
		return
	}
	for n := rootfs.MountsAt(c.st.Rootfs); n > c.st.RootfsMountsBefore; n-- {
		if err := unix.Unmount(c.st.Rootfs, unix.MNT_DETACH); err != nil {
			warn("detach %s: %v", c.st.Rootfs, err)
			return
		}
	}
}
