package cache

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// memBackend is an in-memory store for the cache's unit tests.
type memBackend struct {
	kv    map[string]string
	blobs map[digest.Digest][]byte
}

func newMem() *memBackend {
	return &memBackend{kv: map[string]string{}, blobs: map[digest.Digest][]byte{}}
}

func (m *memBackend) CacheGet(k string) (string, bool) { v, ok := m.kv[k]; return v, ok }
func (m *memBackend) CachePut(k, v string) error       { m.kv[k] = v; return nil }
func (m *memBackend) PutBlob(r io.Reader, mt string) (ocispec.Descriptor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	d := digest.FromBytes(b)
	m.blobs[d] = b
	return ocispec.Descriptor{MediaType: mt, Digest: d, Size: int64(len(b))}, nil
}
func (m *memBackend) OpenBlob(d digest.Digest) (io.ReadCloser, error) {
	b, ok := m.blobs[d]
	if !ok {
		return nil, errors.New("no blob")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func TestCacheRoundTrip(t *testing.T) {
	m := newMem()
	c := New(m, false)
	rec := Record{Layer: ocispec.Descriptor{Digest: digest.FromString("layer"), Size: 5}, DiffID: digest.FromString("diff")}
	key := Key(digest.FromString("parent"), "RUN true", "")
	if _, ok := c.Get(key); ok {
		t.Fatal("hit on an empty cache")
	}
	if err := c.Put(key, rec); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(key)
	if !ok || got.DiffID != rec.DiffID || got.Layer.Digest != rec.Layer.Digest {
		t.Fatalf("Get = %+v, %v; want %+v", got, ok, rec)
	}
	if _, ok := New(m, true).Get(key); ok {
		t.Error("disabled cache returned a hit")
	}
	// A record whose blob is gone (pruned) must miss, not fail.
	for d := range m.blobs {
		delete(m.blobs, d)
	}
	if _, ok := c.Get(key); ok {
		t.Error("hit on a record whose blob is gone")
	}
}

func TestKeyDistinguishes(t *testing.T) {
	p1, p2 := digest.FromString("a"), digest.FromString("b")
	f := digest.FromString("files")
	keys := map[string]string{
		"base":        Key(p1, "RUN x", f),
		"parent":      Key(p2, "RUN x", f),
		"instruction": Key(p1, "RUN y", f),
		"files":       Key(p1, "RUN x", ""),
	}
	seen := map[string]string{}
	for name, k := range keys {
		if other, dup := seen[k]; dup {
			t.Errorf("keys %s and %s collide", name, other)
		}
		seen[k] = name
	}
	if Key(p1, "RUN x", f) != keys["base"] {
		t.Error("Key is not deterministic")
	}
}

func TestDigestFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "one")
	write("b", "two")
	sum := func(skip func(string, bool) bool) digest.Digest {
		t.Helper()
		d, err := DigestFiles([]FileSet{{Name: ".", Path: dir, Skip: skip}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1 := sum(nil)
	if err := os.Chtimes(filepath.Join(dir, "a"), time.Unix(1, 0), time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if sum(nil) != d1 {
		t.Error("mtime changed the digest")
	}
	write("a", "ONE")
	d2 := sum(nil)
	if d2 == d1 {
		t.Error("content change did not change the digest")
	}
	if err := os.Chmod(filepath.Join(dir, "a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if sum(nil) == d2 {
		t.Error("mode change did not change the digest")
	}
	skipB := func(rel string, _ bool) bool { return rel == "b" }
	d3 := sum(skipB)
	write("b", "changed")
	if sum(skipB) != d3 {
		t.Error("a skipped file changed the digest")
	}
}
