// Package testutil holds helpers shared by hull's integration tests: root checks,
// busybox bundles and unique container ids.
package testutil

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// RequireRoot skips an integration test when not running as root: containers
// need namespaces, mounts and cgroups that only root may create.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("integration test: needs root to create namespaces, mounts and cgroups")
	}
}

// UniqueID returns a container id that no parallel test will also use.
func UniqueID(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

// BusyboxPath is where Debian's busybox-static installs its binary.
const BusyboxPath = "/bin/busybox"

// MakeBusyboxRootfs fills dir with a minimal rootfs: a static busybox and a
// symlink for each of its applets, plus the directories a container expects.
func MakeBusyboxRootfs(dir string) error {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		bb = BusyboxPath
	}
	if _, err := os.Stat(bb); err != nil {
		return fmt.Errorf("busybox-static is needed for test rootfs: %w", err)
	}
	for _, d := range []string{"bin", "dev", "proc", "sys", "etc", "tmp", "root", "run", "var"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		return err
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, name := range splitLines(string(out)) {
		if name == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", name)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	if err := os.Symlink("bin", filepath.Join(dir, "sbin")); err != nil {
		return err
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\n",
		"etc/hosts":  "127.0.0.1 localhost\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var (
	templateOnce sync.Once
	templateDir  string
	templateErr  error
)

// BusyboxRootfs copies a cached busybox rootfs into dst (cp -a is fast and
// keeps each test's rootfs private, so tests may write to it in parallel).
func BusyboxRootfs(t testing.TB, dst string) {
	t.Helper()
	templateOnce.Do(func() {
		templateDir, templateErr = os.MkdirTemp("", "hull-test-rootfs-")
		if templateErr == nil {
			// cp -a copies the template's own mode onto the rootfs: make it
			// a normal root directory, not MkdirTemp's 0700.
			templateErr = os.Chmod(templateDir, 0o755)
		}
		if templateErr == nil {
			templateErr = MakeBusyboxRootfs(templateDir)
		}
	})
	if templateErr != nil {
		t.Fatalf("busybox rootfs: %v", templateErr)
	}
	if out, err := exec.Command("cp", "-a", templateDir+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("copy rootfs: %v: %s", err, out)
	}
}

// Cleanup removes the cached rootfs template; call it from TestMain after
// m.Run in every package that uses BusyboxRootfs.
func Cleanup() {
	if templateDir != "" {
		os.RemoveAll(templateDir)
	}
}

// WriteJSON writes v as indented JSON to path.
func WriteJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
