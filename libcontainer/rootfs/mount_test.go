package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestMountRejects: mounts refused before any mount(2) call, so this needs
// neither root nor a namespace.
func TestMountRejects(t *testing.T) {
	tests := []struct {
		name  string
		mount specs.Mount
		want  string
	}{
		{"relative", specs.Mount{Destination: "data", Type: "tmpfs"}, "mounts[0] (type \"tmpfs\", destination data): destination must be an absolute path"},
		{"no type", specs.Mount{Destination: "/data", Source: "/tmp"}, "mounts[0] (type \"\", destination /data): type is empty"},
		{"idmap", specs.Mount{Destination: "/data", Type: "bind", Source: "/tmp", Options: []string{"idmap"}}, `"idmap" is not supported`},
		{"idmapped", specs.Mount{Destination: "/data", Type: "bind", Source: "/tmp", UIDMappings: []specs.LinuxIDMapping{{Size: 1}}}, "uidMappings/gidMappings) are not supported"},
		{"bind no source", specs.Mount{Destination: "/data", Type: "bind"}, "mounts[0] (type \"bind\", destination /data): bind mount without a source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openRoot(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer r.close()
			m := &mounter{root: r, cfg: &Config{Spec: &specs.Spec{Mounts: []specs.Mount{tt.mount}}}}
			if err := m.mountAll(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("mountAll = %v, want %q", err, tt.want)
			}
		})
	}
}
