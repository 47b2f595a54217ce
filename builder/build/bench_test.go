package build

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hull-project/hull/builder/image"
)

// BenchmarkExampleBuild builds examples/hello cold (no cache) and cached,
// with this builder and with buildah (apt-get install buildah; skipped when
// missing) in the same run; TestMain prints the ratios.
//
//	go test -run '^$' -bench ExampleBuild ./builder/build
func BenchmarkExampleBuild(b *testing.B) {
	ctxDir, err := filepath.Abs("../../examples/hello")
	if err != nil {
		b.Fatal(err)
	}
	args := map[string]string{"BASE": baseName}
	hull := func(noCache bool) func(*testing.B) {
		return func(b *testing.B) {
			s := sharedStore(b)
			o := Options{Store: s, Dockerfile: filepath.Join(ctxDir, "Dockerfile"), Context: ctxDir,
				Runtime: testRuntime(b), BuildArgs: args, NoCache: noCache}
			if _, err := Build(b.Context(), o); err != nil { // warm: base unpacked, cache filled
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := Build(b.Context(), o); err != nil {
					b.Fatal(err)
				}
			}
			record(b)
		}
	}
	b.Run("cold/hull", hull(true))
	b.Run("cached/hull", hull(false))
	bd := newBuildah(b)
	b.Run("cold/buildah", bd.bench(ctxDir, true))
	b.Run("cached/buildah", bd.bench(ctxDir, false))
}

type buildah struct {
	root, run string
	ready     bool
}

// newBuildah prepares a private buildah store holding the test base image
// under the same name, so both builders build the same Dockerfile.
func newBuildah(b *testing.B) *buildah {
	bd := &buildah{root: filepath.Join(b.TempDir(), "root"), run: filepath.Join(b.TempDir(), "run")}
	if _, err := exec.LookPath("buildah"); err != nil {
		return bd
	}
	s := sharedStore(b)
	img, err := image.Load(s, baseName)
	if err != nil {
		b.Fatal(err)
	}
	// buildah names pulled layouts after their path, which must be lowercase.
	tmp, err := os.MkdirTemp("", "hull-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(tmp) })
	layout := filepath.Join(tmp, "layout")
	if err := image.Export(s, img, "oci", layout, "base"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bd.cmd("rmi", "--all", "--force").Run() })
	if out, err := bd.cmd("pull", "oci:"+layout+":base").CombinedOutput(); err != nil {
		b.Fatalf("buildah pull: %v\n%s", err, out)
	}
	if out, err := bd.cmd("tag", "oci:"+layout+":base", baseName).CombinedOutput(); err != nil {
		// older buildah cannot tag by transport: tag the only image instead
		id, _ := bd.cmd("images", "-q").Output()
		if out2, err2 := bd.cmd("tag", string(trimNL(id)), baseName).CombinedOutput(); err2 != nil {
			b.Fatalf("buildah tag: %v\n%s\n%s", err, out, out2)
		}
	}
	bd.ready = true
	return bd
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

func (bd *buildah) cmd(args ...string) *exec.Cmd {
	return exec.Command("buildah", append([]string{"--root", bd.root, "--runroot", bd.run}, args...)...)
}

func (bd *buildah) bench(ctxDir string, noCache bool) func(*testing.B) {
	return func(b *testing.B) {
		if !bd.ready {
			b.Skip("buildah not installed (apt-get install buildah)")
		}
		args := []string{"bud", "--layers", "--isolation", "oci", "--runtime", "runc",
			"--build-arg", "BASE=" + baseName, "-t", "hello", "-q"}
		if noCache {
			args = append(args, "--no-cache")
		}
		args = append(args, ctxDir)
		if out, err := bd.cmd(args...).CombinedOutput(); err != nil {
			b.Fatalf("buildah bud: %v\n%s", err, out)
		}
		b.ResetTimer()
		for b.Loop() {
			if out, err := bd.cmd(args...).CombinedOutput(); err != nil {
				b.Fatalf("buildah bud: %v\n%s", err, out)
			}
		}
		record(b)
	}
}

var (
	resultsMu sync.Mutex
	results   = map[string]time.Duration{} // "cold/hull" -> time per build
)

func record(b *testing.B) {
	if b.N == 0 {
		return
	}
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results[filepath.Base(filepath.Dir(b.Name()))+"/"+filepath.Base(b.Name())] = b.Elapsed() / time.Duration(b.N)
}

// printRatios prints each builder's time per build and hull/buildah.
func printRatios() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return
	}
	var keys []string
	for k := range results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(os.Stderr, "builder benchmark (examples/hello):")
	for _, k := range keys {
		fmt.Fprintf(os.Stderr, "  %-16s %8.1f ms/build\n", k, float64(results[k])/1e6)
	}
	for _, mode := range []string{"cold", "cached"} {
		h, okh := results[mode+"/hull"]
		d, okd := results[mode+"/buildah"]
		if okh && okd && d > 0 {
			fmt.Fprintf(os.Stderr, "  %s: hull/buildah = %.2f\n", mode, float64(h)/float64(d))
		}
	}
}
