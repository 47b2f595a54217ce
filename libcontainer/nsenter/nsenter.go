// Package nsenter speaks to hull-nsenter, the small C helper that joins and
// creates namespaces for hull's init where a Go program cannot.
//
// setns() into a user or mount namespace requires a single-threaded process,
// and a Go program has several threads before main runs. So the work is done
// by a C constructor (helper/nsenter.c) in a separate static program,
// hull-nsenter, installed beside hull: hull runs it only for containers that
// need it (namespaces joined by path, a new time namespace), and it then
// execs hull's init. Keeping cgo out of hull itself saves about a
// millisecond on every start of hull (measured: a static cgo hello world
// starts in 2.8 ms, a pure Go one in 1.7 ms), and a lifecycle starts hull
// four times. hull-nsenter is run as
//
//	hull-nsenter PROGRAM ARGV0 [ARG...]
//
// and, after the constructor below has done its work, execs PROGRAM with
// argv ARGV0 ARG...
//
// The protocol, in the order the constructor follows it:
//
//	Variable              Value                        Effect
//	_HULL_NSENTER         any                          enables everything below
//	_HULL_NSPATHS         type:path[,type:path...]     opens ALL paths first, then setns() the
//	                                                   user namespace (if any) and then the
//	                                                   others in the order given; type is one
//	                                                   of user mnt pid net ipc uts cgroup time;
//	                                                   after joining a user namespace:
//	                                                   setresgid(0,0,0), setresuid(0,0,0)
//	_HULL_UNSHARE         decimal CLONE_NEW* flags     namespaces to create after joining;
//	                                                   must not hold CLONE_NEWUSER when a user
//	                                                   namespace was joined
//	_HULL_SYNCFD          decimal fd                   with CLONE_NEWUSER in _HULL_UNSHARE:
//	                                                   after unshare(CLONE_NEWUSER) the
//	                                                   constructor writes the byte 'U' here and
//	                                                   blocks reading one byte; the parent
//	                                                   writes /proc/PID/{uid,gid}_map (PID is
//	                                                   the process it started: no fork happened
//	                                                   yet) and then writes any byte. Then
//	                                                   setresgid(0,0,0), setresuid(0,0,0) and
//	                                                   unshare() of the other flags.
//	_HULL_TIMENS_OFFSETS  timens_offsets(5) lines      written to /proc/self/timens_offsets
//	                                                   after the unshare (needs CLONE_NEWTIME
//	                                                   in _HULL_UNSHARE), e.g.
//	                                                   "monotonic 10 0\nboottime 20 0\n"
//	_HULL_PIDFD           decimal fd                   receives the container init's pid as
//	                                                   decimal + "\n" (see below)
//
// A pid or time namespace (joined or created) applies only to children, so in
// that case the constructor forks: the child goes on into the Go runtime as
// the container's init, and the parent writes the child's pid (as seen by the
// caller) to _HULL_PIDFD and exits 0. The caller reaps that intermediate
// process; the init it leaves behind is reparented, so the caller must be a
// child subreaper (prctl PR_SET_CHILD_SUBREAPER) to wait for it, or track it
// through the pid read from _HULL_PIDFD. Without a fork the constructor writes
// its own pid to _HULL_PIDFD, if set.
//
// The constructor unsets every _HULL_* variable before PROGRAM runs,
// so neither hull's init nor the container sees them. It leaves _HULL_SYNCFD
// and _HULL_PIDFD open: they belong to the Go side. On any error it writes
// "nsenter: <what>: <strerror>" to stderr and exits 1; the runtime passes that
// text on.
package nsenter

import "github.com/hull-project/hull/internal/helperbin"

// The environment variables of the protocol above.
const (
	EnvNSEnter       = "_HULL_NSENTER"
	EnvNSPaths       = "_HULL_NSPATHS"
	EnvUnshare       = "_HULL_UNSHARE"
	EnvSyncFD        = "_HULL_SYNCFD"
	EnvPidFD         = "_HULL_PIDFD"
	EnvTimensOffsets = "_HULL_TIMENS_OFFSETS"
)

// SyncUserNS is the byte the constructor writes on _HULL_SYNCFD when it has
// created a user namespace and waits for its id maps.
const SyncUserNS = 'U'

// HelperName is the helper's file name; `make install` puts it beside hull.
const HelperName = "hull-nsenter"

// EnvHelper overrides where hull looks for the helper.
const EnvHelper = "HULL_NSENTER"

// FindHelper returns the helper's path: $HULL_NSENTER, else hull-nsenter
// beside the running hull binary, else on $PATH.
func FindHelper() (string, error) {
	return helperbin.Find(HelperName, EnvHelper, "this container (namespaces joined by path or a time namespace)")
}
