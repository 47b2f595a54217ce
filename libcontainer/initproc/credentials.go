package initproc

import (
	"bytes"
	"fmt"
	"os"

	"github.com/hull-project/hull/libcontainer/capabilities"
	"golang.org/x/sys/unix"
)

// setCredentials drops the bounding set while still privileged, changes
// uid/gid/groups keeping the permitted set, then sets the final capability
// sets. The raw syscalls act on this (locked) thread, the one that execs.
func (s *initState) setCredentials() error {
	p := s.cfg.Spec.Process
	caps, err := capabilities.New(p.Capabilities)
	if err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	if err := caps.ApplyBounding(); err != nil {
		return fmt.Errorf("capability bounding set: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keep capabilities: %w", err)
	}
	if err := setGroups(p.User.AdditionalGids); err != nil {
		return err
	}
	gid, uid := uintptr(p.User.GID), uintptr(p.User.UID)
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, gid, gid, gid); e != 0 {
		return fmt.Errorf("process.user.gid %d: %w", p.User.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uid, uid, uid); e != 0 {
		return fmt.Errorf("process.user.uid %d: %w", p.User.UID, e)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("reset keep capabilities: %w", err)
	}
	if err := caps.ApplyCaps(); err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	return nil
}

// setGroups replaces the supplementary groups with additionalGids, unless
// the user namespace forbids setgroups (then there is nothing to drop).
func setGroups(gids []uint32) error {
	if data, err := os.ReadFile("/proc/self/setgroups"); err == nil && bytes.HasPrefix(data, []byte("deny")) {
		if len(gids) > 0 {
			return fmt.Errorf("process.user.additionalGids: setgroups is denied in this user namespace")
		}
		return nil
	}
	list := make([]uint32, len(gids))
	copy(list, gids)
	var ptr uintptr
	if len(list) > 0 {
		ptr = uintptrOf(&list[0])
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(list)), ptr, 0); e != 0 {
		return fmt.Errorf("process.user.additionalGids %v: %w", gids, e)
	}
	return nil
}

// setProcessAttrs applies the settings that must follow the uid change.
func (s *initState) setProcessAttrs() error {
	p := s.cfg.Spec.Process
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	if err := unix.Chdir(p.Cwd); err != nil {
		return fmt.Errorf("process.cwd %s: %w", p.Cwd, err)
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	}
	return nil
}
