package procfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenAcceptsProcfs(t *testing.T) {
	data, err := ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Pid:") {
		t.Fatalf("unexpected /proc/self/status: %q", data)
	}
}

// A file that stands where a procfs file should, or a symlink to one, is
// what a hostile rootfs offers: both are refused.
func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "oom_score_adj")
	if err := os.WriteFile(fake, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(fake, []byte("-1000"))
	if err == nil || !strings.Contains(err.Error(), "is not on procfs") {
		t.Fatalf("write to a non-procfs file: %v, want a refusal", err)
	}
	if data, _ := os.ReadFile(fake); len(data) != 0 {
		t.Fatalf("the fake file received %q", data)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("/proc/self/status", link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(link); !errors.Is(err, unix.ELOOP) {
		t.Fatalf("read through a symlink: %v, want ELOOP", err)
	}
}
