package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tmpEntries(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.tmpDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestPutBlobRoundTrip(t *testing.T) {
	s := openStore(t)
	data := []byte("layer bytes")
	desc, err := s.PutBlob(bytes.NewReader(data), ocispec.MediaTypeImageLayer)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != digest.FromBytes(data) || desc.Size != int64(len(data)) || desc.MediaType != ocispec.MediaTypeImageLayer {
		t.Fatalf("descriptor %+v", desc)
	}
	rc, err := s.OpenBlob(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %q", got)
	}
	if _, err := s.OpenBlob(digest.FromString("other")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing blob: %v, want ErrNotFound", err)
	}
	if _, err := s.OpenBlob("sha256:../../etc/passwd"); err == nil {
		t.Error("a malformed digest opened something")
	}
	if left := tmpEntries(t, s); len(left) != 0 {
		t.Errorf("temps left behind: %q", left)
	}
}

func TestPutBlobConcurrentSameContent(t *testing.T) {
	s := openStore(t)
	data := bytes.Repeat([]byte("shared base layer "), 10000)
	var wg sync.WaitGroup
	descs := make([]ocispec.Descriptor, 8)
	errs := make([]error, 8)
	for i := range descs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A second Store value acts like a second builder process.
			s2, err := Open(s.Root())
			if err != nil {
				errs[i] = err
				return
			}
			descs[i], errs[i] = s2.PutBlob(bytes.NewReader(data), "x")
		}()
	}
	wg.Wait()
	for i := range descs {
		if errs[i] != nil || descs[i].Digest != digest.FromBytes(data) {
			t.Fatalf("writer %d: %+v %v", i, descs[i], errs[i])
		}
	}
	got, err := s.ReadBlob(digest.FromBytes(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob after concurrent writes: %v", err)
	}
	if left := tmpEntries(t, s); len(left) != 0 {
		t.Errorf("temps left behind: %q", left)
	}
}

func TestOpenCleansDeadWritersTemps(t *testing.T) {
	s := openStore(t)
	// A writer "killed" mid-write: its pid no longer exists (pid_max is far
	// below this), its temp blob and temp layer dir must go.
	dead := []string{"2147483646-aaaa-blob", "2147483646-bbbb-upper", "garbage"}
	for _, n := range dead {
		must(t, os.MkdirAll(filepath.Join(s.tmpDir(), n, "sub"), 0o755))
	}
	// A live writer's temp (pid 1 always exists) must survive.
	live := "1-cccc-blob"
	must(t, os.WriteFile(filepath.Join(s.tmpDir(), live), []byte("partial"), 0o644))
	if _, err := Open(s.Root()); err != nil {
		t.Fatal(err)
	}
	if left := tmpEntries(t, s); strings.Join(left, ",") != live {
		t.Errorf("tmp after Open: %q, want only %q", left, live)
	}
	// A partial blob in tmp is never visible as a blob.
	if s.HasBlob(digest.FromString("partial")) {
		t.Error("a temp became a blob")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestChainID(t *testing.T) {
	a, b := digest.FromString("a"), digest.FromString("b")
	tests := []struct {
		parent, diff, want digest.Digest
	}{
		{"", a, a},
		{a, b, digest.FromString(a.String() + " " + b.String())},
	}
	for _, tc := range tests {
		if got := ChainID(tc.parent, tc.diff); got != tc.want {
			t.Errorf("ChainID(%q, %q) = %s, want %s", tc.parent, tc.diff, got, tc.want)
		}
	}
	ids := ChainIDs([]digest.Digest{a, b})
	if ids[0] != a || ids[1] != ChainID(a, b) {
		t.Errorf("ChainIDs = %v", ids)
	}
}

func TestAddLayer(t *testing.T) {
	s := openStore(t)
	diffID := digest.FromString("layer")
	dir, err := s.TempDir("unpack")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
	chain, err := s.AddLayer("", diffID, dir)
	must(t, err)
	if chain != diffID {
		t.Errorf("bottom layer chain %s, want its diffID", chain)
	}
	p, ok := s.LayerDir(chain)
	if !ok {
		t.Fatal("layer not found after AddLayer")
	}
	if b, err := os.ReadFile(filepath.Join(p, "f")); err != nil || string(b) != "x" {
		t.Errorf("layer content %q %v", b, err)
	}
	// The same layer again (another build got there first): kept once.
	dir2, err := s.TempDir("unpack")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir2, "f"), []byte("x"), 0o644))
	if c2, err := s.AddLayer("", diffID, dir2); err != nil || c2 != chain {
		t.Fatalf("second AddLayer: %s %v", c2, err)
	}
	if _, err := os.Stat(dir2); !os.IsNotExist(err) {
		t.Error("duplicate layer's temp dir was not removed")
	}
	// Only store temp dirs may be renamed in.
	if _, err := s.AddLayer(chain, digest.FromString("y"), t.TempDir()); err == nil {
		t.Error("AddLayer accepted a dir outside the store")
	}
	if _, ok := s.LayerDir(digest.FromString("nope")); ok {
		t.Error("LayerDir found a layer that was never added")
	}
}

func TestCache(t *testing.T) {
	s := openStore(t)
	if _, ok := s.CacheGet("k"); ok {
		t.Fatal("empty cache hit")
	}
	must(t, s.CachePut("k", "v1"))
	must(t, s.CachePut("k", "v2"))
	if v, ok := s.CacheGet("k"); !ok || v != "v2" {
		t.Errorf("CacheGet = %q %v, want v2", v, ok)
	}
}

// fakeImage stores a config with the given layers (each layer's blob is its
// own diffID: uncompressed) and a manifest, and returns the manifest.
func fakeImage(t *testing.T, s *Store, created time.Time, layerContents ...string) ocispec.Descriptor {
	t.Helper()
	var layers []ocispec.Descriptor
	var diffIDs []digest.Digest
	for _, c := range layerContents {
		d, err := s.PutBlobBytes([]byte(c), ocispec.MediaTypeImageLayer)
		must(t, err)
		layers = append(layers, d)
		diffIDs = append(diffIDs, d.Digest)
	}
	cfg := ocispec.Image{Created: &created, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}}
	cj, _ := json.Marshal(cfg)
	cd, err := s.PutBlobBytes(cj, ocispec.MediaTypeImageConfig)
	must(t, err)
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cd, Layers: layers}
	mj, _ := json.Marshal(m)
	md, err := s.PutBlobBytes(mj, ocispec.MediaTypeImageManifest)
	must(t, err)
	// Unpacked layers too, as a build would leave them.
	parent := digest.Digest("")
	for _, d := range diffIDs {
		dir, err := s.TempDir("l")
		must(t, err)
		parent, err = s.AddLayer(parent, d, dir)
		must(t, err)
	}
	return md
}

func TestTagResolveUntag(t *testing.T) {
	s := openStore(t)
	t1 := time.Unix(1000, 0).UTC()
	a := fakeImage(t, s, t1, "base", "a")
	b := fakeImage(t, s, t1.Add(time.Hour), "base", "b")
	must(t, s.Tag("app", a))
	must(t, s.Tag("other:v1", a))
	must(t, s.Tag("reg.example/x/y:2", b))
	tests := []struct {
		ref  string
		want digest.Digest
	}{
		{"app", a.Digest},
		{"app:latest", a.Digest},
		{"other:v1", a.Digest},
		{"reg.example/x/y:2", b.Digest},
		{b.Digest.String(), b.Digest},
		{b.Digest.Encoded()[:12], b.Digest},
	}
	for _, tc := range tests {
		got, err := s.Resolve(tc.ref)
		if err != nil || got.Digest != tc.want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", tc.ref, got.Digest, err, tc.want)
		}
	}
	for _, bad := range []string{"missing", "other:v2", "abc"} {
		if _, err := s.Resolve(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q): %v, want ErrNotFound", bad, err)
		}
	}
	imgs, err := s.Images()
	must(t, err)
	if len(imgs) != 2 || imgs[0].Manifest.Digest != b.Digest || fmt.Sprint(imgs[1].Names) != "[app:latest other:v1]" {
		t.Fatalf("Images = %+v", imgs)
	}
	if !imgs[1].Created.Equal(t1) || imgs[1].Size <= 0 {
		t.Errorf("record created %v size %d", imgs[1].Created, imgs[1].Size)
	}
	// Moving a tag takes it off the old image.
	must(t, s.Tag("app", b))
	if got, _ := s.Resolve("app"); got.Digest != b.Digest {
		t.Error("retag did not move the name")
	}
	must(t, s.Untag("other:v1"))
	if _, err := s.Resolve("other:v1"); err == nil {
		t.Error("untagged name still resolves")
	}
	if err := s.Untag("other:v1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second untag: %v", err)
	}
	if err := s.Tag("x", ocispec.Descriptor{Digest: digest.FromString("none")}); err == nil {
		t.Error("tagging a missing manifest succeeded")
	}
}

func TestPrune(t *testing.T) {
	s := openStore(t)
	now := time.Now().UTC()
	a := fakeImage(t, s, now, "base", "a")
	b := fakeImage(t, s, now, "base", "b")
	must(t, s.Tag("a", a))
	must(t, s.Tag("b", b))
	must(t, s.CachePut("step-b", b.Digest.String()))
	n, err := s.Prune()
	must(t, err)
	if n != 0 {
		t.Fatalf("prune with everything tagged removed %d", n)
	}
	must(t, s.Untag("b"))
	n, err = s.Prune()
	must(t, err)
	// b's manifest, config, layer blob "b" and its unpacked layer.
	if n != 4 {
		t.Errorf("prune removed %d, want 4", n)
	}
	base := digest.FromString("base")
	if !s.HasBlob(base) || !s.HasBlob(a.Digest) || s.HasBlob(b.Digest) || s.HasBlob(digest.FromString("b")) {
		t.Error("prune kept or removed the wrong blobs")
	}
	if _, ok := s.LayerDir(base); !ok {
		t.Error("shared base layer was pruned while image a uses it")
	}
	if _, ok := s.LayerDir(ChainID(base, digest.FromString("b"))); ok {
		t.Error("b's layer survived prune")
	}
	if _, ok := s.CacheGet("step-b"); ok {
		t.Error("cache record pointing at a pruned manifest survived")
	}
	if _, err := s.Resolve("a"); err != nil {
		t.Errorf("a after prune: %v", err)
	}
}

func TestConcurrentTagging(t *testing.T) {
	s := openStore(t)
	m := fakeImage(t, s, time.Now(), "l")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s2, err := Open(s.Root())
			if err == nil {
				err = s2.Tag(fmt.Sprintf("img%d", i), m)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	imgs, err := s.Images()
	must(t, err)
	if len(imgs) != 1 || len(imgs[0].Names) != 16 {
		t.Fatalf("after 16 concurrent tags: %+v (a lost update?)", imgs)
	}
}

func TestSharedBaseStoredOnce(t *testing.T) {
	s := openStore(t)
	for i := range 10 {
		m := fakeImage(t, s, time.Now(), "the base layer", fmt.Sprintf("app %d", i))
		must(t, s.Tag(fmt.Sprintf("app%d", i), m))
	}
	layers, err := os.ReadDir(filepath.Join(s.Root(), "layers", "sha256"))
	must(t, err)
	if len(layers) != 11 {
		t.Errorf("%d unpacked layers for ten images on one base, want 11", len(layers))
	}
	base := digest.FromString("the base layer")
	if _, ok := s.LayerDir(base); !ok {
		t.Error("base layer missing")
	}
	n, err := s.Prune()
	if err != nil || n != 0 {
		t.Errorf("prune of ten tagged images removed %d (%v)", n, err)
	}
}

func TestPruneSurvivesRecordWithMissingManifest(t *testing.T) {
	s := openStore(t)
	m := fakeImage(t, s, time.Now(), "l")
	must(t, s.Tag("a", m))
	must(t, os.Remove(s.BlobPath(m.Digest)))
	if _, err := s.Prune(); err != nil {
		t.Fatalf("prune with a dangling record: %v", err)
	}
}
