package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// notifReq and notifResp are struct seccomp_notif and seccomp_notif_resp
// (x/sys/unix has the ioctl numbers but not the structs).
type notifReq struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type notifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// answerOne waits (bounded) for one notification on the listener fd,
// checks it is the call the child makes, and answers it with val.
func answerOne(fd int, nr int32, arg0 uint64, val int64) (notifReq, error) {
	var req notifReq
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if n, err := unix.Poll(pfd, 30_000); err != nil || n != 1 {
		return req, fmt.Errorf("no notification within 30s: %v", err)
	}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); e != 0 {
		return req, fmt.Errorf("SECCOMP_IOCTL_NOTIF_RECV: %w", e)
	}
	if req.Nr != nr || req.Args[0] != arg0 {
		return req, fmt.Errorf("notified of syscall %d(%d), want %d(%d)", req.Nr, req.Args[0], nr, arg0)
	}
	resp := notifResp{ID: req.ID, Val: val}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); e != 0 {
		return req, fmt.Errorf("SECCOMP_IOCTL_NOTIF_SEND: %w", e)
	}
	return req, nil
}

// TestNotify: the child loads a NOTIFY profile, sends the listener to an
// agent (this test) with SendListener, and its getsid is answered by the
// agent instead of the kernel.
func TestNotify(t *testing.T) {
	requireHelper(t)
	dir := t.TempDir()
	sock, got := startAgent(t, dir)
	s := allowExcept(call(specs.ActNotify, "getsid"))
	s.ListenerPath, s.ListenerMetadata = sock, "agent-metadata"
	if problems := Validate(s); problems != nil {
		t.Fatal(problems)
	}
	p, err := Prepare(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Notify || p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		t.Fatalf("program notify %v flags 0x%x", p.Notify, p.Flags)
	}
	probe := fmt.Sprintf("getsid(%d)", noPid1)
	cmd, out := childCommand(t, childConfig{Program: p, Listener: sock, Metadata: s.ListenerMetadata, Dir: dir, Probes: []string{probe}})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	agentErr := runAgent(t, <-got, cmd.Process.Pid)
	if agentErr != nil {
		cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if agentErr != nil {
		t.Fatalf("agent: %v (child: %v, %s)", agentErr, waitErr, cmd.Stderr)
	}
	if waitErr != nil {
		t.Fatalf("child: %v\n%s", waitErr, cmd.Stderr)
	}
	var res childResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	checkProbes(t, &res, map[string]string{probe: "ok=4242"})
}

// runAgent checks what SendListener delivered and answers the child's call.
func runAgent(t *testing.T, m agentMessage, pid int) error {
	if m.err != nil {
		return m.err
	}
	if len(m.fds) != 1 {
		return fmt.Errorf("received fds %v, want exactly one", m.fds)
	}
	defer unix.Close(m.fds[0])
	st := m.state
	if st.Version != specs.Version || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" || st.Pid != pid ||
		st.Metadata != "agent-metadata" || st.State.Pid != pid || st.State.Status != specs.StateCreating {
		return fmt.Errorf("container process state %+v", st)
	}
	req, err := answerOne(m.fds[0], unix.SYS_GETSID, noPid1, 4242)
	if err != nil {
		return err
	}
	// The notification names the child's thread that made the call.
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d", pid, req.Pid)); err != nil {
		return fmt.Errorf("notification from %d, not a thread of the child %d: %v", req.Pid, pid, err)
	}
	return nil
}

// TestLoadRefusesBadPrograms: Load checks what it is given before the kernel.
func TestLoadRefusesBadPrograms(t *testing.T) {
	for name, p := range map[string]*Program{
		"nil":                   nil,
		"half an instruction":   {Filter: allowAll[:4]},
		"notify without flag":   {Filter: allowAll, Notify: true},
		"listener without flag": {Filter: allowAll, Flags: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
	} {
		// Refused before seccomp(2) is called, so this process stays
		// unfiltered.
		if fd, err := Load(p); err == nil || fd != -1 || !strings.HasPrefix(err.Error(), "seccomp: ") {
			t.Errorf("%s: fd %d, %v", name, fd, err)
		}
	}
}
