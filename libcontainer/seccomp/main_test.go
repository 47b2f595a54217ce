package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// helperPath is hull-seccomp built by TestMain, as make builds it; when the
// machine lacks what it needs (a C compiler, libseccomp), helperPath is ""
// and helperMissing says why.
var helperPath, helperMissing string

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hull-seccomp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if helperMissing = helperPrerequisites(); helperMissing == "" {
		helperPath = filepath.Join(dir, HelperName)
		if err := buildHelper(helperPath); err != nil {
			// The tools are there, so this is a bug in the helper.
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// helperPrerequisites says what is missing to build hull-seccomp, if
// anything: `make` links it statically with cgo against libseccomp.a.
func helperPrerequisites() string {
	if _, err := exec.LookPath("cc"); err != nil {
		return "hull-seccomp cannot be built here: no C compiler (cc) for cgo"
	}
	if err := exec.Command("pkg-config", "--exists", "libseccomp").Run(); err != nil {
		return "hull-seccomp cannot be built here: pkg-config finds no libseccomp (install libseccomp-dev)"
	}
	return ""
}

func buildHelper(out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-linkmode external -extldflags -static", "-o", out, "./helper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build hull-seccomp: %v\n%s", err, b)
	}
	return nil
}

// requireHelper skips a test that needs the real helper when it could not
// be built here.
func requireHelper(t testing.TB) {
	t.Helper()
	if helperPath == "" {
		t.Skip(helperMissing)
	}
	t.Setenv(EnvHelper, helperPath)
}
