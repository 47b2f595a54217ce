package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// process.cwd is entered while init is still root, as runc does: a user
// may work in a directory below one only root may search (a volume
// chowned to the container's user under a private parent).
func TestCwdBelowRootOnlyDirectory(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Root.Readonly = false
		s.Process.Cwd = "/private/work"
		s.Process.Args = []string{"sh", "-c", "pwd; touch here && echo wrote"}
	})
	work := filepath.Join(b, "rootfs", "private", "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(work, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(work), 0o700); err != nil {
		t.Fatal(err)
	}
	r := must(t, e.hull("run", "--bundle", b, e.id()), "run")
	if got := strings.Fields(r.stdout); len(got) != 2 || got[0] != "/private/work" || got[1] != "wrote" {
		t.Fatalf("stdout %q, want the cwd and a file written there", r.stdout)
	}
}
