package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/libcontainer/seccomp"
)

// checkSeccomp reports every problem of linux.seccomp (unknown actions,
// operators, architectures or flags, argument indexes out of range, an
// errnoRet on an action without one, SCMP_ACT_NOTIFY misused or without
// listenerPath) so create refuses a bad profile before it makes anything.
// The check is pure Go: the rules it checks are the ones hull-seccomp
// compiles, from the same translation. Whether the kernel has the flags,
// and whether libseccomp knows each syscall name, is for seccomp.Prepare.
func checkSeccomp(p *problems, s *specs.LinuxSeccomp) {
	for _, e := range seccomp.Validate(s) {
		p.add(e.Field, "%s", e.Msg)
	}
}
