package seccomp

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCacheRoundTrip(t *testing.T) {
	root := t.TempDir()
	c := newCache(root)
	key := []byte("arch amd64\n{\"defaultAction\":\"SCMP_ACT_ALLOW\"}")
	if got := c.get(key); got != nil {
		t.Fatalf("empty cache returned %x", got)
	}
	if err := c.put(key, allowAll); err != nil {
		t.Fatal(err)
	}
	if got := c.get(key); !bytes.Equal(got, allowAll) {
		t.Fatalf("get after put: %x, want %x", got, allowAll)
	}
	if got := c.get(append(bytes.Clone(key), ' ')); got != nil {
		t.Errorf("another key hit: %x", got)
	}
	dir, err := os.Stat(filepath.Join(root, cacheDirName))
	if err != nil || dir.Mode().Perm() != 0o700 {
		t.Errorf("cache dir: %v, %v; want mode 0700", dir, err)
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) != 1 {
		t.Errorf("cache dir holds %d entries, want the one file (no temporary left)", len(entries))
	}
	if fi, err := os.Stat(c.path(key)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, %v; want mode 0600", fi, err)
	}
}

// TestCacheRefusesDamage: anything but a whole file for this key is a miss,
// so Prepare compiles again instead of handing init a broken filter.
func TestCacheRefusesDamage(t *testing.T) {
	key := []byte("key")
	good := encodeCacheFile(key, allowAll)
	damaged := map[string][]byte{
		"empty file":              {},
		"magic only":              []byte(cacheMagic),
		"no filter":               encodeCacheFile(key, nil),
		"filter cut short":        good[:len(good)-1],
		"filter of 7 bytes":       encodeCacheFile(key, allowAll[:7]),
		"filter ending in a load": encodeCacheFile(key, encodeInsns(insnRet, insnLd)),
		"other key, same len":     encodeCacheFile([]byte("kez"), allowAll),
		"key length too big":      append([]byte(cacheMagic), 0xff, 0xff, 0xff, 0x7f, 'k'),
		"other magic":             append([]byte("HULLSECCOMP0\n"), good[len(cacheMagic):]...),
	}
	for name, data := range damaged {
		c := newCache(t.TempDir())
		if err := os.MkdirAll(c.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.path(key), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := c.get(key); got != nil {
			t.Errorf("%s: got %x, want a miss", name, got)
		}
	}
}

func TestCacheFileCodec(t *testing.T) {
	key, filter := []byte("the key"), bytes.Repeat(allowAll, 3)
	got, ok := decodeCacheFile(encodeCacheFile(key, filter), key)
	if !ok || !bytes.Equal(got, filter) {
		t.Errorf("round trip: %x, %v", got, ok)
	}
}

// TestCachePutUnwritable: put reports a state root it cannot write.
func TestCachePutUnwritable(t *testing.T) {
	root := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(root, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := newCache(root).put([]byte("k"), allowAll); err == nil {
		t.Error("put under a regular file succeeded")
	}
}
