package layer

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// compressions returns the test tar in every format ADD must extract.
func compressions(t *testing.T, plain []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"tar": plain}
	var gz, zs, xzb bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	must(t, zw.Close())
	out["gz"] = gz.Bytes()
	ze, err := zstd.NewWriter(&zs)
	must(t, err)
	ze.Write(plain)
	must(t, ze.Close())
	out["zst"] = zs.Bytes()
	xw, err := xz.NewWriter(&xzb)
	must(t, err)
	xw.Write(plain)
	must(t, xw.Close())
	out["xz"] = xzb.Bytes()
	// Go has no bzip2 writer: use the bzip2 program when it is installed.
	if _, err := exec.LookPath("bzip2"); err == nil {
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(plain)
		bz, err := cmd.Output()
		must(t, err)
		out["bz2"] = bz
	} else {
		t.Log("bzip2 not installed: bz2 case not covered")
	}
	return out
}

func TestExtractArchiveFormats(t *testing.T) {
	testutil.RequireRoot(t) // chown
	plain := makeTar(t, []tarEntry{
		{name: "./", typ: tar.TypeDir, mode: 0o700},
		{name: "app/", typ: tar.TypeDir, mode: 0o755},
		{name: "app/run", typ: tar.TypeReg, body: "#!/bin/sh\n", mode: 0o755, uid: 5, gid: 6},
		{name: "bin/tool", typ: tar.TypeReg, body: "t", mode: 0o700},
		{name: "app/link", typ: tar.TypeSymlink, link: "run"},
	})
	for format, data := range compressions(t, plain) {
		t.Run(format, func(t *testing.T) {
			dest := t.TempDir()
			must(t, os.MkdirAll(filepath.Join(dest, "usr", "bin"), 0o755))
			must(t, os.Symlink("usr/bin", filepath.Join(dest, "bin"))) // merged-usr rootfs
			if err := ExtractArchive(bytes.NewReader(data), dest, &Chown{UID: 7, GID: 8}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dest, "app", "run"))
			must(t, err)
			if st := fi.Sys().(*syscall.Stat_t); st.Uid != 7 || st.Gid != 8 || fi.Mode().Perm() != 0o755 {
				t.Errorf("app/run: %d:%d %v, want 7:8 0755", st.Uid, st.Gid, fi.Mode())
			}
			if b, err := os.ReadFile(filepath.Join(dest, "usr", "bin", "tool")); err != nil || string(b) != "t" {
				t.Errorf("bin/tool should land in usr/bin through the in-rootfs symlink: %q %v", b, err)
			}
			if l, err := os.Readlink(filepath.Join(dest, "app", "link")); err != nil || l != "run" {
				t.Errorf("app/link -> %q, %v", l, err)
			}
			if fi, _ := os.Stat(dest); fi.Mode().Perm() == 0o700 {
				t.Error("the archive's ./ entry changed the destination's mode")
			}
		})
	}
}

func TestIsArchive(t *testing.T) {
	plain := makeTar(t, []tarEntry{{name: "f", typ: tar.TypeReg, body: "x"}})
	dir := t.TempDir()
	cases := map[string]struct {
		data []byte
		want bool
	}{
		"text":       {[]byte("just some text\n"), false},
		"empty":      {nil, false},
		"gzip text":  {gzipBytes(t, []byte("not a tar")), false},
		"zeros only": {make([]byte, 1024), false},
	}
	for format, data := range compressions(t, plain) {
		cases[format] = struct {
			data []byte
			want bool
		}{data, true}
	}
	for name, tc := range cases {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, tc.data, 0o644))
		got, err := IsArchive(p)
		if err != nil || got != tc.want {
			t.Errorf("%s: IsArchive = %v, %v; want %v", name, got, err, tc.want)
		}
	}
	if _, err := IsArchive(filepath.Join(dir, "missing")); err == nil {
		t.Error("IsArchive of a missing file: no error")
	}
}

func gzipBytes(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	must(t, zw.Close())
	return b.Bytes()
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	must(t, err)
	return len(entries)
}

// TestExtractArchiveClosesFDs walks symlinks up and down (the fd stack of
// resolve.go) and fails half-way; no directory fd may be left open.
func TestExtractArchiveClosesFDs(t *testing.T) {
	data := makeTar(t, []tarEntry{
		{name: "a/b/c/", typ: tar.TypeDir, mode: 0o755},
		{name: "up", typ: tar.TypeSymlink, link: "a/b/c/../../b"},
		{name: "up/f", typ: tar.TypeReg, body: "x"},
		{name: "a/b/c/out", typ: tar.TypeSymlink, link: "../../../.."},
		{name: "a/b/c/out/escaped", typ: tar.TypeReg, body: "x"},
	})
	dest := t.TempDir()
	before := openFDs(t)
	err := ExtractArchive(bytes.NewReader(data), dest, nil)
	if err == nil {
		t.Fatal("the escaping entry was accepted")
	}
	if _, err := os.Stat(filepath.Join(dest, "a", "b", "f")); err != nil {
		t.Errorf("up/f should have landed in a/b through the symlink: %v", err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d fds open before, %d after", before, after)
	}
}

func TestExtractPlainRefusesLinks(t *testing.T) {
	for _, e := range []tarEntry{
		{name: "blobs/sha256/abc", typ: tar.TypeSymlink, link: "/etc/shadow"},
		{name: "index.json", typ: tar.TypeLink, link: "x"},
		{name: "dev", typ: tar.TypeChar, major: 1, minor: 3},
	} {
		dest := t.TempDir()
		err := ExtractPlain(bytes.NewReader(makeTar(t, []tarEntry{e})), dest)
		if err == nil {
			t.Errorf("%s (%c) accepted", e.name, e.typ)
		}
		if got := listTree(t, dest); len(got) != 1 {
			t.Errorf("%s: something was written: %q", e.name, got)
		}
	}
	dest := t.TempDir()
	ok := makeTar(t, []tarEntry{{name: "oci-layout", typ: tar.TypeReg, body: "{}"}, {name: "blobs/", typ: tar.TypeDir, mode: 0o755}})
	if err := ExtractPlain(bytes.NewReader(ok), dest); err != nil {
		t.Fatalf("plain archive refused: %v", err)
	}
}
