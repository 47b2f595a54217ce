package integration

// Escape classes 7 and 8: seccomp and LSM settings fail closed.

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// nativeArches is the seccomp architecture list for this machine.
func nativeArches() []specs.Arch {
	switch runtime.GOARCH {
	case "amd64":
		return []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}
	case "arm64":
		return []specs.Arch{specs.ArchAARCH64, specs.ArchARM}
	}
	return nil
}

// 7. seccomp fails closed: a profile is applied (mkdir refused with EPERM,
// Seccomp: 2) and one with an unknown action refuses the container.
func TestEscapeSeccompFailsClosed(t *testing.T) {
	one := uint(1)
	t.Run("errno", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			b := r.bundle(func(s *specs.Spec) {
				s.Root.Readonly = false
				s.Process.Args = []string{"sh", "-c", "mkdir /tmp/x 2>&1; echo mkdir=$?; touch /tmp/ok && echo touch=ok; grep '^Seccomp:' /proc/self/status"}
				s.Linux.Seccomp = &specs.LinuxSeccomp{
					DefaultAction: specs.ActAllow,
					Architectures: nativeArches(),
					Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &one}},
				}
			})
			res := r.do("run", "--bundle", b, r.id())
			if _, err := os.Stat(filepath.Join(b, "rootfs/tmp/x")); err == nil {
				r.escaped("mkdir succeeded: the seccomp profile was not applied")
			}
			if !strings.Contains(res.stdout, "mkdir=") {
				r.fail("the container did not run with a valid profile: exit %d: %s", res.code, strings.TrimSpace(res.stderr))
				return
			}
			if !strings.Contains(res.stdout, "Operation not permitted") {
				r.fail("mkdir did not fail with EPERM: %q", res.stdout)
			}
			if !regexp.MustCompile(`(?m)^Seccomp:\s+2$`).MatchString(res.stdout) {
				r.fail("/proc/self/status does not show Seccomp: 2: %q", res.stdout)
			}
			if !strings.Contains(res.stdout, "touch=ok") {
				r.fail("control: touch /tmp/ok failed, so the filesystem is not writable: %q", res.stdout)
			}
		})
	})
	t.Run("unknown-action", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			b := r.bundle(func(s *specs.Spec) {
				s.Process.Args = []string{"sleep", "100"}
				s.Linux.Seccomp = &specs.LinuxSeccomp{
					DefaultAction: specs.ActAllow,
					Architectures: nativeArches(),
					Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.LinuxSeccompAction("SCMP_ACT_BOGUS")}},
				}
			})
			res := r.do("create", "--bundle", b, r.id())
			if res.code == 0 {
				r.escaped("create accepted a seccomp profile with the unknown action SCMP_ACT_BOGUS")
				return
			}
			low := strings.ToLower(res.stderr)
			if !strings.Contains(low, "seccomp") || !strings.Contains(low, "action") {
				r.fail("the refusal does not name the seccomp action field: %q", res.stderr)
			}
			r.note("refused: %s", strings.TrimSpace(res.stderr))
			if left := dirEntries(t, r.root); len(left) > 0 {
				r.fail("state left in the root: %v", left)
			}
		})
	})
}

// lsmActive reports whether the host runs the named LSM.
func lsmActive(name string) bool {
	if data, err := os.ReadFile("/sys/kernel/security/lsm"); err == nil {
		return slices.Contains(strings.Split(strings.TrimSpace(string(data)), ","), name)
	}
	switch name {
	case "apparmor":
		data, _ := os.ReadFile("/sys/module/apparmor/parameters/enabled")
		return strings.TrimSpace(string(data)) == "Y"
	case "selinux":
		_, err := os.Stat("/sys/fs/selinux/enforce")
		return err == nil
	}
	return false
}

// 8. LSMs fail closed: a profile or label that this host cannot apply
// refuses the container instead of running it unconfined.
func TestEscapeLSMFailsClosed(t *testing.T) {
	cases := []struct {
		name, lsm string
		mutate    func(s *specs.Spec)
	}{
		{"apparmorProfile", "apparmor", func(s *specs.Spec) { s.Process.ApparmorProfile = "foo" }},
		{"selinuxLabel", "selinux", func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u:system_r:container_t:s0:c1,c2" }},
		{"mountLabel", "selinux", func(s *specs.Spec) { s.Linux.MountLabel = "system_u:object_r:container_file_t:s0:c1,c2" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if lsmActive(tc.lsm) {
				t.Skipf("%s is active on this host: the test needs a host without it", tc.lsm)
			}
			forEachRuntime(t, func(t *testing.T, r *rtEnv) {
				b := r.bundle(func(s *specs.Spec) {
					s.Process.Args = []string{"sleep", "100"}
					tc.mutate(s)
				})
				res := r.do("create", "--bundle", b, r.id())
				if res.code == 0 {
					r.escaped("created a container whose %s cannot be applied (%s is not enabled): it would run unconfined", tc.name, tc.lsm)
					return
				}
				if !strings.Contains(strings.ToLower(res.stderr), tc.lsm) {
					r.fail("the refusal does not mention %s: %q", tc.lsm, res.stderr)
				}
				r.note("refused: %s", strings.TrimSpace(res.stderr))
				if left := dirEntries(t, r.root); len(left) > 0 {
					r.fail("state left in the root: %v", left)
				}
			})
		})
	}
}
