// Package seccomp applies a runtime-spec seccomp profile (linux.seccomp)
// without putting cgo, or libseccomp, into hull itself.
//
// Where each step runs, and why:
//
//	step                                  where                    cgo
//	Translate/Validate: check the         hull create (parent),    no
//	  profile, turn it into libseccomp    and spec.Validate
//	  rules (plan.go)
//	Prepare: the BPF from the cache       hull create (parent)     no
//	  <root>/@seccomp/<digest>.bpf, or
//	  from hull-seccomp on a miss
//	hull-seccomp: rules -> libseccomp     a helper process,        yes
//	  -> BPF (helper/)                    only on a cache miss
//	Load: seccomp(SET_MODE_FILTER)        init, on the locked      no
//	  with the cached bytes               thread that execs
//	SendListener: the NOTIFY listener     whoever holds the fd     no
//	  fd to the agent at listenerPath     (runc: the parent)
//
// A cgo binary starts about 1 ms slower than a pure Go one, and hull starts
// four times per container lifecycle; compiling a profile the size of
// Docker's default costs milliseconds more. So the compile happens once per
// distinct profile (the cache), never in init.
//
// The helper protocol: hull-seccomp reads a runtime-spec seccomp profile
// (the JSON of specs.LinuxSeccomp) on stdin and writes the filter as
// libseccomp exports it (an array of struct sock_filter, 8 bytes each, in
// the machine's byte order) to stdout, then exits 0. On any problem it
// writes "hull-seccomp: <message>" (naming the profile field when there is
// one) to stderr and exits 1; the caller then discards stdout. Only the
// fields that shape the BPF matter to it: defaultAction, defaultErrnoRet,
// architectures and syscalls. Flags and the listener are applied at load
// time, so Prepare leaves them out of what it sends and of the cache key.
package seccomp
