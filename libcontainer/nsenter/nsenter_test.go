package nsenter

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

// helper and nsprint are hull-nsenter (built from helper/nsenter.c) and
// testdata/nsprint, which it execs; TestMain builds both once.
var helper, nsprint string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hull-nsenter-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Searchable by any uid: the user-namespace tests exec nsprint as
	// root of a new user namespace (hull passes /proc/self/fd/N instead).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	nsprint, helper = dir+"/nsprint", dir+"/hull-nsenter"
	if out, err := exec.Command("go", "build", "-o", nsprint, "./testdata/nsprint").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build testdata/nsprint: %v\n%s", err, out)
		return 1
	}
	if out, err := exec.Command("cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", helper, "helper/nsenter.c").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build hull-nsenter: %v\n%s", err, out)
		return 1
	}
	// The pid-namespace path leaves the real init as an orphan: as a
	// subreaper this process adopts and reaps it, as hull create must.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "set child subreaper:", err)
		return 1
	}
	return m.Run()
}

// helperCmd runs nsprint through hull-nsenter, as hull runs its init.
func helperCmd() *exec.Cmd {
	return exec.Command(helper, nsprint, "nsprint")
}

// result is nsprint's key=value output.
type result map[string]string

func parseResult(out []byte) result {
	r := result{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			r[k] = v
		}
	}
	return r
}

// startTarget starts a sleep in the namespaces named by cloneFlags and waits
// until it is in them (unshare(1) execs sleep only after unsharing).
func startTarget(t *testing.T, cmd *exec.Cmd, changed ...string) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for range 200 {
		if nsLink(t, pid, changed[0]) != nsLink(t, os.Getpid(), changed[0]) {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("target %d never left this process's %s namespace", pid, changed[0])
	return 0
}

// waitMapped waits until pid's user namespace has its gid map: unshare -r
// enters the namespace first and writes the maps after, and joining a
// namespace whose gid 0 is not mapped yet fails with EINVAL.
func waitMapped(t *testing.T, pid int) {
	t.Helper()
	for range 200 {
		if data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/gid_map", pid)); len(strings.TrimSpace(string(data))) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("target %d never got a gid map", pid)
}

func nsLink(t *testing.T, pid int, ns string) string {
	t.Helper()
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// pidPipe gives the child a pipe for _HULL_PIDFD at fd 3 + index in ExtraFiles.
func pidPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func readPid(t *testing.T, r *os.File) int {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("read pid: %q: %v", line, err)
	}
	pid, err := strconv.Atoi(strings.TrimSuffix(line, "\n"))
	if err != nil {
		t.Fatalf("pid line %q: %v", line, err)
	}
	return pid
}

// reap waits for the container init that the intermediate left to us.
func reap(t *testing.T, pid int) {
	t.Helper()
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap forked init %d: %v", pid, err)
	}
	if ws.ExitStatus() != 0 {
		t.Errorf("forked init %d exited with %v", pid, ws)
	}
}

func TestJoinNamespaces(t *testing.T) {
	testutil.RequireRoot(t)
	target := startTarget(t, exec.Command("unshare", "-m", "-n", "-u", "-i", "sleep", "1000"), "net")
	r, w := pidPipe(t)
	cmd := helperCmd()
	cmd.Env = append(os.Environ(),
		EnvNSEnter+"=1",
		fmt.Sprintf("%s=uts:/proc/%d/ns/uts,net:/proc/%d/ns/net,mnt:/proc/%d/ns/mnt,ipc:/proc/%d/ns/ipc",
			EnvNSPaths, target, target, target, target),
		EnvPidFD+"=3")
	cmd.ExtraFiles = []*os.File{w}
	out, err := cmd.Output()
	w.Close()
	if err != nil {
		t.Fatalf("nsprint: %v: %s", err, stderrOf(err))
	}
	got := parseResult(out)
	for _, ns := range []string{"net", "uts", "mnt", "ipc"} {
		if want := nsLink(t, target, ns); got["ns."+ns] != want {
			t.Errorf("%s namespace %s, want the target's %s", ns, got["ns."+ns], want)
		}
	}
	for _, ns := range []string{"pid", "user", "cgroup"} {
		if want := nsLink(t, os.Getpid(), ns); got["ns."+ns] != want {
			t.Errorf("%s namespace %s, want this process's %s", ns, got["ns."+ns], want)
		}
	}
	if pid := readPid(t, r); pid != cmd.Process.Pid || got["pid"] != strconv.Itoa(pid) {
		t.Errorf("pid fd said %d, process was %d and printed %s: want one pid, no fork", pid, cmd.Process.Pid, got["pid"])
	}
	if got["env"] != "" {
		t.Errorf("the Go program still sees %s", got["env"])
	}
}

func TestJoinUserNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	// unshare -r maps the target's root to ours; the user namespace is listed
	// last but must be joined first.
	target := startTarget(t, exec.Command("unshare", "-U", "-r", "-n", "sleep", "1000"), "user")
	waitMapped(t, target)
	cmd := helperCmd()
	cmd.Env = append(os.Environ(), EnvNSEnter+"=1",
		fmt.Sprintf("%s=net:/proc/%d/ns/net,user:/proc/%d/ns/user", EnvNSPaths, target, target))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nsprint: %v: %s", err, stderrOf(err))
	}
	got := parseResult(out)
	for _, ns := range []string{"user", "net"} {
		if want := nsLink(t, target, ns); got["ns."+ns] != want {
			t.Errorf("%s namespace %s, want the target's %s", ns, got["ns."+ns], want)
		}
	}
	if got["uid"] != "0" || got["gid"] != "0" || got["uid_map"] != "0 0 1" {
		t.Errorf("uid %s gid %s uid_map %q: want root of the joined user namespace", got["uid"], got["gid"], got["uid_map"])
	}
}

func TestJoinPidNamespaceForks(t *testing.T) {
	testutil.RequireRoot(t)
	sleep := exec.Command("sleep", "1000")
	sleep.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID}
	target := startTarget(t, sleep, "pid")
	r, w := pidPipe(t)
	cmd := helperCmd()
	cmd.Env = append(os.Environ(), EnvNSEnter+"=1", fmt.Sprintf("%s=pid:/proc/%d/ns/pid", EnvNSPaths, target), EnvPidFD+"=3")
	cmd.ExtraFiles = []*os.File{w}
	out, err := cmd.Output()
	w.Close()
	if err != nil {
		t.Fatalf("nsprint: %v: %s", err, stderrOf(err))
	}
	initPid := readPid(t, r)
	reap(t, initPid)
	got := parseResult(out)
	if want := nsLink(t, target, "pid"); got["ns.pid"] != want {
		t.Errorf("pid namespace %s, want the target's %s", got["ns.pid"], want)
	}
	// The sleep is pid 1 there, so the joiner's child is pid 2.
	if want := fmt.Sprintf("%d 2", initPid); got["nspid"] != want {
		t.Errorf("NSpid %q, want %q (host pid from the pid fd, then 2)", got["nspid"], want)
	}
	if initPid == cmd.Process.Pid {
		t.Error("no fork: the process that joined a pid namespace is not in it")
	}
}

func TestUnshareUserNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	parent, child := os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child")
	t.Cleanup(func() { parent.Close(); child.Close() })
	r, w := pidPipe(t)
	var stdout, stderr strings.Builder
	cmd := helperCmd()
	cmd.Env = append(os.Environ(), EnvNSEnter+"=1",
		fmt.Sprintf("%s=%d", EnvUnshare, unix.CLONE_NEWUSER|unix.CLONE_NEWUTS|unix.CLONE_NEWPID),
		EnvSyncFD+"=3", EnvPidFD+"=4")
	cmd.ExtraFiles = []*os.File{child, w}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	child.Close()
	w.Close()

	buf := make([]byte, 1)
	if _, err := parent.Read(buf); err != nil || buf[0] != SyncUserNS {
		t.Fatalf("sync fd: read %q, %v; want %q (stderr %s)", buf, err, SyncUserNS, stderr.String())
	}
	for _, f := range []string{"uid_map", "gid_map"} {
		path := fmt.Sprintf("/proc/%d/%s", cmd.Process.Pid, f)
		if err := os.WriteFile(path, []byte("0 100000 65536\n"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := parent.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	initPid := readPid(t, r)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nsprint: %v: %s", err, stderr.String())
	}
	reap(t, initPid)
	got := parseResult([]byte(stdout.String()))
	want := result{"uid": "0", "gid": "0", "uid_map": "0 100000 65536", "gid_map": "0 100000 65536",
		"nspid": fmt.Sprintf("%d 1", initPid), "env": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, ns := range []string{"user", "uts", "pid"} {
		if got["ns."+ns] == nsLink(t, os.Getpid(), ns) {
			t.Errorf("%s namespace not new: %s", ns, got["ns."+ns])
		}
	}
}

func TestUnshareTimeNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	r, w := pidPipe(t)
	cmd := helperCmd()
	cmd.Env = append(os.Environ(), EnvNSEnter+"=1",
		fmt.Sprintf("%s=%d", EnvUnshare, unix.CLONE_NEWTIME),
		EnvTimensOffsets+"=monotonic 86400 0\nboottime 172800 0\n", EnvPidFD+"=3")
	cmd.ExtraFiles = []*os.File{w}
	out, err := cmd.Output()
	w.Close()
	if err != nil {
		t.Fatalf("nsprint: %v: %s", err, stderrOf(err))
	}
	reap(t, readPid(t, r))
	got := parseResult(out)
	if want := "monotonic 86400 0 boottime 172800 0"; got["timens_offsets"] != want {
		t.Errorf("timens_offsets %q, want %q", got["timens_offsets"], want)
	}
	if got["ns.time"] == nsLink(t, os.Getpid(), "time") {
		t.Errorf("time namespace not new: %s", got["ns.time"])
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"unknown type", []string{EnvNSPaths + "=net:/proc/self/ns/net,disk:/x"}, `nsenter: namespace type "disk": want one of`},
		{"no path", []string{EnvNSPaths + "=net"}, `nsenter: namespace "net": want type:path: Invalid argument`},
		{"missing path", []string{EnvNSPaths + "=net:" + dir + "/nope"}, "nsenter: open net:" + dir + "/nope: No such file or directory"},
		{"wrong type", []string{EnvNSPaths + "=net:/proc/self/ns/uts"}, "nsenter: setns net:/proc/self/ns/uts: Invalid argument"},
		{"bad flags", []string{EnvUnshare + "=lots"}, "nsenter: _HULL_UNSHARE=lots: want a non-negative decimal number"},
		{"user without sync fd", []string{fmt.Sprintf("%s=%d", EnvUnshare, unix.CLONE_NEWUSER)}, "nsenter: unshare user namespace: _HULL_SYNCFD is not set"},
		{"parent hangs up", []string{fmt.Sprintf("%s=%d", EnvUnshare, unix.CLONE_NEWUSER), EnvSyncFD + "=3"}, "nsenter: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := helperCmd()
			cmd.Env = append(append(os.Environ(), EnvNSEnter+"=1"), tc.env...)
			if tc.name == "parent hangs up" {
				cmd.ExtraFiles = []*os.File{hungUpSocket(t)}
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
				t.Fatalf("exit %d (%v), want 1", code, err)
			}
			if !strings.HasPrefix(stderr.String(), tc.want) {
				t.Errorf("stderr %q, want it to start with %q", stderr.String(), tc.want)
			}
			if len(out) != 0 {
				t.Errorf("the Go program ran after an error: %q", out)
			}
		})
	}
}

// hungUpSocket is a sync fd whose other end is already closed.
func hungUpSocket(t *testing.T) *os.File {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fds[0])
	f := os.NewFile(uintptr(fds[1]), "hung-up")
	t.Cleanup(func() { f.Close() })
	return f
}

func TestDisabledWithoutEnv(t *testing.T) {
	cmd := helperCmd()
	cmd.Env = append(os.Environ(), EnvNSPaths+"=net:/nonexistent", EnvUnshare+"=bogus")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("without %s the constructor must do nothing: %v: %s", EnvNSEnter, err, stderrOf(err))
	}
	got := parseResult(out)
	if want := nsLink(t, os.Getpid(), "net"); got["ns.net"] != want {
		t.Errorf("net namespace %s, want this process's %s", got["ns.net"], want)
	}
	if !strings.Contains(got["env"], EnvNSPaths) {
		t.Errorf("without %s the variables are left alone, got env=%q", EnvNSEnter, got["env"])
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
