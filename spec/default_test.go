package spec

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runcSpec runs `runc spec [args]` in a temporary directory and returns the
// spec it wrote, skipping the test when runc is not installed.
func runcSpec(t *testing.T, args ...string) *specs.Spec {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed: cannot compare with its default spec")
	}
	dir := t.TempDir()
	cmd := exec.Command(runc, append([]string{"spec"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec %v: %v: %s", args, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("runc's config.json: %v", err)
	}
	return &s
}

// roundTrip passes s through JSON so it compares equal to a spec read from
// a file (nil and empty slices, omitted fields).
func roundTrip(t *testing.T, s *specs.Spec) *specs.Spec {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out specs.Spec
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func compareWithRunc(t *testing.T, ours, runcs *specs.Spec) {
	t.Helper()
	if ours.Version != specs.Version {
		t.Errorf("ociVersion %q, want %q", ours.Version, specs.Version)
	}
	ours = roundTrip(t, ours)
	ours.Version = runcs.Version
	if !reflect.DeepEqual(ours, runcs) {
		a, _ := json.MarshalIndent(ours, "", " ")
		b, _ := json.MarshalIndent(runcs, "", " ")
		t.Fatalf("spec differs from runc's\nours:\n%s\nrunc:\n%s", a, b)
	}
}

func TestDefaultMatchesRunc(t *testing.T) {
	compareWithRunc(t, Default(), runcSpec(t))
}

func TestToRootlessMatchesRunc(t *testing.T) {
	s := Default()
	ToRootless(s)
	compareWithRunc(t, s, runcSpec(t, "--rootless"))
}

// TestDefaultIsFresh makes sure callers may modify what Default returns
// without changing the next result.
func TestDefaultIsFresh(t *testing.T) {
	a := Default()
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[1].Options[0] = "changed"
	b := Default()
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" {
		t.Fatal("capability lists are shared between Default results")
	}
	if b.Mounts[1].Options[0] != "nosuid" {
		t.Fatal("mount options are shared between Default results")
	}
}

func TestToRootlessWithoutLinux(t *testing.T) {
	s := &specs.Spec{Mounts: []specs.Mount{{Destination: "/sys/", Type: "sysfs", Source: "sysfs"},
		{Destination: "/dev/pts", Type: "devpts", Options: []string{"uid=0", "gid=5", "mode=0620"}}}}
	ToRootless(s)
	if len(s.Linux.Namespaces) != 1 || s.Linux.Namespaces[0].Type != specs.UserNamespace {
		t.Errorf("namespaces %+v, want only a user namespace", s.Linux.Namespaces)
	}
	if s.Mounts[0].Type != "none" || s.Mounts[0].Source != "/sys" || s.Mounts[0].Options[0] != "rbind" {
		t.Errorf("/sys mount %+v, want an rbind of /sys", s.Mounts[0])
	}
	if !reflect.DeepEqual(s.Mounts[1].Options, []string{"mode=0620"}) {
		t.Errorf("devpts options %v, want uid= and gid= removed", s.Mounts[1].Options)
	}
	if s.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) || s.Linux.GIDMappings[0].HostID != uint32(os.Getegid()) {
		t.Errorf("mappings %+v %+v, want the caller's ids", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
}
