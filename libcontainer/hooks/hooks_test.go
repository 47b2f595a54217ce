package hooks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const sh = "/bin/sh"

func testState() *specs.State {
	return &specs.State{
		Version:     specs.Version,
		ID:          "hook-test",
		Status:      specs.StateCreated,
		Pid:         42,
		Bundle:      "/bundle",
		Annotations: map[string]string{"a": "b"},
	}
}

func shHook(script string, args ...string) specs.Hook {
	return specs.Hook{Path: sh, Args: append([]string{"sh", "-c", script, "hookname"}, args...)}
}

func TestRunPassesStateOnStdin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "state.json")
	if err := Run("createRuntime", []specs.Hook{shHook(`cat > "$1"`, out)}, testState()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.State
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("hook stdin is not state JSON: %v: %q", err, data)
	}
	want := testState()
	if got.ID != want.ID || got.Pid != want.Pid || got.Status != want.Status || got.Bundle != want.Bundle || got.Annotations["a"] != "b" {
		t.Errorf("hook got state %+v, want %+v", got, *want)
	}
}

func TestRunOrderArgsAndEnv(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "log")
	hs := []specs.Hook{
		shHook(`echo "first $0 $1 $2" >> "$3"`, "a b", "c", out),
		{Path: sh, Args: []string{"sh", "-c", `echo "second $HOOKVAR" >> ` + out}, Env: []string{"HOOKVAR=v1"}},
		// busybox picks its applet from argv[0]: proof that Args[0] is argv[0], not a parameter.
		{Path: "/bin/busybox", Args: []string{"sh", "-c", `echo third >> ` + out}},
		// No Args at all: argv is just the path.
		{Path: "/bin/true"},
	}
	if err := Run("poststart", hs, testState()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "first hookname a b c\nsecond v1\nthird\n"
	if string(data) != want {
		t.Errorf("hooks wrote %q, want %q", data, want)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "not-reached")
	tests := []struct {
		name string
		hs   []specs.Hook
		want []string
	}{
		{
			name: "exit status and stderr",
			hs: []specs.Hook{
				shHook("true"),
				shHook("echo '  something broke  ' >&2; exit 3"),
				shHook(`touch "$1"`, marker),
			},
			want: []string{"prestart hook #1 (/bin/sh)", "exit status 3", "stderr: something broke"},
		},
		{
			name: "missing binary",
			hs:   []specs.Hook{{Path: filepath.Join(dir, "nope")}},
			want: []string{"prestart hook #0", "nope", "no such file"},
		},
		{
			name: "relative path",
			hs:   []specs.Hook{{Path: "true"}},
			want: []string{"prestart hook #0 (true)", "path must be absolute"},
		},
		{
			name: "bad timeout",
			hs:   []specs.Hook{{Path: "/bin/true", Timeout: new(0)}},
			want: []string{"prestart hook #0", "timeout must be a positive"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Run("prestart", tc.hs, testState())
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a hook after the failing one ran (stat: %v)", err)
	}
}

func TestRunTimeoutKillsHookAndChildren(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	// The hook starts a grandchild and waits; the timeout must kill both.
	hook := shHook(`sleep 60 & echo $! > "$1"; echo waiting >&2; wait`, pidFile)
	hook.Timeout = new(1)
	err := Run("createContainer", []specs.Hook{hook}, testState())
	if err == nil || !strings.Contains(err.Error(), "exceeding its timeout of 1s") || !strings.Contains(err.Error(), "stderr: waiting") {
		t.Fatalf("want a timeout error with the hook's stderr, got %v", err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	// This process is a subreaper (TestMain), so the orphaned sleep is ours to reap.
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap the hook's child %d: %v", pid, err)
	}
	if !ws.Signaled() || ws.Signal() != unix.SIGKILL {
		t.Errorf("the hook's child %d ended with %v, want killed by SIGKILL", pid, ws)
	}
}

// A hook that succeeds but leaves a daemon holding its stderr must not hang
// the runtime until the daemon exits.
func TestRunHookLeavesDaemon(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	err := Run("poststart", []specs.Hook{shHook(`sleep 60 & echo $! > "$1"`, pidFile)}, testState())
	data, readErr := os.ReadFile(pidFile)
	if readErr != nil {
		t.Fatal(readErr)
	}
	pid, convErr := strconv.Atoi(strings.TrimSpace(string(data)))
	if convErr != nil {
		t.Fatal(convErr)
	}
	// The daemon is ours to end: the subreaper (TestMain) adopted it.
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Errorf("kill the daemon %d: %v", pid, err)
	}
	var ws unix.WaitStatus
	_, _ = unix.Wait4(pid, &ws, 0, nil)
	if err != nil {
		t.Errorf("a successful hook whose daemon holds stderr: %v", err)
	}
}

func TestMain(m *testing.M) {
	// Orphans of a killed hook come to this process, which reaps them,
	// instead of to a pid 1 that might leave them as zombies.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestRunNoHooks(t *testing.T) {
	if err := Run("poststop", nil, nil); err != nil {
		t.Errorf("no hooks: %v", err)
	}
	if err := Run("poststop", []specs.Hook{{Path: "/bin/true"}}, nil); err == nil {
		t.Error("hooks without state: want an error")
	}
}
