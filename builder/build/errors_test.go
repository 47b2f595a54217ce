package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildErrors: a bad Dockerfile or a failing step stops the build with
// an error naming the file, the line and the instruction, and tags nothing.
func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name, dockerfile, want string
	}{
		{"parse", "FROM " + baseName + "\nRUN true\nNOPE x\n", "Dockerfile:3: NOPE: unknown instruction"},
		{"failing run", "FROM " + baseName + "\n\nRUN exit 3\n", "Dockerfile:3: RUN: process \"/bin/sh -c exit 3\" exited with code 3"},
		{"missing source", "FROM " + baseName + "\nCOPY nothere /x\n", "Dockerfile:2: COPY: source \"nothere\": not found"},
		{"unknown user", "FROM " + baseName + "\nCOPY --chown=nobody-here a /a\n", "Dockerfile:2: COPY: --chown=nobody-here: user \"nobody-here\""},
		{"bad chmod", "FROM " + baseName + "\nCOPY --chmod=u+x a /a\n", "Dockerfile:2: COPY: --chmod=u+x"},
		{"unknown base", "FROM oci:/nonexistent-hull-test/layout:v1\n", "Dockerfile:1: FROM: base image oci:/nonexistent-hull-test/layout:v1"},
		{"host network not allowed", "FROM " + baseName + "\nRUN --network=host true\n", "Dockerfile:2: RUN: --network=host needs the build to allow it"},
		{"secret mount", "FROM " + baseName + "\nRUN --mount=type=secret,id=x true\n", "Dockerfile:2: RUN: --mount type=secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := buildCase{dockerfile: tt.dockerfile, files: map[string]string{"a": "a\n"}}.writeContext(t)
			tag := uniqueTag(t)
			_, out, err := build(t, dir, func(o *Options) { o.Tags = []string{tag} })
			if err == nil {
				t.Fatalf("build succeeded, want error %q\n%s", tt.want, out)
			}
			want := filepath.Join(dir, tt.want)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want it to contain %q", err, want)
			}
			if _, err := sharedStore(t).Resolve(tag); err == nil {
				t.Errorf("failed build tagged %s", tag)
			}
		})
	}
}

// TestBuildHostileContext: sources that leave the context, by ../ or by a
// symlink, and archives with escaping entries are refused.
func TestBuildHostileContext(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dockerfile, want string
		setup                  func(t *testing.T, dir string)
	}{
		{"dotdot", "COPY ../secret /s\n", "outside the build context", nil},
		{"dotdot glob", "COPY ../*/secret /s\n", "outside the build context", nil},
		{"symlink out", "COPY link /s\n", "outside the build context", func(t *testing.T, dir string) {
			symlink(t, secret, filepath.Join(dir, "link"))
		}},
		{"symlinked dir out", "COPY linkdir/secret /s\n", "outside the build context", func(t *testing.T, dir string) {
			symlink(t, outside, filepath.Join(dir, "linkdir"))
		}},
		{"bind mount out", "RUN --mount=type=bind,source=../secret,target=/s cat /s\n", "outside the build context", nil},
		{"archive escape", "ADD evil.tar.gz /x/\n", "../../escaped", func(t *testing.T, dir string) {
			data := tarGz(t, map[string]string{"../../escaped": "pwned\n"})
			if err := os.WriteFile(filepath.Join(dir, "evil.tar.gz"), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := buildCase{dockerfile: "FROM " + baseName + "\n" + tt.dockerfile}.writeContext(t)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			_, out, err := build(t, dir, nil)
			if err == nil {
				t.Fatalf("hostile build succeeded\n%s", out)
			}
			mustContain(t, err.Error(), tt.want)
			mustContain(t, err.Error(), "Dockerfile:2:")
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(outside), "escaped")); err == nil {
		t.Error("an archive entry was written outside the layer")
	}
}

// TestBuildSymlinkInRootfs: a symlink of the image pointing out of it is
// resolved inside the rootfs when COPY writes through it.
func TestBuildSymlinkInRootfs(t *testing.T) {
	host := t.TempDir()
	df := "FROM " + baseName + "\nRUN ln -s " + host + " /escape\nCOPY a /escape/a\nCMD [\"true\"]\n"
	tag := uniqueTag(t)
	mustBuild(t, buildCase{dockerfile: df, files: map[string]string{"a": "a\n"}}.writeContext(t),
		func(o *Options) { o.Tags = []string{tag} })
	if _, err := os.Stat(filepath.Join(host, "a")); err == nil {
		t.Fatal("COPY followed a rootfs symlink out to the host")
	}
	if got, err := os.ReadFile(filepath.Join(unpack(t, tag), host, "a")); err != nil || string(got) != "a\n" {
		t.Errorf("file not inside the rootfs at %s: %q %v", host, got, err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestBuildCopyThroughSymlinkedDir: COPY of a directory onto a symlink to a
// directory (merged /usr: /lib -> usr/lib) fills the directory and keeps the link.
func TestBuildCopyThroughSymlinkedDir(t *testing.T) {
	df := "FROM " + baseName + "\nRUN mkdir -p /usr/lib && ln -s usr/lib /lib\nCOPY dir/ /lib/\nCMD [\"true\"]\n"
	tag := uniqueTag(t)
	mustBuild(t, buildCase{dockerfile: df, files: map[string]string{"dir/libx.so": "x"}}.writeContext(t),
		func(o *Options) { o.Tags = []string{tag} })
	rootfs := unpack(t, tag)
	if fi, err := os.Lstat(filepath.Join(rootfs, "lib")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("/lib is no longer a symlink: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "usr/lib/libx.so")); err != nil {
		t.Errorf("/usr/lib/libx.so: %v", err)
	}
}
