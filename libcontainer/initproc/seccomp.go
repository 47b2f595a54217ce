package initproc

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer/seccomp"
	"golang.org/x/sys/unix"
)

// Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Like runc, init
// loads it before the credential change when process.noNewPrivileges is
// off (the capabilities are still there), and otherwise as the last step,
// so that as few of init's own syscalls as possible run under the
// container's filter. Either way it is loaded on the locked thread that
// execs the process, and only there: the filter goes through execve, and
// execve ends every other thread.

// seccompBeforeCredentials loads the filter while init is still privileged.
func (s *initState) seccompBeforeCredentials() error {
	if s.cfg.Seccomp == nil || s.cfg.Spec.Process.NoNewPrivileges {
		return nil
	}
	return s.loadSeccomp()
}

// seccompLast loads the filter once no_new_privs is set.
func (s *initState) seccompLast() error {
	if s.cfg.Seccomp == nil || !s.cfg.Spec.Process.NoNewPrivileges {
		return nil
	}
	return s.loadSeccomp()
}

func (s *initState) loadSeccomp() error {
	fd, err := seccomp.Load(s.cfg.Seccomp)
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	if fd < 0 {
		return nil
	}
	// The parent copies the listener out of this process (pidfd_getfd)
	// and hands it to the agent at listenerPath; init waits until it has,
	// then drops its own copy so the container never holds it.
	defer unix.Close(fd)
	if err := s.ch.Send(Message{Type: MsgSeccomp, Fd: fd}); err != nil {
		return err
	}
	return s.ch.Expect(MsgSeccompDone)
}
