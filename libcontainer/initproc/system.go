package initproc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/hull-project/hull/libcontainer/lsm"
	"github.com/hull-project/hull/libcontainer/procfs"
	"github.com/hull-project/hull/spec"
	"golang.org/x/sys/unix"
)

func (s *initState) setHostname() error {
	sp := s.cfg.Spec
	if sp.Hostname != "" {
		if err := unix.Sethostname([]byte(sp.Hostname)); err != nil {
			return fmt.Errorf("hostname %q: %w", sp.Hostname, err)
		}
	}
	if sp.Domainname != "" {
		if err := unix.Setdomainname([]byte(sp.Domainname)); err != nil {
			return fmt.Errorf("domainname %q: %w", sp.Domainname, err)
		}
	}
	return nil
}

// writeSysctls writes linux.sysctl through the container's own /proc, each
// through an fd checked to be procfs (a container-made directory, symlink
// or mount there must not receive our writes).
func (s *initState) writeSysctls() error {
	if s.cfg.Spec.Linux == nil {
		return nil
	}
	for key, val := range s.cfg.Spec.Linux.Sysctl {
		p := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
		if err := procfs.WriteFile(p, []byte(val)); err != nil {
			return fmt.Errorf("linux.sysctl %s=%s: %w", key, val, err)
		}
	}
	return nil
}

// setRlimits uses syscall.Setrlimit rather than a raw prlimit: the Go
// runtime restores its saved RLIMIT_NOFILE at exec unless told through it.
func (s *initState) setRlimits() error {
	for _, rl := range s.cfg.Spec.Process.Rlimits {
		res, ok := spec.Rlimits[rl.Type]
		if !ok {
			return fmt.Errorf("process.rlimits: unknown type %q", rl.Type)
		}
		lim := syscall.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := syscall.Setrlimit(res, &lim); err != nil {
			return fmt.Errorf("process.rlimits %s soft=%d hard=%d: %w", rl.Type, rl.Soft, rl.Hard, err)
		}
	}
	return nil
}

func (s *initState) setOOMScore() error {
	adj := s.cfg.Spec.Process.OOMScoreAdj
	if adj == nil {
		return nil
	}
	if err := procfs.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*adj))); err != nil {
		return fmt.Errorf("process.oomScoreAdj %d: %w", *adj, err)
	}
	return nil
}

// joinKeyring gives the container its own session keyring so it cannot see
// the host's keys; kernels or user namespaces without keyrings are fine.
func (s *initState) joinKeyring() error {
	if s.cfg.NoNewKeyring {
		return nil
	}
	_, err := unix.KeyctlJoinSessionKeyring("_ses." + s.cfg.ID)
	if err != nil && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EDQUOT) {
		return fmt.Errorf("join session keyring: %w", err)
	}
	return nil
}

// closeFds marks every fd above the preserved ones close-on-exec, so nothing
// hull or its caller opened leaks into the container (CVE-2024-21626 class).
// hull's create already did the same before it started init; this guards
// init's own fds (its pipe, the fifo, the console socket).
func (s *initState) closeFds() error {
	first := uint(3 + s.cfg.PreserveFds)
	if err := unix.CloseRange(first, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	return nil
}

// newSession makes the container's process lead a session of its own, as
// runc does: it must not share hull's caller's session (job control, the
// caller's terminal), and a terminal needs a session leader to take it.
func (s *initState) newSession() error {
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	return nil
}

// applyLSM sets the AppArmor profile and SELinux label the user's process
// enters at execve (create has refused any the host cannot apply). It runs
// while init may still write its own attributes, before the credentials.
func (s *initState) applyLSM() error {
	return lsm.ApplyOnExec(s.cfg.Spec.Process)
}
