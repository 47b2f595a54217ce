package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	rtseccomp "github.com/opencontainers/runtime-tools/generate/seccomp"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

// Table is one benchmark's results, printed by TestMain: the benchmark
// function runs several times (b.N=1 first) and only the final run is
// worth a table.
type Table struct {
	Title   string
	Sums    []Summary
	Skipped []string
	Notes   []string
	// Exec: the sums hold one time per exec (Wall), not lifecycles.
	Exec bool
}

// tableOrder is the order TestMain prints the tables in.
var tableOrder = []string{"BenchmarkLifecycle", "BenchmarkLifecycleSeccomp", "BenchmarkExec"}

var (
	resultsMu sync.Mutex
	results   = map[string]Table{} // by benchmark name
)

// BenchmarkLifecycle runs one lifecycle per runtime in each iteration,
// rotating the order, and reports each runtime's median wall and CPU time
// (ms per lifecycle) and peak RSS.
func BenchmarkLifecycle(b *testing.B) {
	benchLifecycle(b, "BenchmarkLifecycle",
		"Lifecycle (create+start+wait+delete of /bin/true), medians:")
}

// BenchmarkLifecycleSeccomp is BenchmarkLifecycle with Docker's default
// seccomp profile in linux.seccomp, as runtime-tools generates it for the
// config's capabilities (OCI form, default action SCMP_ACT_ERRNO, about 300
// syscall names).
//
// runc and crun compile the profile with libseccomp in every create. hull
// compiles it with hull-seccomp only when <root>/@seccomp lacks it, so here
// it compiles once, in setupRuntimes' warm-up lifecycle, and every timed
// create loads the cached filter: that is hull's steady state in real use,
// where one state root serves many containers with the same profile. The
// one compile is printed as a note below the table, not counted in it.
func BenchmarkLifecycleSeccomp(b *testing.B) {
	benchLifecycle(b, "BenchmarkLifecycleSeccomp",
		"Lifecycle with Docker's default seccomp profile (linux.seccomp), medians:",
		withSeccomp)
}

// benchLifecycle measures every runtime that works with the bundle config
// (testdata/config.json changed by mutate), interleaved, and stores the
// table under name.
func benchLifecycle(b *testing.B, name, title string, mutate ...func(*specs.Spec) error) {
	testutil.RequireRoot(b)
	seccomp := len(mutate) > 0
	rts, warm, skip := setupRuntimes(b, mutate...)
	if len(rts) == 0 {
		b.Skipf("no runtime to measure: %s", strings.Join(skip, "; "))
	}
	samples := make([][]Sample, len(rts))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range rts {
			k := (i + j) % len(rts)
			s, err := rts[k].Lifecycle(testutil.UniqueID("bench"))
			if err != nil {
				b.Fatal(err)
			}
			samples[k] = append(samples[k], s)
		}
	}
	b.StopTimer()
	timeTool, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		skip = append(skip, "peak RSS of runtime commands: GNU time missing (apt-get install -y time); only the container process is measured")
	}
	var sums []Summary
	var notes []string
	for k, rt := range rts {
		sum := Summarize(rt.Name, samples[k])
		if timeTool != "" {
			peak, err := rt.PeakRSS(timeTool, 3, func() string { return testutil.UniqueID("rss") })
			if err != nil {
				b.Fatal(err)
			}
			sum.MaxRSSKiB = max(sum.MaxRSSKiB, peak)
		}
		sums = append(sums, sum)
		b.ReportMetric(float64(sum.Wall)/float64(time.Millisecond), rt.Name+"-wall-ms")
		b.ReportMetric(float64(sum.CPU)/float64(time.Millisecond), rt.Name+"-cpu-ms")
		b.ReportMetric(float64(sum.MaxRSSKiB)/1024, rt.Name+"-rss-MiB")
		if seccomp && rt.Name == "hull" {
			notes = append(notes, fmt.Sprintf("hull's first create with this state root (warm-up, not in the table) compiled the profile with hull-seccomp: %s ms, vs a median create of %s ms from the cache",
				ms(warm[rt.Name].Create), ms(sum.Create)))
		}
	}
	resultsMu.Lock()
	results[name] = Table{Title: title, Sums: sums, Skipped: skip, Notes: notes}
	resultsMu.Unlock()
}

func printResults() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	for _, name := range tableOrder {
		t, ok := results[name]
		if !ok || len(t.Sums) == 0 {
			continue
		}
		fmt.Printf("\n%s\n", t.Title)
		if t.Exec {
			PrintExecTable(os.Stdout, t.Sums, "crun")
		} else {
			PrintTable(os.Stdout, t.Sums, "crun")
		}
		for _, n := range t.Notes {
			fmt.Printf("note: %s\n", n)
		}
		for _, s := range t.Skipped {
			fmt.Printf("skipped: %s\n", s)
		}
	}
}

// setupRuntimes prepares the runtimes (prepareRuntimes), keeping those
// whose first lifecycle works, whose sample it returns by name; the others
// are returned as skip messages.
func setupRuntimes(b *testing.B, mutate ...func(*specs.Spec) error) ([]Runtime, map[string]Sample, []string) {
	prepared, skip := prepareRuntimes(b, mutate...)
	var rts []Runtime
	warm := map[string]Sample{}
	for _, rt := range prepared {
		// Warm-up lifecycle: page cache, hull's seccomp cache, and a check
		// the runtime works here.
		s, err := rt.Lifecycle(testutil.UniqueID("warmup"))
		if err != nil {
			skip = append(skip, fmt.Sprintf("%s: first lifecycle failed: %v", rt.Name, err))
			continue
		}
		warm[rt.Name] = s
		rts = append(rts, rt)
	}
	for _, s := range skip {
		b.Logf("skipping %s", s)
	}
	return rts, warm, skip
}

// prepareRuntimes finds hull (see findRuntime), runc and crun and gives
// each a bundle (testdata/config.json changed by mutate) and a state root,
// cleaned up when the benchmark ends; those missing are skip messages.
func prepareRuntimes(b *testing.B, mutate ...func(*specs.Spec) error) ([]Runtime, []string) {
	rootfs := filepath.Join(b.TempDir(), "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		b.Fatal(err)
	}
	testutil.BusyboxRootfs(b, rootfs)
	config, err := filepath.Abs(filepath.Join("testdata", "config.json"))
	if err != nil {
		b.Fatal(err)
	}
	var rts []Runtime
	var skip []string
	for _, name := range []string{"hull", "runc", "crun"} {
		path, err := findRuntime(name, len(mutate) > 0)
		if err != nil {
			skip = append(skip, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		rt := Runtime{Name: name, Path: path, Root: b.TempDir(), Bundle: b.TempDir()}
		b.Cleanup(rt.Cleanup)
		if err := makeBundle(rt.Bundle, rootfs, config, mutate...); err != nil {
			b.Fatal(err)
		}
		rts = append(rts, rt)
	}
	return rts, skip
}

// withSeccomp sets linux.seccomp to Docker's default profile, which
// runtime-tools derives from the config's capabilities.
func withSeccomp(spec *specs.Spec) error {
	if spec.Process == nil || spec.Process.Capabilities == nil {
		return errors.New("the seccomp profile needs process.capabilities")
	}
	if spec.Linux == nil {
		spec.Linux = &specs.Linux{}
	}
	spec.Linux.Seccomp = rtseccomp.DefaultProfile(spec)
	return nil
}

// withArgs sets the container's process.args.
func withArgs(args ...string) func(*specs.Spec) error {
	return func(spec *specs.Spec) error {
		if spec.Process == nil {
			return errors.New("config has no process")
		}
		spec.Process.Args = args
		return nil
	}
}

// makeBundle writes the fixed config with root.path pointing at the
// shared rootfs, which the config keeps read-only (root.readonly), after
// applying mutate in order.
func makeBundle(bundle, rootfs, config string, mutate ...func(*specs.Spec) error) error {
	data, err := os.ReadFile(config)
	if err != nil {
		return fmt.Errorf("bundle config: %w", err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("bundle config %s: %w", config, err)
	}
	if spec.Root == nil || !spec.Root.Readonly {
		return fmt.Errorf("bundle config %s: root must be read-only, the rootfs is shared", config)
	}
	spec.Root.Path = rootfs
	for _, m := range mutate {
		if err := m(&spec); err != nil {
			return fmt.Errorf("bundle config %s: %w", config, err)
		}
	}
	if data, err = json.Marshal(&spec); err != nil {
		return fmt.Errorf("bundle config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		return fmt.Errorf("bundle config: %w", err)
	}
	return nil
}

// builtHull is hull built by findRuntime when no binary is given: once per
// process, into a temp dir, with hull-seccomp and hull-nsenter (exec needs
// it) beside it, where hull looks for its helpers.
var builtHull struct {
	once       sync.Once
	dir        string
	path       string
	err        error // building hull
	seccompErr error // building hull-seccomp
}

// removeBuiltHull deletes the binaries built by findRuntime, if any.
func removeBuiltHull() {
	if builtHull.dir != "" {
		os.RemoveAll(builtHull.dir)
	}
}

// hullEnv lists the variables naming the hull binary, in precedence order:
// $HULL for this package, $HULL_BINARY as make bench (and make test) set it.
var hullEnv = []string{"HULL", "HULL_BINARY"}

// findRuntime locates a runtime: hull is $HULL or $HULL_BINARY (a path,
// relative ones taken from the module root, e.g. HULL=bin/hull) or built
// from ../runtime; the others come from PATH. A given hull finds its
// hull-seccomp itself (beside it, $HULL_SECCOMP or PATH) and says so when it
// cannot; a built one fails here for seccomp when the helper did not build.
func findRuntime(name string, seccomp bool) (string, error) {
	if name != "hull" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("not installed (apt-get install -y %s): %w", name, err)
		}
		return path, nil
	}
	for _, v := range hullEnv {
		env := os.Getenv(v)
		if env == "" {
			continue
		}
		if !filepath.IsAbs(env) {
			env = filepath.Join("..", env) // tests run in bench/
		}
		if _, err := os.Stat(env); err != nil {
			return "", fmt.Errorf("$%s: %w", v, err)
		}
		return filepath.Abs(env)
	}
	builtHull.once.Do(buildHull)
	if builtHull.err != nil {
		return "", builtHull.err
	}
	if seccomp && builtHull.seccompErr != nil {
		return "", builtHull.seccompErr
	}
	return builtHull.path, nil
}

// buildHull builds hull as make does (pure Go) and hull-seccomp (static
// cgo, needs cc and libseccomp-dev) into one temp dir.
func buildHull() {
	dir, err := os.MkdirTemp("", "hull-bench-bin-")
	if err != nil {
		builtHull.err = err
		return
	}
	builtHull.dir = dir
	build := func(what, cgo string, args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-trimpath"}, args...)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w: %s", what, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	path := filepath.Join(dir, "hull")
	if builtHull.err = build("../runtime", "0", "-o", path, "../runtime"); builtHull.err != nil {
		return
	}
	builtHull.path = path
	builtHull.seccompErr = build("hull-seccomp (cgo, static: needs cc and libseccomp-dev)", "1",
		"-ldflags", "-linkmode external -extldflags -static",
		"-o", filepath.Join(dir, "hull-seccomp"), "../libcontainer/seccomp/helper")
	cc := exec.Command("cc", "-O2", "-static", "-o", filepath.Join(dir, "hull-nsenter"), "../libcontainer/nsenter/helper/nsenter.c")
	if out, err := cc.CombinedOutput(); err != nil {
		builtHull.err = fmt.Errorf("build hull-nsenter: %w: %s", err, strings.TrimSpace(string(out)))
	}
}

// TestLifecycleLeavesNothing runs one measured lifecycle with each installed
// peer runtime and checks the sample is complete and nothing stays behind:
// no container state, no cgroup, no child process.
func TestLifecycleLeavesNothing(t *testing.T) {
	testutil.RequireRoot(t)
	rootfs := t.TempDir()
	testutil.BusyboxRootfs(t, rootfs)
	config, err := filepath.Abs(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"runc", "crun"} {
		t.Run(name, func(t *testing.T) {
			path, err := exec.LookPath(name)
			if err != nil {
				t.Skipf("%s not installed", name)
			}
			rt := Runtime{Name: name, Path: path, Root: t.TempDir(), Bundle: t.TempDir()}
			t.Cleanup(rt.Cleanup)
			if err := makeBundle(rt.Bundle, rootfs, config); err != nil {
				t.Fatal(err)
			}
			id := testutil.UniqueID("benchtest")
			s, err := rt.Lifecycle(id)
			if err != nil {
				t.Fatal(err)
			}
			if s.Create <= 0 || s.Start <= 0 || s.Delete <= 0 || s.CPU <= 0 {
				t.Errorf("incomplete sample: %+v", s)
			}
			if entries, _ := os.ReadDir(rt.Root); len(entries) != 0 {
				t.Errorf("state root not empty after delete: %v", entries)
			}
			if left, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", id)); len(left) != 0 {
				t.Errorf("cgroups left after delete: %v", left)
			}
			if pid, _ := unix.Wait4(-1, nil, unix.WNOHANG, nil); pid > 0 {
				t.Errorf("an unreaped child (pid %d) was left", pid)
			}
		})
	}
}

func TestMakeBundleRejectsWritableRoot(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"ociVersion":"1.0.2","root":{"path":"rootfs"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := makeBundle(t.TempDir(), "/rootfs", config)
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("err = %v, want a read-only root error", err)
	}
}

// TestMakeBundleSeccomp checks the seccomp benchmark's bundle carries
// Docker's default profile: an allow-list over SCMP_ACT_ERRNO.
func TestMakeBundleSeccomp(t *testing.T) {
	bundle := t.TempDir()
	if err := makeBundle(bundle, "/rootfs", filepath.Join("testdata", "config.json"), withSeccomp); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Linux == nil || spec.Linux.Seccomp == nil {
		t.Fatal("config has no linux.seccomp")
	}
	sc := spec.Linux.Seccomp
	if sc.DefaultAction != specs.ActErrno {
		t.Errorf("defaultAction = %q, want %q", sc.DefaultAction, specs.ActErrno)
	}
	if len(sc.Architectures) == 0 {
		t.Error("no architectures: the profile would not cover the native one's siblings")
	}
	names := 0
	for _, s := range sc.Syscalls {
		if s.Action == specs.ActAllow {
			names += len(s.Names)
		}
	}
	if names <= 100 {
		t.Errorf("%d allowed syscall names, want Docker's default list (> 100)", names)
	}
	if spec.Root.Path != "/rootfs" || len(spec.Process.Args) != 1 || spec.Process.Args[0] != "/bin/true" {
		t.Errorf("the rest of the config changed: root %+v, args %q", spec.Root, spec.Process.Args)
	}
}

// TestSeccompBundleFilters runs one lifecycle per runtime with the seccomp
// benchmark's config, the container checking that it runs under a seccomp
// filter (Seccomp: 2 in /proc/self/status; grep exits 1 otherwise, which
// fails the lifecycle). hull is built or taken from $HULL/$HULL_BINARY, as
// the benchmark does; runc or crun rejecting the profile on this host is a
// skip, as in the benchmark.
func TestSeccompBundleFilters(t *testing.T) {
	testutil.RequireRoot(t)
	rootfs := t.TempDir()
	testutil.BusyboxRootfs(t, rootfs)
	config, err := filepath.Abs(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	check := withArgs("/bin/sh", "-c", `grep -q '^Seccomp:[[:space:]]*2$' /proc/self/status`)
	for _, name := range []string{"hull", "runc", "crun"} {
		t.Run(name, func(t *testing.T) {
			path, err := findRuntime(name, true)
			switch {
			case err != nil && name == "hull" && err != builtHull.seccompErr:
				t.Fatal(err)
			case err != nil:
				t.Skipf("%s: %v", name, err)
			}
			rt := Runtime{Name: name, Path: path, Root: t.TempDir(), Bundle: t.TempDir()}
			t.Cleanup(rt.Cleanup)
			if err := makeBundle(rt.Bundle, rootfs, config, withSeccomp, check); err != nil {
				t.Fatal(err)
			}
			s, err := rt.Lifecycle(testutil.UniqueID("benchtest"))
			var exit *ExitError
			switch {
			case errors.As(err, &exit):
				t.Fatalf("the container ran without a seccomp filter: %v", err)
			case err != nil && name == "hull":
				t.Fatal(err)
			case err != nil:
				t.Skipf("%s does not run the profile here: %v", name, err)
			case s.Exit != 0:
				t.Fatalf("container exit status %d, want 0 as reaped by the benchmark", s.Exit)
			}
		})
	}
}
