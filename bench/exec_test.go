package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
)

// BenchmarkExec times `exec <id> /bin/true` in the foreground, to the
// process's exit, into a running container of each runtime, rotating the
// order, and reports each runtime's median (ms per exec).
func BenchmarkExec(b *testing.B) {
	testutil.RequireRoot(b)
	rts, skip := prepareRuntimes(b, withArgs("/bin/sleep", "1000"))
	if len(rts) == 0 {
		b.Skipf("no runtime to measure: %s", strings.Join(skip, "; "))
	}
	var live []Runtime
	ids := map[string]string{}
	for _, rt := range rts {
		id, err := rt.StartIdle(testutil.UniqueID("benchexec"))
		if err != nil {
			skip = append(skip, fmt.Sprintf("%s: %v", rt.Name, err))
			continue
		}
		// One exec before timing: page cache, and a check that it works.
		if _, err := rt.Exec(id, "/bin/true"); err != nil {
			skip = append(skip, fmt.Sprintf("%s: exec: %v", rt.Name, err))
			continue
		}
		ids[rt.Name] = id
		live = append(live, rt)
	}
	samples := make([][]time.Duration, len(live))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range live {
			k := (i + j) % len(live)
			d, err := live[k].Exec(ids[live[k].Name], "/bin/true")
			if err != nil {
				b.Fatal(err)
			}
			samples[k] = append(samples[k], d)
		}
	}
	b.StopTimer()
	var sums []Summary
	for k, rt := range live {
		sum := Summary{Name: rt.Name, N: len(samples[k]), Wall: Median(samples[k])}
		sums = append(sums, sum)
		b.ReportMetric(float64(sum.Wall)/float64(time.Millisecond), rt.Name+"-exec-ms")
	}
	resultsMu.Lock()
	results["BenchmarkExec"] = Table{Title: "exec of /bin/true into a running container, medians:", Sums: sums, Skipped: skip, Exec: true}
	resultsMu.Unlock()
}

// TestExecBench runs one exec per installed runtime into a running
// container and checks it works and leaves nothing behind.
func TestExecBench(t *testing.T) {
	testutil.RequireRoot(t)
	rootfs := t.TempDir()
	testutil.BusyboxRootfs(t, rootfs)
	config, err := filepath.Abs(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hull", "runc", "crun"} {
		path, err := findRuntime(name, false)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		rt := Runtime{Name: name, Path: path, Root: t.TempDir(), Bundle: t.TempDir()}
		if err := makeBundle(rt.Bundle, rootfs, config, withArgs("/bin/sleep", "1000")); err != nil {
			t.Fatal(err)
		}
		id, err := rt.StartIdle(testutil.UniqueID("benchexec"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d, err := rt.Exec(id, "/bin/sh", "-c", "exit 0")
		if err != nil || d <= 0 {
			t.Errorf("%s exec: %v, %v", name, d, err)
		}
		if _, err := rt.Exec(id, "/bin/sh", "-c", "exit 3"); err == nil {
			t.Errorf("%s: exec exiting 3 reported success", name)
		}
		rt.Cleanup()
		if entries, _ := os.ReadDir(rt.Root); len(entries) != 0 {
			t.Errorf("%s left state behind: %v", name, entries)
		}
		if left, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", id)); len(left) != 0 {
			t.Errorf("%s left cgroups behind: %v", name, left)
		}
	}
}
