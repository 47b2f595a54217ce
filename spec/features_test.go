package spec

import (
	"encoding/json"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestFeatures(t *testing.T) {
	f := Features()
	if f.OCIVersionMin != "1.0.0" || f.OCIVersionMax != specs.Version {
		t.Errorf("versions %s..%s", f.OCIVersionMin, f.OCIVersionMax)
	}
	if !slices.Equal(f.Hooks, []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}) {
		t.Errorf("hooks %v", f.Hooks)
	}
	for _, opt := range []string{"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async",
		"dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime",
		"norelatime", "strictatime", "nostrictatime", "bind", "rbind", "private", "rprivate", "shared",
		"rshared", "slave", "rslave", "unbindable", "runbindable", "lazytime", "nolazytime", "iversion",
		"noiversion", "silent", "loud", "nosymfollow", "rro", "rnosuid"} {
		if !slices.Contains(f.MountOptions, opt) {
			t.Errorf("mountOptions lacks %q", opt)
		}
	}
	if slices.Contains(f.MountOptions, "tmpcopyup") {
		t.Error("mountOptions lists tmpcopyup, which hull does not implement")
	}
	for _, opt := range f.MountOptions {
		if !IsKnownMountOption(opt) {
			t.Errorf("mountOptions lists %q, which ParseMountOptions passes as data", opt)
		}
	}
	if !slices.IsSorted(f.MountOptions) {
		t.Error("mountOptions not sorted")
	}
	l := f.Linux
	if len(l.Namespaces) != 8 || !slices.Contains(l.Namespaces, "time") || !slices.Contains(l.Namespaces, "network") {
		t.Errorf("namespaces %v", l.Namespaces)
	}
	if len(l.Capabilities) != 41 || l.Capabilities[0] != "CAP_CHOWN" || l.Capabilities[40] != "CAP_CHECKPOINT_RESTORE" {
		t.Errorf("capabilities %v", l.Capabilities)
	}
	c := l.Cgroup
	if !*c.V1 || !*c.V2 || *c.Systemd || *c.SystemdUser {
		t.Errorf("cgroup %+v", c)
	}
	if !*l.Seccomp.Enabled || !*l.Apparmor.Enabled {
		t.Error("seccomp and apparmor are applied and must be reported enabled")
	}
	if *l.Selinux.Enabled || *l.IntelRdt.Enabled || *l.MountExtensions.IDMap.Enabled {
		t.Error("selinux (mount labels), intelRdt and idmap are refused and must be reported disabled")
	}
	sc := l.Seccomp
	for _, want := range []struct {
		list []string
		name string
	}{{sc.Actions, "SCMP_ACT_NOTIFY"}, {sc.Operators, "SCMP_CMP_MASKED_EQ"}, {sc.Archs, "SCMP_ARCH_X86_64"}, {sc.KnownFlags, "SECCOMP_FILTER_FLAG_LOG"}} {
		if !slices.Contains(want.list, want.name) {
			t.Errorf("seccomp features lack %s: %v", want.name, want.list)
		}
	}
	for _, f := range sc.SupportedFlags {
		if !slices.Contains(sc.KnownFlags, f) {
			t.Errorf("supported flag %s is not a known flag", f)
		}
	}
	if _, err := json.Marshal(f); err != nil {
		t.Fatal(err)
	}
}

// TestCapabilityTable checks the table is a dense 0..N numbering, so the
// features list has no holes.
func TestCapabilityTable(t *testing.T) {
	names := capabilityNames()
	for i, n := range names {
		if n == "" || Capabilities[n] != i {
			t.Fatalf("capability %d: %q", i, n)
		}
	}
}
