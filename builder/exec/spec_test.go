package exec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSpecNetwork(t *testing.T) {
	tests := []struct {
		network string
		netns   bool
	}{
		{"none", true},
		{"", true},
		{"host", false},
	}
	for _, tt := range tests {
		s := Spec(SpecOptions{Rootfs: "/r", Args: []string{"true"}, Network: tt.network})
		has := false
		for _, ns := range s.Linux.Namespaces {
			if ns.Type == specs.NetworkNamespace {
				has = true
			}
		}
		if has != tt.netns {
			t.Errorf("network %q: netns %v, want %v", tt.network, has, tt.netns)
		}
		if s.Process.Cwd != "/" {
			t.Errorf("default cwd %q, want /", s.Process.Cwd)
		}
	}
}

func TestSpecExtraMountsLast(t *testing.T) {
	extra := specs.Mount{Destination: "/cache", Type: "bind", Source: "/x"}
	s := Spec(SpecOptions{Rootfs: "/r", Args: []string{"true"}, Mounts: []specs.Mount{extra}})
	if last := s.Mounts[len(s.Mounts)-1]; last.Destination != "/cache" {
		t.Errorf("last mount %s, want the extra /cache after the defaults", last.Destination)
	}
	if s.Mounts[0].Destination != "/proc" {
		t.Errorf("first mount %s, want /proc", s.Mounts[0].Destination)
	}
}
