package layer

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// makeUpper builds an overlay-style upper dir holding every kind of entry.
func makeUpper(t *testing.T, dir string) {
	t.Helper()
	putFile(t, filepath.Join(dir, "a"), "hello", 0o644)
	putFile(t, filepath.Join(dir, "bin", "suid"), "x", 0o4755)
	putFile(t, filepath.Join(dir, "opq", "kept"), "k", 0o600)
	must(t, unix.Setxattr(filepath.Join(dir, "opq"), opaqueTrusted, []byte("y"), 0))
	must(t, unix.Mknod(filepath.Join(dir, "gone"), unix.S_IFCHR, 0))
	must(t, os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "hl")))
	must(t, os.Symlink("a", filepath.Join(dir, "sym")))
	must(t, unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(t, unix.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	must(t, unix.Setxattr(filepath.Join(dir, "a"), "user.note", []byte("v"), 0))
	must(t, unix.Setxattr(filepath.Join(dir, "a"), "trusted.overlay.origin", []byte("zz"), 0))
	must(t, os.Lchown(filepath.Join(dir, "bin", "suid"), 1000, 1000))
	must(t, unix.Chmod(filepath.Join(dir, "bin", "suid"), 0o4755)) // os.Chmod ignores 0o4000
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func diffBytes(t *testing.T, dir string, opts DiffOptions) ([]byte, digest.Digest) {
	t.Helper()
	var buf bytes.Buffer
	d, err := Diff(dir, &buf, opts)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if want := digest.FromBytes(buf.Bytes()); d != want {
		t.Fatalf("Diff returned %s, tar hashes to %s", d, want)
	}
	return buf.Bytes(), d
}

func TestDiffEntries(t *testing.T) {
	testutil.RequireRoot(t) // whiteouts, devices and trusted xattrs
	dir := t.TempDir()
	makeUpper(t, dir)
	data, _ := diffBytes(t, dir, DiffOptions{})
	got := map[string]*tar.Header{}
	var order []string
	for _, h := range readTar(t, data) {
		got[h.Name] = h
		order = append(order, h.Name)
	}
	// Sorted by the names in the upper dir, so the whiteout for "gone"
	// comes where "gone" would.
	want := []string{"a", "bin/", "bin/suid", "fifo", ".wh.gone", "hl", "null", "opq/", "opq/.wh..wh..opq", "opq/kept", "sym"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("entries %q, want %q", order, want)
	}
	checks := []struct {
		name string
		ok   func(h *tar.Header) bool
		what string
	}{
		{"a", func(h *tar.Header) bool { return h.Typeflag == tar.TypeReg && h.Size == 5 && h.Mode == 0o644 }, "regular 5 bytes 0644"},
		{"a", func(h *tar.Header) bool { return h.PAXRecords[paxXattr+"user.note"] == "v" }, "xattr user.note kept"},
		{"a", func(h *tar.Header) bool { _, ok := h.PAXRecords[paxXattr+"trusted.overlay.origin"]; return !ok }, "overlay xattr dropped"},
		{"a", func(h *tar.Header) bool { return h.Uname == "" && h.Gname == "" }, "no user names"},
		{"hl", func(h *tar.Header) bool { return h.Typeflag == tar.TypeLink && h.Linkname == "a" }, "hardlink to a"},
		{"sym", func(h *tar.Header) bool { return h.Typeflag == tar.TypeSymlink && h.Linkname == "a" }, "symlink to a"},
		{"null", func(h *tar.Header) bool { return h.Typeflag == tar.TypeChar && h.Devmajor == 1 && h.Devminor == 3 }, "char 1:3"},
		{"fifo", func(h *tar.Header) bool { return h.Typeflag == tar.TypeFifo }, "fifo"},
		{"bin/suid", func(h *tar.Header) bool { return h.Mode == 0o4755 && h.Uid == 1000 && h.Gid == 1000 }, "setuid 4755 owned 1000:1000"},
		{".wh.gone", func(h *tar.Header) bool { return h.Typeflag == tar.TypeReg && h.Size == 0 }, "empty whiteout file"},
		{"opq/.wh..wh..opq", func(h *tar.Header) bool { return h.Typeflag == tar.TypeReg && h.Size == 0 }, "opaque marker"},
	}
	for _, c := range checks {
		if !c.ok(got[c.name]) {
			t.Errorf("%s: want %s, got %+v", c.name, c.what, got[c.name])
		}
	}
	if order[7] != "opq/" || order[8] != "opq/.wh..wh..opq" {
		t.Errorf("opaque marker should follow its directory: %q", order)
	}
}

func TestDiffDeterministic(t *testing.T) {
	epoch := time.Unix(1700000000, 0).UTC()
	build := func(mtime time.Time) string {
		dir := t.TempDir()
		putFile(t, filepath.Join(dir, "d", "f"), "content", 0o640)
		putFile(t, filepath.Join(dir, "old"), "o", 0o644)
		must(t, os.Symlink("d/f", filepath.Join(dir, "l")))
		for _, p := range []string{"d/f", "d", "."} {
			must(t, os.Chtimes(filepath.Join(dir, p), mtime, mtime))
		}
		old := time.Unix(1000, 0)
		must(t, os.Chtimes(filepath.Join(dir, "old"), old, old))
		return dir
	}
	a := build(time.Now())
	b := build(time.Now().Add(time.Hour))
	a1, _ := diffBytes(t, a, DiffOptions{})
	a2, _ := diffBytes(t, a, DiffOptions{})
	if !bytes.Equal(a1, a2) {
		t.Fatal("two diffs of the same tree differ")
	}
	ea, da := diffBytes(t, a, DiffOptions{SourceDateEpoch: &epoch})
	eb, db := diffBytes(t, b, DiffOptions{SourceDateEpoch: &epoch})
	if !bytes.Equal(ea, eb) || da != db {
		t.Fatalf("trees equal but for mtimes give different layers with SourceDateEpoch: %s vs %s", da, db)
	}
	for _, h := range readTar(t, ea) {
		want := epoch
		if h.Name == "old" {
			want = time.Unix(1000, 0)
		}
		if !h.ModTime.Equal(want) {
			t.Errorf("%s: mtime %v, want %v", h.Name, h.ModTime, want)
		}
	}
	if bytes.Equal(a1, ea) {
		t.Error("clamping to SourceDateEpoch changed nothing: test trees too old?")
	}
}

func TestDiffUnpackRoundTrip(t *testing.T) {
	testutil.RequireRoot(t)
	src := t.TempDir()
	makeUpper(t, src)
	data, diffID := diffBytes(t, src, DiffOptions{})
	dst := t.TempDir()
	got, err := Unpack(bytes.NewReader(data), dst)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if got != diffID {
		t.Errorf("Unpack diffID %s, Diff said %s", got, diffID)
	}
	for _, rel := range []string{"a", "bin", "bin/suid", "opq", "opq/kept", "gone", "hl", "sym", "null", "fifo"} {
		if a, b := describe(t, filepath.Join(src, rel)), describe(t, filepath.Join(dst, rel)); a != b {
			t.Errorf("%s: source %s, unpacked %s", rel, a, b)
		}
	}
	var st1, st2 unix.Stat_t
	must(t, unix.Lstat(filepath.Join(dst, "a"), &st1))
	must(t, unix.Lstat(filepath.Join(dst, "hl"), &st2))
	if st1.Ino != st2.Ino {
		t.Error("hardlink was not restored as a hardlink")
	}
	// And the unpacked tree diffs back to the same layer.
	again, d2 := diffBytes(t, dst, DiffOptions{})
	if d2 != diffID {
		t.Errorf("re-diff of the unpacked tree gives %s, want %s\n%v", d2, diffID, names(readTar(t, again)))
	}
}

func names(hs []*tar.Header) []string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%s(%c)", h.Name, h.Typeflag))
	}
	return out
}

// describe summarises what Diff/Unpack must preserve about one path.
func describe(t *testing.T, p string) string {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Lstat(p, &st))
	s := fmt.Sprintf("mode=%o uid=%d gid=%d rdev=%d", st.Mode, st.Uid, st.Gid, st.Rdev)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		data, err := os.ReadFile(p)
		must(t, err)
		s += fmt.Sprintf(" sum=%x mtime=%d", sha256.Sum256(data), st.Mtim.Sec)
	case unix.S_IFLNK:
		target, err := os.Readlink(p)
		must(t, err)
		s += " -> " + target
	case unix.S_IFDIR:
		s += fmt.Sprintf(" mtime=%d", st.Mtim.Sec)
	}
	x, err := readXattrs(p)
	must(t, err)
	op, _ := getXattr(p, opaqueTrusted)
	return s + fmt.Sprintf(" xattrs=%v opaque=%q", x, op)
}

func TestDiffRefusesRedirects(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "moved"), 0o755))
	must(t, unix.Setxattr(filepath.Join(dir, "moved"), "trusted.overlay.redirect", []byte("/orig"), 0))
	_, err := Diff(dir, io.Discard, DiffOptions{})
	if err == nil || !strings.Contains(err.Error(), "redirect_dir") {
		t.Fatalf("Diff of a redirected dir: %v, want an error about redirect_dir", err)
	}
}
