package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Features returns the runtime-spec features document for `hull features`:
// what this build of hull understands, not what the host supports.
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
			// Seccomp, LSMs and Intel RDT are not implemented yet: say so
			// rather than leave them unknown, so callers do not rely on them.
			Seccomp:         &features.Seccomp{Enabled: ptr(false)},
			Apparmor:        &features.Apparmor{Enabled: ptr(false)},
			Selinux:         &features.Selinux{Enabled: ptr(false)},
			IntelRdt:        &features.IntelRdt{Enabled: ptr(false)},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: ptr(false)}},
		},
	}
}

func ptr[T any](v T) *T { return &v }
