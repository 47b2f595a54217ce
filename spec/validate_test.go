package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// validBundle returns a bundle directory with an empty rootfs/ and a spec
// (runc's default) that validates in it.
func validBundle(t *testing.T) (string, *specs.Spec) {
	t.Helper()
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bundle, Default()
}

// fieldErrors flattens a Validate result into its FieldErrors.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		errs = multi.Unwrap()
	}
	var out []*FieldError
	for _, e := range errs {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error %q is not a *FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func intp(v int) *int { return &v }

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *specs.Spec, bundle string)
		field  string // "" means valid
		msg    string // substring of the message
	}{
		{"default is valid", func(*specs.Spec, string) {}, "", ""},
		{"ociVersion missing", func(s *specs.Spec, _ string) { s.Version = "" }, "ociVersion", "missing"},
		{"ociVersion major 2", func(s *specs.Spec, _ string) { s.Version = "2.0.0" }, "ociVersion", "unsupported"},
		{"root missing", func(s *specs.Spec, _ string) { s.Root = nil }, "root", "missing"},
		{"root.path missing", func(s *specs.Spec, _ string) { s.Root.Path = "" }, "root.path", "missing"},
		{"root.path absent", func(s *specs.Spec, _ string) { s.Root.Path = "nope" }, "root.path", "no such file"},
		{"root.path a file", func(s *specs.Spec, b string) {
			writeFile(b, "file")
			s.Root.Path = "file"
		}, "root.path", "not a directory"},
		{"root.path absolute", func(s *specs.Spec, b string) { s.Root.Path = filepath.Join(b, "rootfs") }, "", ""},
		{"process missing", func(s *specs.Spec, _ string) { s.Process = nil }, "process", "missing"},
		{"process.args empty", func(s *specs.Spec, _ string) { s.Process.Args = nil }, "process.args", "program"},
		{"process.cwd relative", func(s *specs.Spec, _ string) { s.Process.Cwd = "tmp" }, "process.cwd", "absolute"},
		{"process.cwd empty", func(s *specs.Spec, _ string) { s.Process.Cwd = "" }, "process.cwd", "absolute"},
		{"rlimit unknown", func(s *specs.Spec, _ string) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_FOO"})
		}, "process.rlimits[1].type", "unknown rlimit"},
		{"rlimit duplicate", func(s *specs.Spec, _ string) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1})
		}, "process.rlimits[1].type", "duplicate"},
		{"rlimit soft above hard", func(s *specs.Spec, _ string) {
			s.Process.Rlimits[0].Soft = 2048
		}, "process.rlimits[0].soft", "above hard"},
		{"oomScoreAdj too low", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = intp(-1001) }, "process.oomScoreAdj", "-1000..1000"},
		{"oomScoreAdj too high", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = intp(1001) }, "process.oomScoreAdj", "-1000..1000"},
		{"oomScoreAdj limits", func(s *specs.Spec, _ string) { s.Process.OOMScoreAdj = intp(1000) }, "", ""},
		{"mount destination relative", func(s *specs.Spec, _ string) { s.Mounts[2].Destination = "dev/pts" }, "mounts[2].destination", "absolute"},
		{"mount propagation misspelt", func(s *specs.Spec, _ string) {
			s.Mounts[0].Options = []string{"nosuid", "rprivated"}
		}, "mounts[0].options[1]", "unknown propagation"},
		{"mount propagation known", func(s *specs.Spec, _ string) {
			s.Mounts[0].Options = []string{"rslave", "unbindable", "rro"}
		}, "", ""},
		{"idmapped mount", func(s *specs.Spec, _ string) {
			s.Mounts[0].UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, "mounts[0]", "idmapped"},
		{"hook path relative", func(s *specs.Spec, _ string) {
			s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}, {Path: "true"}}}
		}, "hooks.poststop[1].path", "absolute"},
		{"hook timeout zero", func(s *specs.Spec, _ string) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true", Timeout: intp(0)}}}
		}, "hooks.createRuntime[0].timeout", "greater than zero"},
		{"namespace type unknown", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "net"})
		}, "linux.namespaces[5].type", "unknown namespace"},
		{"namespace duplicate", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, "linux.namespaces[5].type", "duplicate pid"},
		{"namespace path relative", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces[1].Path = "proc/self/ns/net"
		}, "linux.namespaces[1].path", "absolute"},
		{"namespace path absent", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces[1].Path = "/proc/self/ns/nonexistent"
		}, "linux.namespaces[1].path", "no such file"},
		{"namespace path not nsfs", func(s *specs.Spec, b string) {
			s.Linux.Namespaces[1].Path = writeFile(b, "notns")
		}, "linux.namespaces[1].path", "not a namespace file"},
		{"namespace path wrong type", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces[1].Path = "/proc/self/ns/ipc"
		}, "linux.namespaces[1].path", "of type ipc, not network"},
		{"namespace path joined", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces[1].Path = "/proc/self/ns/net"
		}, "", ""},
		{"new user namespace with mappings", func(s *specs.Spec, _ string) { ToRootless(s) }, "", ""},
		{"uid mappings without user namespace", func(s *specs.Spec, _ string) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
		}, "linux.uidMappings", "need a user namespace"},
		{"gid mappings with joined user namespace", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/self/ns/user"})
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
		}, "linux.gidMappings", "when joining the user namespace"},
		{"joined user namespace without mappings", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/self/ns/user"})
		}, "", ""},
		{"new user namespace without uid mappings", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.UIDMappings = nil
		}, "linux.uidMappings", "needs mappings"},
		{"mapping size zero", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.UIDMappings[0].Size = 0
		}, "linux.uidMappings[0].size", "greater than zero"},
		{"mapping overflows", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.GIDMappings[0] = specs.LinuxIDMapping{ContainerID: 0, HostID: 4294967295, Size: 2}
		}, "linux.gidMappings[0].size", "past the largest id"},
		{"mapping container ranges overlap", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{
				{ContainerID: 0, HostID: 100000, Size: 10}, {ContainerID: 9, HostID: 200000, Size: 5}}
		}, "linux.uidMappings[1].containerID", "overlaps linux.uidMappings[0]"},
		{"mapping host ranges overlap", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{
				{ContainerID: 0, HostID: 100000, Size: 10}, {ContainerID: 10, HostID: 99995, Size: 6}}
		}, "linux.uidMappings[1].hostID", "overlaps"},
		{"mapping ranges adjacent", func(s *specs.Spec, _ string) {
			ToRootless(s)
			s.Linux.UIDMappings = []specs.LinuxIDMapping{
				{ContainerID: 0, HostID: 100000, Size: 10}, {ContainerID: 10, HostID: 100010, Size: 10}}
		}, "", ""},
		{"hostname without uts", func(s *specs.Spec, _ string) { s.Linux.Namespaces = dropNS(s, "uts") }, "hostname", "UTS namespace"},
		{"domainname without uts", func(s *specs.Spec, _ string) {
			s.Hostname = ""
			s.Domainname = "example.org"
			s.Linux.Namespaces = dropNS(s, "uts")
		}, "domainname", "UTS namespace"},
		{"time offsets without time namespace", func(s *specs.Spec, _ string) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, "linux.timeOffsets", "new time namespace"},
		{"time offsets with joined time namespace", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time", Path: "/proc/self/ns/time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 10}}
		}, "linux.timeOffsets", "new time namespace"},
		{"time offsets unknown clock", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 10}}
		}, `linux.timeOffsets["realtime"]`, "unknown clock"},
		{"time offsets with new time namespace", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}, "boottime": {Secs: -5}}
		}, "", ""},
		{"sysctl net with new netns", sysctl("net.ipv4.ip_forward"), "", ""},
		{"sysctl net slash form", sysctl("net/ipv4/conf/eth0.100/rp_filter"), "", ""},
		{"sysctl net without netns", func(s *specs.Spec, b string) {
			sysctl("net.ipv4.ip_forward")(s, b)
			s.Linux.Namespaces = dropNS(s, "network")
		}, `linux.sysctl["net.ipv4.ip_forward"]`, "needs a network namespace"},
		{"sysctl net in host netns by path", func(s *specs.Spec, b string) {
			sysctl("net.core.somaxconn")(s, b)
			s.Linux.Namespaces[1].Path = "/proc/self/ns/net"
		}, `linux.sysctl["net.core.somaxconn"]`, "host's network namespace"},
		{"sysctl ipc with ipc ns", sysctl("kernel.shmmax"), "", ""},
		{"sysctl mqueue with ipc ns", sysctl("fs.mqueue.msg_max"), "", ""},
		{"sysctl ipc without ipc ns", func(s *specs.Spec, b string) {
			sysctl("kernel.msgmax")(s, b)
			s.Linux.Namespaces = dropNS(s, "ipc")
		}, `linux.sysctl["kernel.msgmax"]`, "needs an IPC namespace"},
		{"sysctl mqueue without ipc ns", func(s *specs.Spec, b string) {
			sysctl("fs.mqueue.queues_max")(s, b)
			s.Linux.Namespaces = dropNS(s, "ipc")
		}, `linux.sysctl["fs.mqueue.queues_max"]`, "needs an IPC namespace"},
		{"sysctl kernel.hostname", sysctl("kernel.hostname"), `linux.sysctl["kernel.hostname"]`, "hostname field"},
		{"sysctl kernel.domainname with uts", sysctl("kernel.domainname"), "", ""},
		{"sysctl kernel.domainname without uts", func(s *specs.Spec, b string) {
			sysctl("kernel.domainname")(s, b)
			s.Hostname = ""
			s.Linux.Namespaces = dropNS(s, "uts")
		}, `linux.sysctl["kernel.domainname"]`, "needs a UTS namespace"},
		{"sysctl not namespaced", sysctl("vm.swappiness"), `linux.sysctl["vm.swappiness"]`, "would change the host"},
		{"sysctl kernel not namespaced", sysctl("kernel.pid_max"), `linux.sysctl["kernel.pid_max"]`, "would change the host"},
		{"maskedPaths without mount ns", func(s *specs.Spec, _ string) {
			s.Linux.Namespaces = dropNS(s, "mount")
			s.Linux.ReadonlyPaths = nil
		}, "linux.maskedPaths", "mount namespace"},
		{"readonlyPaths relative", func(s *specs.Spec, _ string) { s.Linux.ReadonlyPaths[1] = "proc/fs" }, "linux.readonlyPaths[1]", "absolute"},
		{"device type bad", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, {Path: "/dev/x", Type: "x"}}
		}, "linux.devices[1].type", "not a device type"},
		{"device path relative", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/fuse", Type: "c", Major: 10, Minor: 229}}
		}, "linux.devices[0].path", "absolute"},
		{"device fifo", func(s *specs.Spec, _ string) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/pipe", Type: "p"}, {Path: "/dev/sda", Type: "b", Major: 8}}
		}, "", ""},
		{"rootfsPropagation bad", func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "recursive" }, "linux.rootfsPropagation", "unknown propagation"},
		{"rootfsPropagation rslave", func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "rslave" }, "", ""},
		{"cgroupsPath systemd form", func(s *specs.Spec, _ string) { s.Linux.CgroupsPath = "system.slice:hull:abc" }, "linux.cgroupsPath", "systemd cgroup driver not supported yet"},
		{"cgroupsPath escapes", func(s *specs.Spec, _ string) { s.Linux.CgroupsPath = "/hull/../../x" }, "linux.cgroupsPath", `".."`},
		{"cgroupsPath absolute", func(s *specs.Spec, _ string) { s.Linux.CgroupsPath = "/hull/abc" }, "", ""},
		{"cgroupsPath relative", func(s *specs.Spec, _ string) { s.Linux.CgroupsPath = "hull/abc" }, "", ""},
		{"unknown capability is not an error", func(s *specs.Spec, _ string) {
			s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_FUTURE")
		}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bundle, s := validBundle(t)
			tc.mutate(s, bundle)
			errs := fieldErrors(t, Validate(s, bundle))
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("want valid, got %v", errors.Join(asErrors(errs)...))
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("want exactly one error on %s, got %d: %v", tc.field, len(errs), errors.Join(asErrors(errs)...))
			}
			if errs[0].Field != tc.field || !strings.Contains(errs[0].Msg, tc.msg) {
				t.Fatalf("got %q, want field %q with message containing %q", errs[0], tc.field, tc.msg)
			}
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	bundle, s := validBundle(t)
	s.Version = ""
	s.Process.Cwd = "rel"
	s.Linux.RootfsPropagation = "bogus"
	got := fieldErrors(t, Validate(s, bundle))
	var fields []string
	for _, fe := range got {
		fields = append(fields, fe.Field)
	}
	want := "ociVersion process.cwd linux.rootfsPropagation"
	if strings.Join(fields, " ") != want {
		t.Fatalf("fields %v, want %s", fields, want)
	}
}

func TestValidateNamespacePathErrIs(t *testing.T) {
	bundle, s := validBundle(t)
	s.Linux.Namespaces[1].Path = "/proc/self/ns/nonexistent"
	if err := Validate(s, bundle); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("want an error matching fs.ErrNotExist, got %v", err)
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, t.TempDir()); err == nil {
		t.Fatal("a nil spec must not validate")
	}
}

func TestUnknownCapabilities(t *testing.T) {
	s := Default()
	if got := UnknownCapabilities(s); len(got) != 0 {
		t.Fatalf("default spec: unexpected unknown capabilities %v", got)
	}
	c := s.Process.Capabilities
	c.Bounding = append(c.Bounding, "CAP_FUTURE", "CAP_SYS_ADMIN")
	c.Effective = append(c.Effective, "CAP_FUTURE", "cap_kill")
	c.Inheritable = []string{"CAP_OTHER"}
	got := strings.Join(UnknownCapabilities(s), " ")
	if want := "CAP_FUTURE cap_kill CAP_OTHER"; got != want {
		t.Fatalf("UnknownCapabilities = %q, want %q", got, want)
	}
	if UnknownCapabilities(&specs.Spec{}) != nil {
		t.Fatal("spec without process: want nil")
	}
}

func sysctl(key string) func(*specs.Spec, string) {
	return func(s *specs.Spec, _ string) {
		s.Linux.Sysctl = map[string]string{key: "1"}
	}
}

func dropNS(s *specs.Spec, typ specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != typ {
			out = append(out, ns)
		}
	}
	return out
}

func writeFile(dir, name string) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		panic(err)
	}
	return path
}

func asErrors(fes []*FieldError) []error {
	var out []error
	for _, fe := range fes {
		out = append(out, fe)
	}
	return out
}

func TestValidateSingleProblemIsFieldError(t *testing.T) {
	bundle, s := validBundle(t)
	s.Process.Args = nil
	fe, ok := Validate(s, bundle).(*FieldError)
	if !ok || fe.Field != "process.args" {
		t.Fatalf("want a *FieldError on process.args, got %#v", fe)
	}
}
