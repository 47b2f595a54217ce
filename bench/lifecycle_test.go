package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

// results holds the last BenchmarkLifecycle run, printed by TestMain:
// the benchmark function runs several times (b.N=1 first) and only the
// final run is worth a table.
var (
	resultsMu sync.Mutex
	results   []Summary
	skipped   []string
)

// BenchmarkLifecycle runs one lifecycle per runtime in each iteration,
// rotating the order, and reports each runtime's median wall and CPU time
// (ms per lifecycle) and peak RSS.
func BenchmarkLifecycle(b *testing.B) {
	testutil.RequireRoot(b)
	rts, skip := setupRuntimes(b)
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
	}
	resultsMu.Lock()
	results, skipped = sums, skip
	resultsMu.Unlock()
}

func printResults() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return
	}
	fmt.Println("\nLifecycle (create+start+wait+delete of /bin/true), medians:")
	PrintTable(os.Stdout, results, "crun")
	for _, s := range skipped {
		fmt.Printf("skipped: %s\n", s)
	}
}

// setupRuntimes prepares hull (built from the tree, or $HULL), runc and crun
// with a bundle and state root each, keeping those whose first lifecycle
// works; the others are returned as skip messages.
func setupRuntimes(b *testing.B) ([]Runtime, []string) {
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
		path, err := findRuntime(b, name)
		if err != nil {
			skip = append(skip, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		rt := Runtime{Name: name, Path: path, Root: b.TempDir(), Bundle: b.TempDir()}
		b.Cleanup(rt.Cleanup)
		if err := makeBundle(rt.Bundle, rootfs, config); err != nil {
			b.Fatal(err)
		}
		// Warm-up lifecycle: page cache, and a check the runtime works here.
		if _, err := rt.Lifecycle(testutil.UniqueID("warmup")); err != nil {
			skip = append(skip, fmt.Sprintf("%s: first lifecycle failed: %v", name, err))
			continue
		}
		rts = append(rts, rt)
	}
	for _, s := range skip {
		b.Logf("skipping %s", s)
	}
	return rts, skip
}

// makeBundle writes the fixed config with root.path pointing at the
// shared rootfs, which the config keeps read-only (root.readonly).
func makeBundle(bundle, rootfs, config string) error {
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
	if data, err = json.Marshal(&spec); err != nil {
		return fmt.Errorf("bundle config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		return fmt.Errorf("bundle config: %w", err)
	}
	return nil
}

var (
	hullOnce sync.Once
	hullPath string
	hullErr  error
)

// removeBuiltHull deletes the hull binary built by findRuntime, if any.
func removeBuiltHull() {
	if hullPath != "" {
		os.RemoveAll(filepath.Dir(hullPath))
	}
}

// findRuntime locates a runtime: hull is $HULL (a path, relative ones taken
// from the module root, e.g. HULL=bin/hull) or built from ../runtime (once
// per process, into a temp dir); the others come from PATH.
func findRuntime(b *testing.B, name string) (string, error) {
	if name != "hull" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("not installed (apt-get install -y %s): %w", name, err)
		}
		return path, nil
	}
	if env := os.Getenv("HULL"); env != "" {
		if !filepath.IsAbs(env) {
			env = filepath.Join("..", env) // tests run in bench/
		}
		if _, err := os.Stat(env); err != nil {
			return "", fmt.Errorf("$HULL: %w", err)
		}
		return filepath.Abs(env)
	}
	hullOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hull-bench-bin-")
		if err != nil {
			hullErr = err
			return
		}
		hullPath = filepath.Join(dir, "hull")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", hullPath, "../runtime").CombinedOutput()
		if err != nil {
			hullErr = fmt.Errorf("build ../runtime: %w: %s", err, strings.TrimSpace(string(out)))
		}
	})
	return hullPath, hullErr
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
