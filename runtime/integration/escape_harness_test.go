package integration

// The escape suite: known container-breakout classes, each attack run
// against hull (which must resist it) and, in the same run, against runc
// where it is on PATH (whose outcome is only reported). The attacks are in
// escape_*_test.go, one file per class; run them alone with
//
//	go test -count=1 -run Escape -v ./runtime/integration/
//
// Every check looks at an effect an escape would have: a host file read or
// created, a host binary changed, a kernel setting changed from inside, a
// foreign process killed, or an exit code and message.
//
// This file is the runner: every attack runs once per runtime, as a subtest
// named after it. hull must resist (an escape fails
// the test); runc, where it is on PATH, gets the same attack in the same run
// and its outcome is only reported (Debian's runc 1.1.5 is known to fall to
// some of them): the log says "runc: resisted" or "runc: ESCAPED: ...".

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// escRuntime is one runtime the escape tests attack.
type escRuntime struct {
	name string
	bin  string
	// strict: an escape fails the test (hull). Otherwise it is reported.
	strict bool
}

func escapeRuntimes(t *testing.T) []escRuntime {
	rts := []escRuntime{{name: "hull", bin: hullBin, strict: true}}
	if p, err := exec.LookPath("runc"); err == nil {
		rts = append(rts, escRuntime{name: "runc", bin: p})
	} else {
		t.Logf("runc is not on PATH: hull only")
	}
	return rts
}

// rtEnv is one runtime's side of an escape test: a private --root under a
// base dir of its own, the containers it made (force-deleted when the test
// ends, even after a failure) and what the attack found.
type rtEnv struct {
	t       *testing.T
	rt      escRuntime
	bin     string // the binary run: rt.bin, or a private copy of it
	base    string // holds root, bundles and anything else of the test
	root    string
	mu      sync.Mutex
	ids     []string
	after   []func() // run after the containers are deleted
	escs    []string
	fails   []string
	done    bool
	timeout time.Duration
}

// forEachRuntime runs attack once against hull and once against runc (when
// it is on PATH), each in a parallel subtest named after the runtime.
func forEachRuntime(t *testing.T, attack func(t *testing.T, r *rtEnv)) {
	t.Helper()
	testutil.RequireRoot(t)
	t.Parallel()
	for _, rt := range escapeRuntimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			r := newRTEnv(t, rt)
			attack(t, r)
			r.done = true
		})
	}
}

func newRTEnv(t *testing.T, rt escRuntime) *rtEnv {
	base := t.TempDir()
	// Searchable by any uid, as the existing harness makes its bundles.
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &rtEnv{t: t, rt: rt, bin: rt.bin, base: base, root: filepath.Join(base, "root"), timeout: 90 * time.Second}
	for _, d := range []string{r.root, filepath.Join(base, "io")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Registered after TempDir: runs before the base dir is removed.
	t.Cleanup(r.cleanup)
	return r
}

// cleanup force-deletes every container of the test, runs the deferred
// cleanups, checks for leftovers and reports the outcome.
func (r *rtEnv) cleanup() {
	t := r.t
	r.mu.Lock()
	ids := append([]string(nil), r.ids...)
	r.mu.Unlock()
	// The runtime as installed: an attack may have damaged a private copy.
	r.bin = r.rt.bin
	for _, id := range ids {
		res := r.do("delete", "--force", id)
		if res.code != 0 && !strings.Contains(res.stderr, "does not exist") && !strings.Contains(res.stderr, "not exist") {
			r.fail("cleanup: delete --force %s: exit %d: %s", id, res.code, strings.TrimSpace(res.stderr))
		}
	}
	for i := len(r.after) - 1; i >= 0; i-- {
		r.after[i]()
	}
	for _, id := range ids {
		if r.rt.strict {
			assertNoLeftovers(t, r.root, id)
			continue
		}
		// runc's leftovers are reported and removed, never a failure.
		if dirs := cgroupDirsNamed(id); len(dirs) > 0 {
			t.Logf("%s: left cgroups %v behind; removing them", r.rt.name, dirs)
			for _, d := range dirs {
				rmdirTree(d)
			}
		}
	}
	switch {
	case t.Skipped():
	case len(r.escs) > 0:
		t.Logf("%s: ESCAPED (%d): %s", r.rt.name, len(r.escs), strings.Join(r.escs, "; "))
	case !r.done:
		t.Logf("%s: the attack did not run to its end", r.rt.name)
	case len(r.fails) > 0:
		t.Logf("%s: resisted, but did not behave as required: %s", r.rt.name, strings.Join(r.fails, "; "))
	default:
		t.Logf("%s: resisted", r.rt.name)
	}
}

// escaped records a successful attack: it fails the test for hull and is
// reported for runc.
func (r *rtEnv) escaped(format string, args ...any) {
	r.t.Helper()
	msg := fmt.Sprintf(format, args...)
	r.escs = append(r.escs, msg)
	if r.rt.strict {
		r.t.Errorf("%s: ESCAPED: %s", r.rt.name, msg)
	} else {
		r.t.Logf("%s: ESCAPED: %s", r.rt.name, msg)
	}
}

// fail records a required behaviour that is missing but is no escape by
// itself (a refusal without a clear message, a positive control that did
// not work): a failure for hull, a report for runc.
func (r *rtEnv) fail(format string, args ...any) {
	r.t.Helper()
	msg := fmt.Sprintf(format, args...)
	r.fails = append(r.fails, msg)
	if r.rt.strict {
		r.t.Errorf("%s: %s", r.rt.name, msg)
	} else {
		r.t.Logf("%s: differs: %s", r.rt.name, msg)
	}
}

func (r *rtEnv) note(format string, args ...any) {
	r.t.Helper()
	r.t.Logf("%s: %s", r.rt.name, fmt.Sprintf(format, args...))
}

// setup checks a step the attack needs (not the attack itself): hull must
// pass it; runc is skipped with the reason when it cannot.
func (r *rtEnv) setup(res result, what string) result {
	r.t.Helper()
	if res.code != 0 {
		if r.rt.strict {
			r.t.Fatalf("%s: %s: exit %d\nstdout: %s\nstderr: %s", r.rt.name, what, res.code, res.stdout, res.stderr)
		}
		r.t.Skipf("%s: could not set up the attack: %s: exit %d: %s", r.rt.name, what, res.code, strings.TrimSpace(res.stderr))
	}
	return res
}

// afterDelete runs fn when the test ends, after its containers are
// deleted.
func (r *rtEnv) afterDelete(fn func()) { r.after = append(r.after, fn) }

// id returns a fresh container id that cleanup will force-delete.
func (r *rtEnv) id() string {
	id := testutil.UniqueID("hulltest")
	r.track(id)
	return id
}

func (r *rtEnv) track(id string) {
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
}

// cmd is the runtime with its private root and args, bounded in time.
func (r *rtEnv) cmd(args ...string) (*exec.Cmd, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	c := exec.CommandContext(ctx, r.bin, append([]string{"--root", r.root}, args...)...)
	c.WaitDelay = 5 * time.Second
	return c, cancel
}

// do runs the runtime with args and returns its output and exit code.
func (r *rtEnv) do(args ...string) result {
	r.t.Helper()
	c, cancel := r.cmd(args...)
	defer cancel()
	return r.runCmd(c)
}

// runCmd runs c with files for stdout and stderr (a detached container
// keeps its stdio open, and a pipe would make Wait wait for it).
func (r *rtEnv) runCmd(c *exec.Cmd) result {
	r.t.Helper()
	res, _ := r.runCmdUsage(c)
	return res
}

// runCmdUsage is runCmd that also returns the command's resource usage.
func (r *rtEnv) runCmdUsage(c *exec.Cmd) (result, *syscall.Rusage) {
	r.t.Helper()
	out, errf := r.tempFile(), r.tempFile()
	defer out.Close()
	defer errf.Close()
	c.Stdout, c.Stderr = out, errf
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
		if code < 0 {
			code = 128 + int(ee.Sys().(syscall.WaitStatus).Signal())
		}
	} else if err != nil {
		r.t.Fatalf("%s %v: %v", r.rt.name, c.Args, err)
	}
	var ru *syscall.Rusage
	if c.ProcessState != nil {
		ru, _ = c.ProcessState.SysUsage().(*syscall.Rusage)
	}
	return result{readAll(r.t, out), readAll(r.t, errf), code}, ru
}

func (r *rtEnv) tempFile() *os.File {
	f, err := os.CreateTemp(filepath.Join(r.base, "io"), "out-")
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// bundle makes a busybox bundle under the base dir whose config is the
// default spec (runc's), without a terminal, changed by mutate.
func (r *rtEnv) bundle(mutate func(s *specs.Spec)) string {
	r.t.Helper()
	dir, err := os.MkdirTemp(r.base, "bundle-")
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		r.t.Fatal(err)
	}
	testutil.BusyboxRootfs(r.t, rootfs)
	s := spec.Default()
	s.Process.Terminal = false
	s.Process.Args = []string{"true"}
	if mutate != nil {
		mutate(s)
	}
	testutil.WriteJSON(r.t, filepath.Join(dir, "config.json"), s)
	return dir
}

// state returns the runtime's `state` of id (hull and runc print the same
// fields).
func (r *rtEnv) state(id string) stateJSON {
	r.t.Helper()
	res := r.setup(r.do("state", id), "state "+id)
	var s stateJSON
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		r.t.Fatalf("%s: state output %q: %v", r.rt.name, res.stdout, err)
	}
	return s
}

func (r *rtEnv) waitStatus(id, want string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := r.state(id)
		if s.Status == want {
			return
		}
		if time.Now().After(deadline) {
			r.setup(result{code: 1, stderr: "status " + s.Status + ", want " + want}, "wait for "+id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// privateBinary makes the test run a copy of the runtime (and, for hull,
// hull-nsenter beside it): an attack that overwrites the binary then
// damages only the copy.
func (r *rtEnv) privateBinary() string {
	r.t.Helper()
	dir := filepath.Join(r.base, "bin")
	if err := os.Mkdir(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
	cp := func(src string) string {
		dst := filepath.Join(dir, filepath.Base(src))
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			r.t.Fatalf("copy %s: %v: %s", src, err, out)
		}
		return dst
	}
	r.bin = cp(r.rt.bin)
	if helper := filepath.Join(filepath.Dir(r.rt.bin), "hull-nsenter"); r.rt.strict {
		if _, err := os.Stat(helper); err == nil {
			cp(helper)
		}
	}
	return r.bin
}

// waitForFile waits until path exists with content that ends in a newline
// and returns the content.
func waitForFile(t *testing.T, path string, limit time.Duration) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			return string(b), true
		}
		if time.Now().After(deadline) {
			return string(b), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeFileAtomic writes data to path through a rename, so that a poller
// never sees half of it.
func writeFileAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// dirEntries lists the names in dir, sorted.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// cgroupMount is one cgroup hierarchy mounted on the host.
type cgroupMount struct {
	point string
	v2    bool
	opts  string
}

// hostCgroupMounts lists the cgroup hierarchies mounted under
// /sys/fs/cgroup, where a runtime puts an absolute linux.cgroupsPath.
func hostCgroupMounts(t *testing.T) []cgroupMount {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cgroupMount
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		dash := indexDash(fields)
		if dash < 0 || dash+3 >= len(fields) || len(fields) < 5 {
			continue
		}
		fstype, point := fields[dash+1], fields[4]
		if (fstype != "cgroup" && fstype != "cgroup2") || !strings.HasPrefix(point, "/sys/fs/cgroup") || seen[point] {
			continue
		}
		seen[point] = true
		out = append(out, cgroupMount{point: point, v2: fstype == "cgroup2", opts: fields[dash+3]})
	}
	return out
}

// rmdirTree removes an (empty of tasks) cgroup directory and its children,
// deepest first, retrying briefly while the kernel reports it busy.
func rmdirTree(dir string) error {
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var last error
	for i := len(dirs) - 1; i >= 0; i-- {
		for try := 0; try < 50; try++ {
			last = syscall.Rmdir(dirs[i])
			if last == nil || os.IsNotExist(last) {
				last = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return last
}

// procStatusField returns a field of /proc/<pid>/status (or of a task's).
func procStatusField(path, field string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s: no %s line", path, field)
}
