package libcontainer

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer/seccomp"
	"github.com/hull-project/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// prepareSeccomp compiles linux.seccomp (from the cache under root when it
// was compiled before); nil when the spec asks for no filter.
func prepareSeccomp(root string, sp *specs.Spec) (*seccomp.Program, error) {
	if sp.Linux == nil {
		return nil, nil
	}
	return seccomp.Prepare(root, sp.Linux.Seccomp)
}

// sendSeccompListener copies the listener fd out of init (pidfd_getfd, as
// runc does: no fd passing over the init pipe, whose reader is buffered)
// and sends it, with the container's state, to the agent at
// linux.seccomp.listenerPath. The create fails if the agent cannot be
// reached: a notify rule without its agent would hang the container's
// syscalls forever.
func (cr *creation) sendSeccompListener(pid, fd int) error {
	if cr.seccomp == nil || !cr.seccomp.Notify {
		return fmt.Errorf("container init: sent a seccomp listener, but the profile has no notify rule")
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("linux.seccomp: open init %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	listener, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return fmt.Errorf("linux.seccomp: copy the listener fd %d of init %d: %w", fd, pid, err)
	}
	defer unix.Close(listener)
	s := cr.spec.Linux.Seccomp
	st := seccomp.ProcessState(s, pid, *cr.c.hookState(state.Creating, pid))
	if err := seccomp.SendListener(s.ListenerPath, st, listener); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath: %w", err)
	}
	return nil
}
