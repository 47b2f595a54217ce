package build

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hull-project/hull/builder/store"
	"github.com/hull-project/hull/internal/testutil"
)

// The integration tests share one store holding one busybox base image
// (baseName), made once per test binary: a base layer used by every test is
// stored once, which is also what the store promises.
const baseName = "test/busybox"

var (
	envOnce  sync.Once
	envStore *store.Store
	envErr   error
	envDir   string
)

// testRuntime is the OCI runtime the build tests run RUN steps with:
// HULL_TEST_RUNTIME, else runc (the lead switches the default to hull).
func testRuntime(t testing.TB) string {
	rt := os.Getenv("HULL_TEST_RUNTIME")
	if rt == "" {
		rt = "runc"
	}
	p, err := exec.LookPath(rt)
	if err != nil {
		t.Skipf("OCI runtime %s not found: %v", rt, err)
	}
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	printRatios()
	if envDir != "" {
		os.RemoveAll(envDir)
	}
	os.Exit(code)
}

// sharedStore returns the test store with the busybox base in it.
func sharedStore(t testing.TB) *store.Store {
	t.Helper()
	testutil.RequireRoot(t)
	envOnce.Do(func() {
		envDir, envErr = os.MkdirTemp("", "hull-build-test-")
		if envErr != nil {
			return
		}
		envStore, envErr = store.Open(filepath.Join(envDir, "store"))
		if envErr != nil {
			return
		}
		envErr = importBase(envStore, filepath.Join(envDir, "rootfs"))
	})
	if envErr != nil {
		t.Fatalf("test store: %v", envErr)
	}
	return envStore
}

func importBase(s *store.Store, rootfs string) error {
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return err
	}
	if err := testutil.MakeBusyboxRootfs(rootfs); err != nil {
		return err
	}
	extra := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
		"etc/group":  "root:x:0:\napp:x:1000:\nstaff:x:50:app\n",
	}
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	epoch := time.Unix(0, 0)
	_, err := ImportRootfs(s, rootfs, ImportOptions{Tags: []string{baseName}, SourceDateEpoch: &epoch,
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}})
	return err
}

// buildCase is a build context written into a temp dir.
type buildCase struct {
	dockerfile string
	files      map[string]string // context files (relative path -> content)
}

// writeContext writes the case into a fresh dir and returns it.
func (c buildCase) writeContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Dockerfile": c.dockerfile}
	for k, v := range c.files {
		files[k] = v
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// build runs a build of dir and returns the result and the progress output.
func build(t *testing.T, dir string, mod func(*Options)) (*Result, string, error) {
	t.Helper()
	var out syncBuffer
	o := Options{
		Store: sharedStore(t), Dockerfile: filepath.Join(dir, "Dockerfile"), Context: dir,
		Runtime: testRuntime(t), Progress: &out,
	}
	if mod != nil {
		mod(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := Build(ctx, o)
	return res, out.String(), err
}

func mustBuild(t *testing.T, dir string, mod func(*Options)) (*Result, string) {
	t.Helper()
	res, out, err := build(t, dir, mod)
	if err != nil {
		t.Fatalf("build: %v\nprogress:\n%s", err, out)
	}
	return res, out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// unpack writes the image's merged rootfs into a temp dir (via Bundle) and
// returns the rootfs path.
func unpack(t *testing.T, ref string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := Bundle(sharedStore(t), ref, dir); err != nil {
		t.Fatalf("bundle %s: %v", ref, err)
	}
	return filepath.Join(dir, "rootfs")
}

func uniqueTag(t *testing.T) string {
	return strings.ToLower(testutil.UniqueID("test/" + strings.ReplaceAll(t.Name(), "/", "-")))
}

func mustContain(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%q does not contain %q", got, want)
	}
}

// unpackResult tags a build result under a unique name and unpacks it.
func unpackResult(t *testing.T, res *Result) string {
	t.Helper()
	tag := uniqueTag(t)
	if err := sharedStore(t).Tag(tag, res.Manifest); err != nil {
		t.Fatal(err)
	}
	return unpack(t, tag)
}
