package layer

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// hostileCases are tars that try to write outside the target; each must be
// refused with an error naming the entry.
var hostileCases = []struct {
	name    string
	entries []tarEntry
	errHas  string
}{
	{"dotdot", []tarEntry{{name: "../escaped", typ: tar.TypeReg, body: "x"}}, `"../escaped"`},
	{"dotdot inside", []tarEntry{{name: "a/../../escaped", typ: tar.TypeReg, body: "x"}}, "leaves the target"},
	{"absolute", []tarEntry{{name: "/abs", typ: tar.TypeReg, body: "x"}}, "absolute path"},
	{"symlink then through it", []tarEntry{
		{name: "l", typ: tar.TypeSymlink, link: "/etc"},
		{name: "l/passwd", typ: tar.TypeReg, body: "pwned"},
	}, `"l/passwd"`},
	{"relative symlink out then through it", []tarEntry{
		{name: "l", typ: tar.TypeSymlink, link: "../../.."},
		{name: "l/escaped", typ: tar.TypeReg, body: "pwned"},
	}, `"l/escaped"`},
	{"hardlink to absolute", []tarEntry{{name: "h", typ: tar.TypeLink, link: "/etc/passwd"}}, "absolute path"},
	{"hardlink dotdot", []tarEntry{{name: "h", typ: tar.TypeLink, link: "../outside/secret"}}, "leaves the target"},
	{"hardlink through symlink", []tarEntry{
		{name: "l", typ: tar.TypeSymlink, link: "/etc"},
		{name: "h", typ: tar.TypeLink, link: "l/passwd"},
	}, `"h"`},
}

// hostileSetup makes base/target (where we unpack) beside base/outside (which
// must stay untouched), with a file the hardlink cases aim at.
func hostileSetup(t *testing.T) (target, outside string) {
	base := t.TempDir()
	target, outside = filepath.Join(base, "target"), filepath.Join(base, "outside")
	must(t, os.MkdirAll(target, 0o755))
	putFile(t, filepath.Join(outside, "secret"), "s", 0o600)
	return target, outside
}

func checkOutside(t *testing.T, outside string) {
	t.Helper()
	if got := listTree(t, outside); strings.Join(got, ",") != ".,secret" {
		t.Errorf("outside dir changed: %q", got)
	}
	if data, _ := os.ReadFile("/etc/passwd"); strings.Contains(string(data), "pwned") {
		t.Fatal("/etc/passwd was written")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(outside), "escaped")); err == nil {
		t.Error("a file escaped next to the target")
	}
}

func TestUnpackRefusesHostileTars(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			target, outside := hostileSetup(t)
			_, err := Unpack(bytes.NewReader(makeTar(t, tc.entries)), target)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("Unpack error %v, want one containing %s", err, tc.errHas)
			}
			t.Logf("refused: %v", err)
			checkOutside(t, outside)
		})
	}
}

func TestExtractArchiveRefusesHostileTars(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			target, outside := hostileSetup(t)
			err := ExtractArchive(bytes.NewReader(makeTar(t, tc.entries)), target, nil)
			if err == nil {
				t.Fatal("ExtractArchive accepted a hostile archive")
			}
			t.Logf("refused: %v", err)
			checkOutside(t, outside)
		})
	}
}

func TestUnpackWhiteouts(t *testing.T) {
	testutil.RequireRoot(t) // mknod 0/0 and trusted xattrs
	dir := t.TempDir()
	data := makeTar(t, []tarEntry{
		{name: "d/", typ: tar.TypeDir, mode: 0o755},
		{name: "d/.wh..wh..opq", typ: tar.TypeReg},
		{name: "d/new", typ: tar.TypeReg, body: "n"},
		{name: ".wh.removed", typ: tar.TypeReg},
		{name: "x/.wh.deep", typ: tar.TypeReg},
	})
	if _, err := Unpack(bytes.NewReader(data), dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"removed", "x/deep"} {
		var st unix.Stat_t
		must(t, unix.Lstat(filepath.Join(dir, p), &st))
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
			t.Errorf("%s: mode %o rdev %d, want an overlay whiteout (char 0/0)", p, st.Mode, st.Rdev)
		}
	}
	if v, err := getXattr(filepath.Join(dir, "d"), opaqueTrusted); err != nil || string(v) != "y" {
		t.Errorf("d: opaque xattr %q (%v), want y", v, err)
	}
	for _, p := range []string{".wh.removed", "d/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
			t.Errorf("%s was written as a file", p)
		}
	}
}

func TestUnpackCompressed(t *testing.T) {
	plain := makeTar(t, []tarEntry{{name: "f", typ: tar.TypeReg, body: "data", uid: os.Getuid(), gid: os.Getgid()}})
	want := digest.FromBytes(plain)
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	must(t, zw.Close())
	ze, err := zstd.NewWriter(&zs)
	must(t, err)
	ze.Write(plain)
	must(t, ze.Close())
	for name, data := range map[string][]byte{"plain": plain, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := Unpack(bytes.NewReader(data), dir)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("diffID %s, want %s (sha256 of the uncompressed tar)", got, want)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != "data" {
				t.Errorf("f = %q, %v", b, err)
			}
		})
	}
}

func TestUnpackRejectsOverlayXattrs(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	data := makeTar(t, []tarEntry{{name: "d/", typ: tar.TypeDir, mode: 0o755,
		xattrs: map[string]string{"trusted.overlay.redirect": "/etc", "user.ok": "1"}}})
	if _, err := Unpack(bytes.NewReader(data), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := getXattr(filepath.Join(dir, "d"), "trusted.overlay.redirect"); err == nil {
		t.Error("a layer set an overlay redirect xattr")
	}
	if v, err := getXattr(filepath.Join(dir, "d"), "user.ok"); err != nil || string(v) != "1" {
		t.Errorf("user.ok = %q, %v", v, err)
	}
}
