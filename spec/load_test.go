package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"golang.org/x/sys/unix"
)

func TestLoad(t *testing.T) {
	bundle, s := validBundle(t)
	testutil.WriteJSON(t, filepath.Join(bundle, ConfigFile), s)
	got, err := Load(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hostname != "runc" || got.Process.Args[0] != "sh" || RootfsPath(got, bundle) != filepath.Join(bundle, "rootfs") {
		t.Fatalf("loaded spec differs from the written one: %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, bundle string) string // returns the bundle to load
		want   string                                   // substring, after the bundle dir is substituted for $B
		target error
	}{
		{"bundle missing", func(t *testing.T, b string) string { return filepath.Join(b, "gone") },
			"bundle $B/gone: no such directory", fs.ErrNotExist},
		{"bundle is a file", func(t *testing.T, b string) string { return writeFile(b, "f") },
			"bundle $B/f: not a directory", nil},
		{"config missing", func(t *testing.T, b string) string { return b },
			"$B/config.json: no such file or directory", fs.ErrNotExist},
		{"syntax error", func(t *testing.T, b string) string {
			write(t, b, "{\n  \"ociVersion\": \"1.0.0\",\n  \"process\" {}\n}")
			return b
		}, "$B/config.json: invalid JSON at line 3, column 13: ", nil},
		{"truncated", func(t *testing.T, b string) string {
			write(t, b, "{\"ociVersion\": \"1.0.0\"")
			return b
		}, "$B/config.json: invalid JSON", nil},
		{"over the size limit", func(t *testing.T, b string) string {
			// Sparse: the size is refused before anything is read.
			if err := os.Truncate(writeFile(b, ConfigFile), MaxConfigSize+1); err != nil {
				t.Fatal(err)
			}
			return b
		}, "$B/config.json: 16777217 bytes is larger than the 16 MiB limit: refused", nil},
		{"over the size limit through a fifo", func(t *testing.T, b string) string {
			path := filepath.Join(b, ConfigFile)
			if err := unix.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
			go func() {
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer f.Close()
				chunk := make([]byte, 1<<20)
				for i := 0; i <= MaxConfigSize>>20; i++ {
					if _, err := f.Write(chunk); err != nil {
						return // the reader stopped at the limit
					}
				}
			}()
			return b
		}, "$B/config.json: larger than the 16 MiB limit: refused", nil},
		{"empty", func(t *testing.T, b string) string { write(t, b, " \n"); return b },
			"$B/config.json: empty file", nil},
		{"not an object", func(t *testing.T, b string) string { write(t, b, "[]"); return b },
			"$B/config.json: (top level): expected object, got JSON array (line 1, column 1)", nil},
		{"wrong type", func(t *testing.T, b string) string {
			write(t, b, "{\"ociVersion\": \"1.0.0\",\n \"process\": {\"user\": {\"uid\": \"root\"}}}")
			return b
		}, "$B/config.json: process.user.uid: expected uint32, got JSON string (line 2, column", nil},
		{"invalid spec", func(t *testing.T, b string) string {
			_, s := validBundle(t)
			s.Linux.Namespaces[1].Path = "/proc/self/ns/nonexistent"
			s.Process.Cwd = ""
			testutil.WriteJSON(t, filepath.Join(b, ConfigFile), s)
			if err := os.Mkdir(filepath.Join(b, "rootfs"), 0o755); err != nil {
				t.Fatal(err)
			}
			return b
		}, "$B/config.json: process.cwd: \"\" is not an absolute path\n" +
			"$B/config.json: linux.namespaces[1].path: /proc/self/ns/nonexistent: no such file or directory", fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Load(tc.setup(t, dir))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			want := strings.ReplaceAll(tc.want, "$B", dir)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error\n%s\ndoes not contain\n%s", err, want)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Fatalf("error %v does not match %v", err, tc.target)
			}
		})
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncde\nf")
	tests := []struct {
		offset    int64
		line, col int
	}{{1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {6, 2, 3}, {8, 3, 1}, {100, 3, 1}, {0, 1, 1}}
	for _, tc := range tests {
		if line, col := position(data, tc.offset); line != tc.line || col != tc.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tc.offset, line, col, tc.line, tc.col)
		}
	}
}

func TestRootfsPath(t *testing.T) {
	s := Default()
	if got := RootfsPath(s, "/b/x"); got != "/b/x/rootfs" {
		t.Errorf("relative root: %q", got)
	}
	s.Root.Path = "/srv/root/../rootfs"
	if got := RootfsPath(s, "/b/x"); got != "/srv/rootfs" {
		t.Errorf("absolute root: %q", got)
	}
	s.Root = nil
	if got := RootfsPath(s, "/b"); got != "" {
		t.Errorf("no root: %q", got)
	}
	wd, _ := os.Getwd()
	if got := RootfsPath(Default(), "b"); got != filepath.Join(wd, "b", "rootfs") {
		t.Errorf("relative bundle: %q", got)
	}
}

func write(t *testing.T, bundle, config string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(bundle, ConfigFile), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
}
