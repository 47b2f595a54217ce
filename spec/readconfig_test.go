package spec

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// allocated returns how many bytes fn allocated on the Go heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An over-limit regular file is refused from its size alone: a sparse
// 1 TiB config.json comes back at once, with its exact size in the error
// (only the stat knows it), and next to nothing allocated.
func TestReadConfigRefusesUnread(t *testing.T) {
	for _, size := range []int64{MaxConfigSize + 1, 1 << 40} {
		b := t.TempDir()
		if err := os.WriteFile(filepath.Join(b, ConfigFile), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(filepath.Join(b, ConfigFile), size); err != nil {
			t.Fatal(err)
		}
		var err error
		n := allocated(func() { _, err = ReadConfig(b) })
		want := filepath.Join(b, ConfigFile) + ": " + strconv.FormatInt(size, 10) + " bytes is larger than the 16 MiB limit: refused"
		if err == nil || err.Error() != want {
			t.Errorf("ReadConfig of a %d-byte file = %v, want %s", size, err, want)
		}
		if n > 64<<10 {
			t.Errorf("ReadConfig of a %d-byte file allocated %d bytes before refusing it", size, n)
		}
	}
}

// A file of exactly the limit is accepted, read into one buffer of its
// size: no regrowth, so no copy of it.
func TestReadConfigAtLimit(t *testing.T) {
	b := t.TempDir()
	path := filepath.Join(b, ConfigFile)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, MaxConfigSize); err != nil {
		t.Fatal(err)
	}
	var data []byte
	var err error
	n := allocated(func() { data, err = ReadConfig(b) })
	if err != nil || len(data) != MaxConfigSize {
		t.Fatalf("ReadConfig at the limit: %d bytes, %v", len(data), err)
	}
	if cap(data) != MaxConfigSize {
		t.Errorf("buffer capacity %d, want %d", cap(data), MaxConfigSize)
	}
	if n > MaxConfigSize+64<<10 {
		t.Errorf("reading a %d-byte file allocated %d bytes", MaxConfigSize, n)
	}
}

// An endless non-regular config.json (/dev/zero) is refused once past the
// limit, and its buffer never grows past the limit.
func TestReadConfigEndlessDevice(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	b := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(b, ConfigFile)); err != nil {
		t.Fatal(err)
	}
	var err error
	n := allocated(func() { _, err = ReadConfig(b) })
	if err == nil || !strings.Contains(err.Error(), "larger than the 16 MiB limit: refused") {
		t.Fatalf("ReadConfig of /dev/zero = %v", err)
	}
	// 4 KiB doubling up to the limit: the buffers sum to about twice the
	// limit, of which at most 1.5 times it live at once.
	if n > 2*MaxConfigSize+64<<10 {
		t.Errorf("ReadConfig of /dev/zero allocated %d bytes", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestReadLimited(t *testing.T) {
	data := strings.Repeat("0123456789", 100) // 1000 bytes
	tests := []struct {
		name        string
		r           io.Reader
		size, limit int
		wantLen     int
		wantOver    bool
		wantErr     error
	}{
		{"size as the hint", strings.NewReader(data), 1001, 5000, 1000, false, nil},
		{"small hint grows", strings.NewReader(data), 1, 5000, 1000, false, nil},
		{"zero hint", strings.NewReader(data), 0, 5000, 1000, false, nil},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader(data)), 3, 5000, 1000, false, nil},
		{"data and EOF together", iotest.DataErrReader(strings.NewReader(data)), 7, 5000, 1000, false, nil},
		{"at the limit", strings.NewReader(data), 16, 1000, 1000, false, nil},
		{"at the limit, hint over it", strings.NewReader(data), 1001, 1000, 1000, false, nil},
		{"one past the limit", strings.NewReader(data), 16, 999, 0, true, nil},
		{"endless", zeros{}, 16, 999, 0, true, nil},
		{"endless, hint over the limit", zeros{}, 1 << 20, 999, 0, true, nil},
		{"empty", strings.NewReader(""), 1, 10, 0, false, nil},
		{"zero limit, empty", strings.NewReader(""), 1, 0, 0, false, nil},
		{"zero limit, one byte", strings.NewReader("x"), 1, 0, 0, true, nil},
		{"error", iotest.TimeoutReader(strings.NewReader(data)), 1001, 5000, 0, false, iotest.ErrTimeout},
		{"error at the limit", iotest.ErrReader(iotest.ErrTimeout), 1, 0, 0, false, iotest.ErrTimeout},
	}
	for _, tc := range tests {
		got, over, err := readLimited(tc.r, tc.size, tc.limit)
		if !errors.Is(err, tc.wantErr) || over != tc.wantOver {
			t.Errorf("%s: over %v, error %v; want over %v, error %v", tc.name, over, err, tc.wantOver, tc.wantErr)
			continue
		}
		if string(got) != data[:tc.wantLen] {
			t.Errorf("%s: read %d bytes, want the first %d", tc.name, len(got), tc.wantLen)
		}
		if cap(got) > tc.limit {
			t.Errorf("%s: buffer grew to %d bytes, past the limit %d", tc.name, cap(got), tc.limit)
		}
	}
}
