package rootfs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

// The integration tests re-exec the test binary in new namespaces: the
// child (detected in TestMain by childEnv) runs Setup/Finalize on a rootfs,
// looks around inside the new root and prints a result as JSON. Its mount
// namespace dies with it, so nothing it mounts can outlive the test.
const childEnv = "HULL_ROOTFS_TEST_CHILD"

// request is what the child does; the lists name container paths to check.
type request struct {
	Rootfs      string
	Spec        *specs.Spec
	NoPivot     bool
	InUserNS    bool
	CgroupPaths map[string]string
	Console     bool // open a pty in the container and SetupConsole it
	FailHook    bool // BeforePivot returns an error
	Stat        []string
	Read        []string
	Write       []string
	List        []string
}

type result struct {
	SetupErr, FinalizeErr, ConsoleErr string
	BeforePivot                       string   // what the hook saw: "ok" or an error
	SetupNanos                        int64    // Setup + Finalize wall time, for the benchmark
	NewFDs                            []string // fds open after Setup+Finalize that were not before
	Cwd                               string
	Mounts                            []mountRecord
	Stat                              map[string]statRecord
	Read                              map[string]ioRecord
	Write                             map[string]ioRecord
	List                              map[string][]string
}

type mountRecord struct{ Root, Point, Options, Optional, FSType, Super string }

type statRecord struct {
	Err          string
	Mode         uint32 // st_mode with the type bits
	Major, Minor uint32
	UID, GID     uint32
	Link         string
}

type ioRecord struct{ Data, Err string }

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

func childMain() int {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "child: decode request:", err)
		return 2
	}
	res := runChild(&req)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "child: encode result:", err)
		return 2
	}
	return 0
}

func runChild(req *request) *result {
	res := &result{Stat: map[string]statRecord{}, Read: map[string]ioRecord{}, Write: map[string]ioRecord{}, List: map[string][]string{}}
	cfg := &Config{Rootfs: req.Rootfs, Spec: req.Spec, NoPivot: req.NoPivot, InUserNS: req.InUserNS, CgroupPaths: req.CgroupPaths,
		BeforePivot: func() error {
			// Mounts and devices must be in place, seen from the host side.
			_, err := os.Stat(req.Rootfs + "/dev/null")
			res.BeforePivot = errString(err, "ok")
			if req.FailHook {
				return errors.New("hook failed on purpose")
			}
			return nil
		}}
	before := openFDs()
	start := time.Now()
	if err := Setup(cfg); err != nil {
		res.SetupErr = err.Error()
		return res
	}
	if err := Finalize(req.Spec); err != nil {
		res.FinalizeErr = err.Error()
	}
	res.SetupNanos = time.Since(start).Nanoseconds()
	for fd, target := range openFDs() {
		// The Go runtime's netpoller starts lazily; its fds are no handles.
		runtimeFD := target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]"
		if _, ok := before[fd]; !ok && !runtimeFD {
			res.NewFDs = append(res.NewFDs, fd+" -> "+target)
		}
	}
	if req.Console {
		res.ConsoleErr = errString(openConsole(), "")
	}
	res.Cwd, _ = os.Getwd()
	res.Mounts = readMounts()
	inspect(req, res)
	return res
}

func inspect(req *request, res *result) {
	for _, p := range req.Stat {
		res.Stat[p] = statPath(p)
	}
	for _, p := range req.Read {
		data, err := os.ReadFile(p)
		res.Read[p] = ioRecord{Data: string(data), Err: errString(err, "")}
	}
	for _, p := range req.Write {
		err := os.WriteFile(p, []byte("x"), 0o644)
		res.Write[p] = ioRecord{Err: errString(err, "")}
	}
	for _, p := range req.List {
		entries, err := os.ReadDir(p)
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if err != nil {
			names = []string{"error: " + err.Error()}
		}
		res.List[p] = names
	}
}

// openConsole makes a pty in the container's devpts and binds its slave
// onto /dev/console, as init does for terminal: true.
func openConsole() error {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return err
	}
	n, err := unix.IoctlGetUint32(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		return err
	}
	return SetupConsole(fmt.Sprintf("/dev/pts/%d", n))
}

// openFDs maps this process's open fds to what they point at.
func openFDs() map[string]string {
	out := map[string]string{}
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		out[e.Name()] = target
	}
	return out
}

func statPath(p string) statRecord {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return statRecord{Err: err.Error()}
	}
	link, _ := os.Readlink(p)
	return statRecord{Mode: st.Mode, Major: unix.Major(st.Rdev), Minor: unix.Minor(st.Rdev), UID: st.Uid, GID: st.Gid, Link: link}
}

func readMounts() []mountRecord {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mountRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if mi, ok := parseMountinfo(sc.Text()); ok {
			out = append(out, mountRecord{mi.root, mi.mountpoint, mi.options, mi.optional, mi.fstype, mi.superOptions})
		}
	}
	return out
}

func errString(err error, none string) string {
	if err != nil {
		return err.Error()
	}
	return none
}

// nsOptions are the namespaces a test child gets besides mount, pid, uts, ipc.
type nsOptions struct {
	user   bool   // new user namespace
	hostID int    // first host id mapped to the user namespace's 0 (65536 ids)
	cgroup bool   // new cgroup namespace
	exe    string // the test binary to run (default os.Args[0])
}

// runInNS runs req in a re-executed child and returns what it found. It
// fails the test if the child broke or if any mount under the rootfs is
// left in the host's mount namespace afterwards.
func runInNS(t testing.TB, req request, ns nsOptions) result {
	t.Helper()
	testutil.RequireRoot(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	exe := os.Args[0]
	if ns.exe != "" {
		exe = ns.exe
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = childAttr(ns)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var res result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("child output: %v\n%s\n%s", err, out, stderr.String())
	}
	assertNoHostMounts(t, req.Rootfs)
	return res
}

func childAttr(ns nsOptions) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC,
		Pdeathsig:  syscall.SIGKILL,
	}
	if ns.cgroup {
		attr.Cloneflags |= unix.CLONE_NEWCGROUP
	}
	if ns.user {
		attr.Cloneflags |= unix.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: ns.hostID, Size: 65536}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: ns.hostID, Size: 65536}}
		// Become the namespace's root: host root is unmapped there unless hostID is 0.
		attr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}
	}
	return attr
}

// assertNoHostMounts checks the host's mount table has nothing under dir.
func assertNoHostMounts(t testing.TB, dir string) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if mi, ok := parseMountinfo(line); ok && within(dir, mi.mountpoint) {
			t.Errorf("mount left on the host after the child exited: %s", line)
		}
	}
}

// newRootfs returns a private busybox rootfs with a marker file, so a test
// can tell it is inside it.
func newRootfs(t testing.TB) string {
	t.Helper()
	testutil.RequireRoot(t)
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.BusyboxRootfs(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "hull-marker"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// defaultMounts are the mounts runc's `spec` writes, minus cgroups.
func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}
}

func defaultSpec() *specs.Spec {
	return &specs.Spec{
		Root:   &specs.Root{Path: "rootfs"},
		Mounts: defaultMounts(),
		Linux:  &specs.Linux{},
	}
}

// findMount returns the top mount at point, failing the test if none.
func findMount(t *testing.T, res result, point string) mountRecord {
	t.Helper()
	var found *mountRecord
	for i := range res.Mounts {
		if res.Mounts[i].Point == point {
			found = &res.Mounts[i]
		}
	}
	if found == nil {
		t.Fatalf("no mount at %s; mounts: %+v", point, res.Mounts)
	}
	return *found
}

func hasOpts(list string, want ...string) bool {
	have := map[string]bool{}
	for _, o := range strings.Split(list, ",") {
		have[o] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

func mustSetup(t *testing.T, res result) {
	t.Helper()
	if res.SetupErr != "" || res.FinalizeErr != "" {
		t.Fatalf("setup: %q finalize: %q", res.SetupErr, res.FinalizeErr)
	}
}
