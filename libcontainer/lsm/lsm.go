// Package lsm applies the Linux security module settings of a spec:
// process.apparmorProfile and process.selinuxLabel. A setting the host
// cannot apply is refused before anything is created, never skipped: a
// container asked to be confined must not run unconfined.
package lsm

import (
	"fmt"
	"os"
	"strings"

	"github.com/hull-project/hull/libcontainer/procfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Host says which modules the running kernel enforces.
type Host struct {
	AppArmor bool
	SELinux  bool
}

// Detect reads the host's modules as runc does: AppArmor when its
// securityfs directory exists and the module says it is enabled; SELinux
// when selinuxfs is mounted at /sys/fs/selinux.
func Detect() Host {
	var h Host
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
		data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
		h.AppArmor = err == nil && strings.HasPrefix(string(data), "Y")
	}
	var st unix.Statfs_t
	h.SELinux = unix.Statfs("/sys/fs/selinux", &st) == nil && st.Type == unix.SELINUX_MAGIC
	return h
}

// Check refuses the LSM settings of s that h cannot apply. hull applies
// the AppArmor profile and the SELinux process label; SELinux mount labels
// are not implemented, so linux.mountLabel is refused on every host.
func (h Host) Check(s *specs.Spec) error {
	if p := s.Process; p != nil {
		if p.ApparmorProfile != "" && !h.AppArmor {
			return fmt.Errorf("process.apparmorProfile %q: AppArmor is not enabled on this host: refused, the container would run unconfined", p.ApparmorProfile)
		}
		if p.SelinuxLabel != "" && !h.SELinux {
			return fmt.Errorf("process.selinuxLabel %q: SELinux is disabled or not supported on this host: refused, the container would run unlabelled", p.SelinuxLabel)
		}
	}
	if s.Linux != nil && s.Linux.MountLabel != "" {
		return fmt.Errorf("linux.mountLabel %q: SELinux mount labels are not supported by hull yet: refused", s.Linux.MountLabel)
	}
	return nil
}

// ApplyOnExec makes the calling thread's next execve enter the profile and
// label of p. It writes the kernel's per-thread exec attributes, so the
// caller execs from the same locked thread; Check must have passed.
func ApplyOnExec(p *specs.Process) error {
	if p.ApparmorProfile != "" {
		if err := writeAttr("apparmor/exec", "exec "+p.ApparmorProfile); err != nil {
			return fmt.Errorf("process.apparmorProfile %q: %w", p.ApparmorProfile, err)
		}
	}
	if p.SelinuxLabel != "" {
		if err := writeAttr("exec", p.SelinuxLabel); err != nil {
			return fmt.Errorf("process.selinuxLabel %q: %w", p.SelinuxLabel, err)
		}
	}
	return nil
}

// writeAttr writes /proc/thread-self/attr/<name>. AppArmor on kernels
// before 5.8 has no attr/apparmor directory and uses attr/<name> itself.
func writeAttr(name, value string) error {
	path := "/proc/thread-self/attr/" + name
	err := procfs.WriteFile(path, []byte(value))
	if err != nil && strings.HasPrefix(name, "apparmor/") {
		if _, statErr := os.Stat("/proc/thread-self/attr/apparmor"); os.IsNotExist(statErr) {
			return procfs.WriteFile("/proc/thread-self/attr/"+strings.TrimPrefix(name, "apparmor/"), []byte(value))
		}
	}
	return err
}
