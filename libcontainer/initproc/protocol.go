// Package initproc is the code that runs inside the container: hull re-execs
// itself as "hull init" with the container's namespaces, receives its
// configuration from the parent, prepares the container and finally execs
// the user's process when `hull start` opens the exec fifo.
//
// The parent/child protocol, over the socketpair passed as the fd named by
// $_HULL_INITPIPE, one JSON object per line:
//
//	step | direction       | message            | meaning
//	-----+-----------------+--------------------+--------------------------------------------
//	1    | parent -> init  | Config             | everything init needs; sent once the init pid
//	     |                 |                    | is in its cgroup (v1) so nothing runs unaccounted
//	2    | init -> parent  | {"type":"hooks"}   | mounts done, before pivot_root: run prestart and
//	     |                 |                    | createRuntime hooks now (only if Config.HookSync)
//	3    | parent -> init  | {"type":"resume"}  | hooks ran; init runs createContainer and pivots
//	4    | init -> parent  | {"type":"seccomp", | the filter is loaded and uses SCMP_ACT_NOTIFY: the
//	     |                 |  "fd":N}           | parent copies listener fd N (pidfd_getfd) and sends
//	     |                 |                    | it to linux.seccomp.listenerPath
//	5    | parent -> init  | {"type":           | the agent has the listener; init closes its copy
//	     |                 |  "seccompDone"}    | (steps 4-5 happen only with a notify rule)
//	6    | init -> parent  | {"type":"ready"}   | init is about to block opening the exec fifo
//	any  | init -> parent  | {"type":"error"}   | init failed; Msg says why; init exits 1
//
// After "ready" the parent closes its end and records the state; `start`
// later opens the fifo, which unblocks init.
//
// For `hull exec` (Config.Exec) there is no step 2, 3 or 6: init applies
// the process's settings and execs at once. Its end of the socketpair is
// close-on-exec, so the parent reading EOF without an error message knows
// the user's program runs.
package initproc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/libcontainer/seccomp"
)

// EnvInitPipe names the fd of init's end of the socketpair.
const EnvInitPipe = "_HULL_INITPIPE"

// Config is what the parent hands init.
type Config struct {
	ID           string            `json:"id"`
	Bundle       string            `json:"bundle"`
	Spec         *specs.Spec       `json:"spec"`
	Rootfs       string            `json:"rootfs"`
	NoPivot      bool              `json:"no_pivot,omitempty"`
	NoNewKeyring bool              `json:"no_new_keyring,omitempty"`
	CgroupPaths  map[string]string `json:"cgroup_paths,omitempty"`
	// InUserNS is true when init runs in a user namespace it did not
	// share with the host (devices must then be bind-mounted).
	InUserNS bool `json:"in_user_ns,omitempty"`
	// HookSync asks init to stop before pivot_root so the parent can run
	// prestart and createRuntime hooks in the runtime namespace.
	HookSync bool `json:"hook_sync,omitempty"`
	// Fds of init's inherited files; -1 when absent.
	FifoFd    int `json:"fifo_fd"`
	ConsoleFd int `json:"console_fd"`
	// PreserveFds is how many fds above stderr go through to the process.
	PreserveFds int `json:"preserve_fds,omitempty"`
	// HostPid is init's pid as the host sees it (for hook state).
	HostPid int `json:"host_pid"`
	// SetnsInInit are namespaces init joins by path itself: the ones a
	// thread of a Go program may enter (net, ipc, uts, cgroup).
	SetnsInInit []specs.LinuxNamespace `json:"setns_in_init,omitempty"`
	// Seccomp is linux.seccomp compiled by the parent (nil: no filter),
	// so init never runs the compiler.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// Exec is true for `hull exec`: init already stands in every namespace
	// and the cgroup of a running container, and only starts a process
	// there (Spec holds just that process).
	Exec bool `json:"exec,omitempty"`
}

// Message is one protocol message other than the config.
type Message struct {
	Type string `json:"type"`
	Msg  string `json:"msg,omitempty"`
	// Fd is init's seccomp listener fd (MsgSeccomp).
	Fd int `json:"fd,omitempty"`
}

const (
	MsgHooks  = "hooks"
	MsgResume = "resume"
	MsgReady  = "ready"
	// MsgSeccomp and MsgSeccompDone pass the seccomp listener.
	MsgSeccomp     = "seccomp"
	MsgSeccompDone = "seccompDone"
	MsgError       = "error"
)

// Channel speaks the protocol over a stream.
type Channel struct {
	r   *bufio.Reader
	w   io.Writer
	enc *json.Encoder
}

// NewChannel wraps rw.
func NewChannel(rw io.ReadWriter) *Channel {
	return &Channel{r: bufio.NewReader(rw), w: rw, enc: json.NewEncoder(rw)}
}

// Send writes one message.
func (c *Channel) Send(v any) error {
	if err := c.enc.Encode(v); err != nil {
		return fmt.Errorf("init protocol send: %w", err)
	}
	return nil
}

// Recv reads one message into v.
func (c *Channel) Recv(v any) error {
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return io.EOF
		}
		return fmt.Errorf("init protocol receive: %w", err)
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("init protocol decode: %w", err)
	}
	return nil
}

// Expect reads a message and checks its type; an error message from the
// peer becomes the returned error.
func (c *Channel) Expect(typ string) error {
	var m Message
	if err := c.Recv(&m); err != nil {
		if err == io.EOF {
			return fmt.Errorf("init exited before %q", typ)
		}
		return err
	}
	if m.Type == MsgError {
		return fmt.Errorf("%s", m.Msg)
	}
	if m.Type != typ {
		return fmt.Errorf("init protocol: got %q, want %q", m.Type, typ)
	}
	return nil
}
