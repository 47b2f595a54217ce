package initproc

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"github.com/hull-project/hull/libcontainer/capabilities"
	"github.com/hull-project/hull/libcontainer/procfs"
	"golang.org/x/sys/unix"
)

// setCredentials drops the bounding set while still privileged, changes
// uid/gid/groups keeping the permitted set, then sets the final capability
// sets.
//
// Init is a Go program with several OS threads, and credentials are
// per-thread in Linux. Every thread gets the container's ids and
// capabilities (the CVE-2016-9962 class: a co-tenant that reaches a runtime
// thread still holding uid 0 and every capability owns the host), so the
// id and capset changes go through syscall.AllThreadsSyscall (hull is pure
// Go, which that needs). The bounding and ambient sets only matter at
// execve, which only the locked thread does (exec ends the others), and a
// thread without permitted capabilities cannot raise anything from its
// bounding set, so those stay per-thread.
func (s *initState) setCredentials() error {
	p := s.cfg.Spec.Process
	caps, err := capabilities.New(p.Capabilities)
	if err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	if err := caps.ApplyBounding(); err != nil {
		return fmt.Errorf("capability bounding set: %w", err)
	}
	if err := allThreadsPrctl(unix.PR_SET_KEEPCAPS, 1); err != nil {
		return fmt.Errorf("keep capabilities: %w", err)
	}
	if err := setGroups(p.User.AdditionalGids); err != nil {
		return err
	}
	gid, uid := int(p.User.GID), int(p.User.UID)
	// syscall's Setres[ug]id apply to every thread of the process.
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("process.user.gid %d: %w", p.User.GID, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("process.user.uid %d: %w", p.User.UID, err)
	}
	if err := allThreadsPrctl(unix.PR_SET_KEEPCAPS, 0); err != nil {
		return fmt.Errorf("reset keep capabilities: %w", err)
	}
	if err := caps.ApplyCaps(); err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	return nil
}

func allThreadsPrctl(option, arg uintptr) error {
	_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, option, arg, 0)
	switch e {
	case 0:
		return nil
	case syscall.ENOTSUP:
		// Go refuses AllThreadsSyscall in a binary linked with cgo, and
		// without it a thread could keep root's credentials.
		return fmt.Errorf("%w: this hull binary was built with cgo; build it with CGO_ENABLED=0", e)
	}
	return e
}

// setGroups replaces the supplementary groups of every thread with
// additionalGids, unless the user namespace forbids setgroups (then there
// is nothing to drop).
func setGroups(gids []uint32) error {
	if data, err := procfs.ReadFile("/proc/self/setgroups"); err == nil && bytes.HasPrefix(data, []byte("deny")) {
		if len(gids) > 0 {
			return fmt.Errorf("process.user.additionalGids: setgroups is denied in this user namespace")
		}
		return nil
	}
	list := make([]int, len(gids))
	for i, g := range gids {
		list[i] = int(g)
	}
	if err := syscall.Setgroups(list); err != nil {
		return fmt.Errorf("process.user.additionalGids %v: %w", gids, err)
	}
	return nil
}

// enterCwd enters process.cwd while init is still root, as runc does, so
// a directory only root may search still works for a container user who
// may enter the final directory (a volume chowned to that user). If root
// is refused (a root-squashing mount), setProcessAttrs tries again as the
// container's user.
func (s *initState) enterCwd() error {
	cwd := s.cfg.Spec.Process.Cwd
	err := unix.Chdir(cwd)
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		s.cwdPending = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("process.cwd %s: %w", cwd, err)
	}
	return checkCwd(cwd)
}

// setProcessAttrs applies the settings that must follow the uid change.
func (s *initState) setProcessAttrs() error {
	p := s.cfg.Spec.Process
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	if s.cwdPending {
		if err := unix.Chdir(p.Cwd); err != nil {
			return fmt.Errorf("process.cwd %s: %w", p.Cwd, err)
		}
		if err := checkCwd(p.Cwd); err != nil {
			return err
		}
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	}
	return nil
}

func checkCwd(cwd string) error {
	if err := verifyCwd(); err != nil {
		return fmt.Errorf("process.cwd %s: %w", cwd, err)
	}
	return nil
}

// verifyCwd checks that the working directory is inside the container's
// root (the CVE-2024-21626 class: a cwd reached through a host fd, such as
// /proc/self/fd/N, would hand the process a host directory). getcwd(2)
// marks a directory outside the root "(unreachable)", which unix.Getwd
// turns into ENOENT. os.Getwd is not used: it trusts $PWD first.
func verifyCwd() error {
	wd, err := unix.Getwd()
	if errors.Is(err, unix.ENOENT) {
		return errors.New("the working directory is outside the container's root: possible container breakout, refused")
	}
	if err != nil {
		return fmt.Errorf("verify the working directory: %w", err)
	}
	if !filepath.IsAbs(wd) {
		return fmt.Errorf("the working directory %q is not absolute: possible container breakout, refused", wd)
	}
	return nil
}
