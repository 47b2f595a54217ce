package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Each bad input must fail with a message naming the problem and leave
// nothing behind (checked by env cleanup through assertNoLeftovers).
func TestBadInput(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(e *env) string // returns the bundle dir
		id     string
		expect string
	}{
		{"missing bundle", func(e *env) string { return "/nonexistent/bundle" }, "", "/nonexistent/bundle"},
		{"malformed json", func(e *env) string {
			b := e.bundle(nil)
			os.WriteFile(filepath.Join(b, "config.json"), []byte("{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {,\n}"), 0o644)
			return b
		}, "", "config.json"},
		{"relative cwd", func(e *env) string {
			return e.bundle(func(s *specs.Spec) { s.Process.Cwd = "relative/dir" })
		}, "", "process.cwd"},
		{"relative mount destination", func(e *env) string {
			return e.bundle(func(s *specs.Spec) {
				s.Mounts = append(s.Mounts, specs.Mount{Destination: "data", Type: "tmpfs", Source: "tmpfs"})
			})
		}, "", "destination"},
		{"missing namespace path", func(e *env) string {
			return e.bundle(func(s *specs.Spec) {
				for i, ns := range s.Linux.Namespaces {
					if ns.Type == specs.NetworkNamespace {
						s.Linux.Namespaces[i].Path = "/proc/999999999/ns/net"
					}
				}
			})
		}, "", "/proc/999999999/ns/net"},
		{"mappings without user namespace", func(e *env) string {
			return e.bundle(func(s *specs.Spec) {
				s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
			})
		}, "", "Mappings"},
		{"bad container id", func(e *env) string { return e.bundle(nil) }, "bad/id", "bad/id"},
		{"missing rootfs", func(e *env) string {
			b := e.bundle(nil)
			os.RemoveAll(filepath.Join(b, "rootfs"))
			return b
		}, "", "rootfs"},
		{"nonexistent executable", func(e *env) string {
			return e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"/no/such/program"} })
		}, "", "/no/such/program"},
		{"bind source missing", func(e *env) string {
			return e.bundle(func(s *specs.Spec) {
				s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "/no/such/source", Options: []string{"bind"}})
			})
		}, "", "/no/such/source"},
		{"sysctl outside the container's namespaces", func(e *env) string {
			return e.bundle(func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "10"} })
		}, "", "vm.swappiness"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := tc.setup(e)
			id := tc.id
			if id == "" {
				id = e.id()
			}
			r := e.hull("run", "--bundle", b, id)
			if r.code == 0 {
				t.Fatalf("run succeeded; want an error mentioning %q", tc.expect)
			}
			if !strings.Contains(r.stderr, tc.expect) {
				t.Fatalf("error %q does not mention %q", r.stderr, tc.expect)
			}
			entries, _ := os.ReadDir(e.root)
			if len(entries) != 0 {
				t.Fatalf("state left in %s: %v", e.root, entries)
			}
		})
	}
}
