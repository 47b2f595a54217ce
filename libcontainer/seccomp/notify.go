package seccomp

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// listenerFdName names the one fd SendListener passes, as runc does.
const listenerFdName = "seccompFd"

// ProcessState builds what the agent receives for the container whose
// profile is s, its init pid (as the runtime sees it) and state.
func ProcessState(s *specs.LinuxSeccomp, pid int, state specs.State) specs.ContainerProcessState {
	return specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{listenerFdName},
		Pid:      pid,
		Metadata: s.ListenerMetadata,
		State:    state,
	}
}

// SendListener hands the seccomp listener fd to the agent listening on the
// unix stream socket listenerPath: the JSON of st and the fd in one
// sendmsg (SCM_RIGHTS), as runc sends them, so the agent can read both
// with one recvmsg. st.Fds must name the one fd (ProcessState does).
//
// Raw syscalls rather than package net, which would pull cgo's resolver
// into hull-seccomp (it links this package). Go installs its signal
// handlers with SA_RESTART, so a blocking connect or sendmsg is restarted,
// not failed with EINTR.
func SendListener(listenerPath string, st specs.ContainerProcessState, fd int) error {
	if len(st.Fds) != 1 {
		return fmt.Errorf("seccomp agent %s: state names %d fds, one is sent", listenerPath, len(st.Fds))
	}
	msg, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("seccomp agent %s: encode state: %w", listenerPath, err)
	}
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("seccomp agent %s: socket: %w", listenerPath, err)
	}
	defer unix.Close(sock)
	if err := unix.Connect(sock, &unix.SockaddrUnix{Name: listenerPath}); err != nil {
		return fmt.Errorf("seccomp agent: connect %s: %w", listenerPath, err)
	}
	n, err := unix.SendmsgN(sock, msg, unix.UnixRights(fd), nil, 0)
	if err != nil {
		return fmt.Errorf("seccomp agent %s: send listener: %w", listenerPath, err)
	}
	if n != len(msg) {
		// The fd went with the first part; the rest cannot follow as the
		// same message, so the agent would see a broken one.
		return fmt.Errorf("seccomp agent %s: sent %d of %d bytes", listenerPath, n, len(msg))
	}
	return nil
}
