package seccomp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// cacheDirName is the cache's directory under the state root. '@' cannot
// appear in a container id, so no container's state dir can collide with it
// (and `hull list` skips it: it has no state.json).
const cacheDirName = "@seccomp"

// cacheMagic starts every cache file; bump it when the format or the key
// material changes.
const cacheMagic = "HULLSECCOMP1\n"

// A cache file is
//
//	cacheMagic | key length (uint32, little endian) | key | filter
//
// The key is everything that decides the helper's output (see cacheKey), so
// a hit is checked by comparing it byte for byte. That is why the file name
// can be a cheap FNV-1a hash rather than SHA-256: linking crypto/sha256
// into hull costs about 0.5 ms at every start of hull here (measured on
// this machine: package init plus a 220 kB larger binary), a collision only
// costs a recompile, and a profile crafted to collide with another cannot
// make hull load the other's filter.
type cache struct{ dir string }

func newCache(stateRoot string) cache {
	return cache{dir: filepath.Join(stateRoot, cacheDirName)}
}

// cacheKey is what decides the helper's output: the profile it is given,
// the helper binary (its libseccomp is linked in, so a new build or version
// is a new file), the native architecture and the kernel (libseccomp asks
// it which actions it may use).
func cacheKey(helper string, profile []byte) ([]byte, error) {
	var st unix.Stat_t
	if err := unix.Stat(helper, &st); err != nil {
		return nil, fmt.Errorf("seccomp helper %s: %w", helper, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "arch %s\nkernel %s\nhelper %d %d %d %d.%09d %d.%09d\n",
		runtime.GOARCH, kernelRelease(), st.Dev, st.Ino, st.Size,
		st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
	b.Write(profile)
	return b.Bytes(), nil
}

func (c cache) path(key []byte) string {
	h := fnv.New128a()
	h.Write(key)
	return filepath.Join(c.dir, hex.EncodeToString(h.Sum(nil))+".filter")
}

// get returns the filter cached for key, or nil when there is none or the
// file cannot be trusted (another key, damaged, cut short).
func (c cache) get(key []byte) []byte {
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil
	}
	filter, ok := decodeCacheFile(data, key)
	if !ok || checkFilter(filter) != nil {
		return nil
	}
	return filter
}

// put stores filter for key: written to a temporary file and renamed, so a
// reader sees the old file or the whole new one, never a partial write.
// No fsync: a file lost or cut short by a crash fails get's checks and is
// compiled again.
func (c cache) put(key, filter []byte) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("seccomp cache: %w", err)
	}
	dst := c.path(key)
	tmp, err := os.CreateTemp(c.dir, ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return fmt.Errorf("seccomp cache: %w", err)
	}
	_, werr := tmp.Write(encodeCacheFile(key, filter))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), dst)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("seccomp cache: write %s: %w", dst, werr)
	}
	return nil
}

func encodeCacheFile(key, filter []byte) []byte {
	b := make([]byte, 0, len(cacheMagic)+4+len(key)+len(filter))
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(key)))
	b = append(b, key...)
	return append(b, filter...)
}

// decodeCacheFile returns the filter in data if data is a cache file for key.
func decodeCacheFile(data, key []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(cacheMagic))
	if !ok || len(rest) < 4 {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if uint64(n) != uint64(len(key)) || uint64(len(rest)) < uint64(n) || !bytes.Equal(rest[:n], key) {
		return nil, false
	}
	return rest[n:], true
}
