package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestSetupRejectsBadConfig: bad input fails before anything is mounted,
// so this needs no root and no namespace.
func TestSetupRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  *Config
		want string
	}{
		{"nil config", nil, "no spec given"},
		{"nil spec", &Config{Rootfs: "/x"}, "no spec given"},
		{"relative rootfs", &Config{Rootfs: "rootfs", Spec: &specs.Spec{}}, `rootfs "rootfs": must be an absolute path`},
		{"missing rootfs", &Config{Rootfs: "/nonexistent-hull-rootfs", Spec: &specs.Spec{}}, "rootfs: lstat /nonexistent-hull-rootfs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Setup(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Setup = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := Finalize(nil); err == nil {
		t.Error("Finalize(nil) succeeded, want an error")
	}
}
