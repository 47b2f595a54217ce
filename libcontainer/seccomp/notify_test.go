package seccomp

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// agentMessage is what a seccomp agent got from one recvmsg.
type agentMessage struct {
	state specs.ContainerProcessState
	fds   []int
	err   error
}

// startAgent listens on a unix socket in dir and reads one message the way
// an agent does (one recvmsg), sending the result on the channel.
func startAgent(t *testing.T, dir string) (string, <-chan agentMessage) {
	t.Helper()
	path := filepath.Join(dir, "agent.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan agentMessage, 1)
	go func() { ch <- receiveOne(ln) }()
	return path, ch
}

func receiveOne(ln *net.UnixListener) (m agentMessage) {
	if m.err = ln.SetDeadline(time.Now().Add(30 * time.Second)); m.err != nil {
		return m
	}
	conn, err := ln.AcceptUnix()
	if err != nil {
		m.err = err
		return m
	}
	defer conn.Close()
	buf, oob := make([]byte, 1<<16), make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		m.err = err
		return m
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		m.err = err
		return m
	}
	for _, msg := range msgs {
		fds, err := unix.ParseUnixRights(&msg)
		if err != nil {
			m.err = err
			return m
		}
		m.fds = append(m.fds, fds...)
	}
	m.err = json.Unmarshal(buf[:n], &m.state)
	return m
}

func TestSendListener(t *testing.T) {
	dir := t.TempDir()
	path, got := startAgent(t, dir)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	profile := &specs.LinuxSeccomp{ListenerPath: path, ListenerMetadata: "meta=1"}
	state := specs.State{Version: specs.Version, ID: "c1", Status: specs.StateCreating, Pid: 42, Bundle: "/b",
		Annotations: map[string]string{"a": "b"}}
	st := ProcessState(profile, 42, state)
	if err := SendListener(path, st, int(w.Fd())); err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m.err != nil {
		t.Fatal(m.err)
	}
	want := specs.ContainerProcessState{Version: specs.Version, Fds: []string{"seccompFd"}, Pid: 42, Metadata: "meta=1", State: state}
	if !reflect.DeepEqual(m.state, want) {
		t.Errorf("agent got %+v, want %+v", m.state, want)
	}
	if len(m.fds) != 1 {
		t.Fatalf("agent got fds %v, want one", m.fds)
	}
	// The fd the agent got is our pipe's write end.
	if _, err := unix.Write(m.fds[0], []byte("x")); err != nil {
		t.Fatal(err)
	}
	unix.Close(m.fds[0])
	b := make([]byte, 1)
	if _, err := r.Read(b); err != nil || b[0] != 'x' {
		t.Errorf("read through the passed fd: %q, %v", b, err)
	}
}

func TestSendListenerErrors(t *testing.T) {
	st := ProcessState(&specs.LinuxSeccomp{}, 1, specs.State{})
	if err := SendListener(filepath.Join(t.TempDir(), "none.sock"), st, 0); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("no agent: %v", err)
	}
	st.Fds = nil
	if err := SendListener("/unused", st, 0); err == nil || !strings.Contains(err.Error(), "names 0 fds") {
		t.Errorf("no fd name: %v", err)
	}
}
