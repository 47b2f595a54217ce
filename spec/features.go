package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/hull-project/hull/libcontainer/seccomp"
)

// Features returns the runtime-spec features document for `hull features`:
// what this build of hull understands, not what the host supports, except
// seccomp's supportedFlags, which the runtime-spec defines as the known
// flags the running kernel accepts.
func Features() *features.Features {
	var nss []string
	for _, ns := range namespaceOrder {
		nss = append(nss, string(ns))
	}
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         clone(hookNames),
		MountOptions:  mountOptionNames(),
		Linux: &features.Linux{
			Namespaces:   nss,
			Capabilities: capabilityNames(),
			Cgroup: &features.Cgroup{
				V1: ptr(true), V2: ptr(true), Systemd: ptr(false), SystemdUser: ptr(false),
			},
			Seccomp: &features.Seccomp{
				Enabled:        ptr(true),
				Actions:        seccomp.KnownActions(),
				Operators:      seccomp.KnownOperators(),
				Archs:          seccomp.KnownArchs(),
				KnownFlags:     seccomp.KnownFlags(),
				SupportedFlags: seccomp.SupportedFlags(),
			},
			// process.apparmorProfile is applied (where the host runs
			// AppArmor; refused elsewhere). SELinux is reported off:
			// process labels are applied but linux.mountLabel is refused,
			// so a client that labels mounts must not pick hull for it.
			// Intel RDT is not implemented: said, not left unknown.
			Apparmor:        &features.Apparmor{Enabled: ptr(true)},
			Selinux:         &features.Selinux{Enabled: ptr(false)},
			IntelRdt:        &features.IntelRdt{Enabled: ptr(false)},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: ptr(false)}},
		},
	}
}

func ptr[T any](v T) *T { return &v }
