package lsm

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheck(t *testing.T) {
	withProc := func(aa, se string) *specs.Spec {
		return &specs.Spec{Process: &specs.Process{ApparmorProfile: aa, SelinuxLabel: se}}
	}
	tests := []struct {
		name string
		host Host
		spec *specs.Spec
		want string // "" means accepted
	}{
		{"nothing asked, nothing enabled", Host{}, withProc("", ""), ""},
		{"no process", Host{}, &specs.Spec{}, ""},
		{"apparmor without apparmor", Host{SELinux: true}, withProc("docker-default", ""), `process.apparmorProfile "docker-default": AppArmor is not enabled`},
		{"apparmor with apparmor", Host{AppArmor: true}, withProc("docker-default", ""), ""},
		{"selinux without selinux", Host{AppArmor: true}, withProc("", "system_u:system_r:container_t:s0"), `process.selinuxLabel "system_u:system_r:container_t:s0": SELinux is disabled`},
		{"selinux with selinux", Host{SELinux: true}, withProc("", "system_u:system_r:container_t:s0"), ""},
		{"mount label", Host{SELinux: true}, &specs.Spec{Linux: &specs.Linux{MountLabel: "system_u:object_r:container_file_t:s0"}}, "linux.mountLabel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.host.Check(tc.spec)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
