package integration

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mkdirDenied is a profile that allows everything but mkdir, which fails
// with errno (and an unknown syscall name, which runc and hull skip).
func mkdirDenied(errno uint) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: nativeArches(),
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat", "hull_no_such_syscall"}, Action: specs.ActErrno, ErrnoRet: &errno},
		},
	}
}

// The filter is loaded with and without no_new_privs, for root and for an
// unprivileged user: without no_new_privs init must load it while it still
// has CAP_SYS_ADMIN, before the credential change.
func TestSeccompWithAndWithoutNoNewPrivs(t *testing.T) {
	for _, tc := range []struct {
		name string
		nnp  bool
		uid  uint32
	}{
		{"nnp-root", true, 0}, {"nnp-user", true, 1000},
		{"privs-root", false, 0}, {"privs-user", false, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			out := e.sh(`mkdir /tmp/x 2>&1; echo "mkdir=$?"; id -u; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status`, func(s *specs.Spec) {
				s.Root.Readonly = false
				s.Process.NoNewPrivileges = tc.nnp
				s.Process.User.UID, s.Process.User.GID = tc.uid, tc.uid
				s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=1777"}})
				s.Linux.Seccomp = mkdirDenied(uint(unix.EXDEV))
			})
			for _, want := range []string{"mkdir=1", "Invalid cross-device link"} {
				if !strings.Contains(out, want) {
					t.Errorf("mkdir was not refused with EXDEV: %q lacks %q", out, want)
				}
			}
			nnp := "0"
			if tc.nnp {
				nnp = "1"
			}
			if !regexp.MustCompile(`(?m)^Seccomp:\s+2$`).MatchString(out) || !regexp.MustCompile(`(?m)^NoNewPrivs:\s+`+nnp+`$`).MatchString(out) {
				t.Errorf("status: %q, want Seccomp: 2 and NoNewPrivs: %s", out, nnp)
			}
			if !strings.Contains(out, "\n"+strconv.Itoa(int(tc.uid))+"\n") {
				t.Errorf("process does not run as uid %d: %q", tc.uid, out)
			}
		})
	}
}

// A profile hull cannot compile or apply fails the create before anything
// is made, naming the field; so does a missing compiler helper.
func TestSeccompRefusedProfiles(t *testing.T) {
	one := uint(1)
	for _, tc := range []struct {
		name, want string
		profile    *specs.LinuxSeccomp
		env        []string
	}{
		{"unknown-arch", "linux.seccomp.architectures[0]", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}, nil},
		{"bad-arg-index", "linux.seccomp.syscalls[0].args[0].index", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}, nil},
		{"errno-on-allow", "linux.seccomp.syscalls[0].errnoRet", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow, ErrnoRet: &one}}}, nil},
		{"notify-without-listener", "linux.seccomp.listenerPath", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}, nil},
		{"unknown-flag", "linux.seccomp.flags[0]", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}}, nil},
		{"helper-missing", "hull-seccomp", mkdirDenied(1), []string{"HULL_SECCOMP=/nonexistent/hull-seccomp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.bundle(func(s *specs.Spec) { s.Linux.Seccomp = tc.profile })
			id := e.id()
			r := e.hullEnv(tc.env, "create", "--bundle", b, id)
			if r.code == 0 {
				t.Fatalf("create accepted the profile")
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("error does not name %s: %q", tc.want, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(e.root, id)); err == nil {
				t.Errorf("a refused create left its state dir")
			}
		})
	}
}

// A second container with the same profile takes the filter from the cache
// under the state root, without the helper.
func TestSeccompCacheHit(t *testing.T) {
	e := newEnv(t)
	mutate := func(s *specs.Spec) { s.Linux.Seccomp = mkdirDenied(1) }
	must(t, e.run([]string{"true"}, mutate), "first run")
	entries, err := os.ReadDir(filepath.Join(e.root, "@seccomp"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache after one profile: %v %v", entries, err)
	}
	cached := filepath.Join(e.root, "@seccomp", entries[0].Name())
	before, _ := os.Stat(cached)
	must(t, e.run([]string{"true"}, mutate), "second run")
	after, _ := os.Stat(cached)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the cached filter was rewritten: the second create compiled again")
	}
	if out := must(t, e.hull("list", "-q"), "list").stdout; strings.Contains(out, "@seccomp") {
		t.Errorf("list shows the cache as a container: %q", out)
	}
	// '@' is not valid in a container id, so no command can take the
	// cache for a container and remove it.
	if r := e.hull("delete", "--force", "@seccomp"); r.code == 0 {
		t.Errorf("delete --force @seccomp succeeded")
	}
	if _, err := os.Stat(cached); err != nil {
		t.Errorf("the cache is gone after delete @seccomp: %v", err)
	}
}

// seccompNotif and seccompNotifResp are the kernel's struct seccomp_notif
// and struct seccomp_notif_resp.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// agentResult is what the test's seccomp agent saw.
type agentResult struct {
	state    specs.ContainerProcessState
	notified int32 // the syscall number it answered
	err      error
}

// runAgent accepts one connection on ln, takes the listener fd and the
// state, and answers the first notification with EXDEV.
func runAgent(ln *net.UnixListener) (res agentResult) {
	_ = ln.SetDeadline(time.Now().Add(60 * time.Second))
	conn, err := ln.AcceptUnix()
	if res.err = err; err != nil {
		return res
	}
	defer conn.Close()
	buf, oob := make([]byte, 1<<16), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if res.err = err; err != nil {
		return res
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if res.err = err; err != nil || len(msgs) != 1 {
		return res
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if res.err = err; err != nil {
		return res
	}
	defer unix.Close(fds[0])
	if res.err = json.Unmarshal(buf[:n], &res.state); res.err != nil {
		return res
	}
	var req seccompNotif
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fds[0]), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); errno != 0 {
		res.err = errno
		return res
	}
	res.notified = req.Nr
	resp := seccompNotifResp{ID: req.ID, Error: -int32(unix.EXDEV)}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fds[0]), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno != 0 {
		res.err = errno
	}
	return res
}

// SCMP_ACT_NOTIFY: the agent at listenerPath gets the listener and the
// container's state from create, and its answer is what the container's
// syscall returns.
func TestSeccompNotifyAgent(t *testing.T) {
	e := newEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan agentResult, 1)
	go func() { got <- runAgent(ln) }()
	b := e.bundle(func(s *specs.Spec) {
		s.Root.Readonly = false
		s.Process.Args = []string{"sh", "-c", "mkdir /x 2>&1; echo mkdir=$?"}
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: sock, ListenerMetadata: "hull-test",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	id := e.id()
	r := must(t, e.hull("run", "--bundle", b, id), "run with a notify rule")
	res := <-got
	if res.err != nil {
		t.Fatalf("agent: %v", res.err)
	}
	if res.state.State.ID != id || res.state.Metadata != "hull-test" || res.state.Pid <= 0 ||
		len(res.state.Fds) != 1 || res.state.Fds[0] != "seccompFd" || res.state.State.Status != specs.StateCreating {
		t.Errorf("agent got state %+v", res.state)
	}
	if res.notified != unix.SYS_MKDIR && res.notified != unix.SYS_MKDIRAT {
		t.Errorf("agent was asked about syscall %d, not mkdir", res.notified)
	}
	if !strings.Contains(r.stdout, "Invalid cross-device link") || !strings.Contains(r.stdout, "mkdir=1") {
		t.Errorf("the agent's answer did not reach the container: %q", r.stdout)
	}
}

// An agent that is not listening fails the create cleanly: a container
// whose notify rule has no agent would hang in that syscall forever.
func TestSeccompNotifyAgentMissing(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: filepath.Join(t.TempDir(), "none.sock"),
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}},
		}
	})
	id := e.id()
	r := e.hull("create", "--bundle", b, id)
	if r.code == 0 || !strings.Contains(r.stderr, "listenerPath") {
		t.Fatalf("create with no agent: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e.root, id)); err == nil {
		t.Errorf("the failed create left its state dir")
	}
}
