// Package integration runs the hull binary against real bundles as root and
// checks the effect from inside the container.
package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hullBin is the binary under test, built once by TestMain.
var hullBin string

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Println("integration tests skipped: they need root to create namespaces, mounts and cgroups")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "hull-bin-")
	if err != nil {
		panic(err)
	}
	hullBin = filepath.Join(dir, "hull")
	if b := os.Getenv("HULL_BINARY"); b != "" {
		hullBin = b
	} else if err := buildHull(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	testutil.Cleanup()
	os.Exit(code)
}

// buildHull builds hull and, beside it where hull looks for them, the
// hull-nsenter and hull-seccomp helpers (make does the same into bin/).
func buildHull(dir string) error {
	// Pure Go, as make builds it: credentials go to every thread through
	// syscall.AllThreadsSyscall, which a cgo-linked binary cannot use.
	build := exec.Command("go", "build", "-o", hullBin, "github.com/hull-project/hull/runtime")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build hull: %v\n%s", err, out)
	}
	src, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/hull-project/hull/libcontainer/nsenter").Output()
	if err != nil {
		return fmt.Errorf("find nsenter sources: %v", err)
	}
	c := filepath.Join(strings.TrimSpace(string(src)), "helper", "nsenter.c")
	if out, err := exec.Command("cc", "-O2", "-static", "-o", filepath.Join(dir, "hull-nsenter"), c).CombinedOutput(); err != nil {
		return fmt.Errorf("build hull-nsenter: %v\n%s", err, out)
	}
	cmd := exec.Command("go", "build", "-ldflags", "-linkmode external -extldflags -static",
		"-o", filepath.Join(dir, "hull-seccomp"), "github.com/hull-project/hull/libcontainer/seccomp/helper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build hull-seccomp: %v\n%s", err, out)
	}
	return nil
}

// env is one test's runtime root; every container it made is force-deleted
// and checked for leftovers when the test ends, even when it failed.
type env struct {
	t    *testing.T
	root string
	ids  []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	t.Parallel()
	e := &env{t: t, root: t.TempDir()}
	t.Cleanup(e.cleanup)
	return e
}

func (e *env) cleanup() {
	for _, id := range e.ids {
		if r := e.hull("delete", "--force", id); r.code != 0 {
			e.t.Errorf("cleanup: delete --force %s: %s", id, r.stderr)
		}
		assertNoLeftovers(e.t, e.root, id)
	}
}

// id returns a fresh container id owned by this env.
func (e *env) id() string {
	id := testutil.UniqueID("hulltest")
	e.ids = append(e.ids, id)
	return id
}

// result is a finished hull command.
type result struct {
	stdout, stderr string
	code           int
}

func (e *env) hull(args ...string) result {
	return e.hullIn(nil, args...)
}

// hullEnv runs hull with extra environment variables.
func (e *env) hullEnv(extra []string, args ...string) result {
	e.t.Helper()
	return e.hullCmd(nil, extra, args...)
}

func (e *env) hullIn(stdin []byte, args ...string) result {
	e.t.Helper()
	return e.hullCmd(stdin, nil, args...)
}

func (e *env) hullCmd(stdin []byte, extraEnv []string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(hullBin, append([]string{"--root", e.root}, args...)...)
	if extraEnv != nil {
		cmd.Env = append(os.Environ(), extraEnv...)
	}
	// Files, not pipes: a detached container keeps its stdio open, and
	// exec.Cmd would wait for a pipe until the container exits.
	out, errf := tempFile(e.t), tempFile(e.t)
	cmd.Stdout, cmd.Stderr = out, errf
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("hull %v: %v", args, err)
	}
	return result{readAll(e.t, out), readAll(e.t, errf), code}
}

func tempFile(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "out-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readAll(t *testing.T, f *os.File) string {
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// bundle makes a busybox bundle whose config is runc's default spec,
// without a terminal, changed by mutate.
func (e *env) bundle(mutate func(s *specs.Spec)) string {
	e.t.Helper()
	dir := e.t.TempDir()
	// Searchable by any uid: a user-namespaced container's root must reach
	// its rootfs, as with runc.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			e.t.Fatal(err)
		}
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		e.t.Fatal(err)
	}
	testutil.BusyboxRootfs(e.t, rootfs)
	s := spec.Default()
	s.Process.Terminal = false
	s.Process.Args = []string{"true"}
	if mutate != nil {
		mutate(s)
	}
	testutil.WriteJSON(e.t, filepath.Join(dir, "config.json"), s)
	return dir
}

// run runs a container in the foreground with args and returns its output.
func (e *env) run(args []string, mutate func(s *specs.Spec)) result {
	e.t.Helper()
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = args
		if mutate != nil {
			mutate(s)
		}
	})
	return e.hull("run", "--bundle", b, e.id())
}

// sh runs a shell script in a container and fails the test unless it exits 0.
func (e *env) sh(script string, mutate func(s *specs.Spec)) string {
	e.t.Helper()
	r := e.run([]string{"sh", "-c", script}, mutate)
	if r.code != 0 {
		e.t.Fatalf("container script %q exited %d\nstdout: %s\nstderr: %s", script, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// assertNoLeftovers checks that nothing of container id outlived it: no
// state dir, no mount mentioning it, no cgroup dir named after it.
func assertNoLeftovers(t *testing.T, root, id string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, id)); err == nil {
		t.Errorf("state dir of %s left behind", id)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mi), id) || strings.Contains(string(mi), root) {
		t.Errorf("mounts of %s left behind", id)
	}
	if dirs := cgroupDirsNamed(id); len(dirs) > 0 {
		t.Errorf("cgroups of %s left behind: %v", id, dirs)
	}
}

// cgroupDirsNamed finds directories called name anywhere in the cgroup
// hierarchies (a relative cgroupsPath lands under the caller's own cgroup).
func cgroupDirsNamed(name string) []string {
	var found []string
	_ = filepath.WalkDir("/sys/fs/cgroup", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == name {
			found = append(found, path)
			return filepath.SkipDir
		}
		return nil
	})
	return found
}

func must(t *testing.T, r result, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
	}
	return r
}
