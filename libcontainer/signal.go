package libcontainer

import (
	"errors"
	"fmt"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/state"
	"golang.org/x/sys/unix"
)

// Signal sends sig to the container's init, or with all to every process in
// its cgroup.
func Signal(root, id string, sig unix.Signal, all bool) error {
	c, err := Load(root, id)
	if err != nil {
		return err
	}
	if c.Status() == state.Stopped && !all {
		return fmt.Errorf("cannot signal container %s: it is stopped", id)
	}
	if !all {
		return c.st.Signal(sig)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	return signalCgroup(m, sig)
}

// signalCgroup signals every process in the cgroup; a frozen cgroup is
// thawed after the signal is queued so SIGKILL takes effect.
func signalCgroup(m cgroups.Manager, sig unix.Signal) error {
	pids, err := m.GetPids()
	if err != nil {
		return fmt.Errorf("list container processes: %w", err)
	}
	var errs []error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("signal %d: %w", pid, err))
		}
	}
	if sig == unix.SIGKILL {
		_ = m.Thaw()
	}
	return errors.Join(errs...)
}

// killCgroup kills whatever still runs in a cgroup, best effort.
func killCgroup(m cgroups.Manager) {
	_ = signalCgroup(m, unix.SIGKILL)
}
