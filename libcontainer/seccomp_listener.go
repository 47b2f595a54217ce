package libcontainer

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer/seccomp"
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
// cst is the container's state as the agent sees it (creating, or running
// for an exec'd process pid).
func sendSeccompListener(cst *specs.State, prog *seccomp.Program, profile *specs.LinuxSeccomp, pid, fd int) error {
	if prog == nil || !prog.Notify {
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
	st := seccomp.ProcessState(profile, pid, *cst)
	if err := seccomp.SendListener(profile.ListenerPath, st, listener); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath: %w", err)
	}
	return nil
}
