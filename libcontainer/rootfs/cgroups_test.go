package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

func TestCgroupOptions(t *testing.T) {
	tests := []struct{ super, want string }{
		{"rw,cpu,cpuacct", "cpu,cpuacct"},
		{"rw,name=systemd", "name=systemd"},
		{"ro,xattr,release_agent=/x,memory", "memory"},
	}
	for _, tt := range tests {
		if got := strings.Join(cgroupOptions(tt.super), ","); got != tt.want {
			t.Errorf("cgroupOptions(%q) = %q, want %q", tt.super, got, tt.want)
		}
	}
}

func TestComountLinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sys/fs/cgroup"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := openRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	m := &mounter{root: r, cfg: &Config{}}
	for _, h := range []hierarchy{{mountpoint: "/sys/fs/cgroup/cpu,cpuacct"}, {mountpoint: "/sys/fs/cgroup/memory"}} {
		if err := m.comountLinks("/sys/fs/cgroup", h); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"cpu", "cpuacct"} {
		if got, err := os.Readlink(filepath.Join(dir, "sys/fs/cgroup", name)); err != nil || got != "cpu,cpuacct" {
			t.Errorf("%s -> %q (%v), want cpu,cpuacct", name, got, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "sys/fs/cgroup/memory")); !os.IsNotExist(err) {
		t.Errorf("a single-controller hierarchy got a link: %v", err)
	}
}

// testCgroup creates a cgroup dir under a host hierarchy and removes it
// when the test ends.
func testCgroup(t *testing.T, hierarchy string) string {
	t.Helper()
	dir := filepath.Join(hierarchy, testutil.UniqueID("hull-rootfs-test"))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot create a cgroup in %s: %v", hierarchy, err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove cgroup %s: %v", dir, err)
		}
	})
	return dir
}

// requireV1Hierarchy skips unless path is a cgroup v1 hierarchy.
func requireV1Hierarchy(t *testing.T, path string) {
	t.Helper()
	var s unix.Statfs_t
	if err := unix.Statfs(path, &s); err != nil || int64(s.Type) != unix.CGROUP_SUPER_MAGIC {
		t.Skipf("no cgroup v1 hierarchy at %s on this host", path)
	}
}

func cgroupSpec(fstype string, ns bool) *specs.Spec {
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: fstype, Source: "cgroup",
		Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}})
	if ns {
		spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.CgroupNamespace}}
	}
	return spec
}

func TestSetupCgroupV1Bind(t *testing.T) {
	testutil.RequireRoot(t)
	requireV1Hierarchy(t, "/sys/fs/cgroup/pids")
	requireV1Hierarchy(t, "/sys/fs/cgroup/memory")
	pids, memory := testCgroup(t, "/sys/fs/cgroup/pids"), testCgroup(t, "/sys/fs/cgroup/memory")
	req := request{Rootfs: newRootfs(t), Spec: cgroupSpec("cgroup", false),
		CgroupPaths: map[string]string{"pids": pids, "memory": memory},
		List:        []string{"/sys/fs/cgroup"}, Write: []string{"/sys/fs/cgroup/new"}}
	res := runInNS(t, req, nsOptions{})
	mustSetup(t, res)
	if m := findMount(t, res, "/sys/fs/cgroup"); m.FSType != "tmpfs" || !hasOpts(m.Options, "ro", "nosuid", "nodev", "noexec") {
		t.Errorf("/sys/fs/cgroup = %+v, want a read-only tmpfs", m)
	}
	for name, dir := range map[string]string{"pids": pids, "memory": memory} {
		m := findMount(t, res, "/sys/fs/cgroup/"+name)
		if m.FSType != "cgroup" || m.Root != "/"+filepath.Base(dir) || !hasOpts(m.Options, "ro", "nosuid") {
			t.Errorf("%s = %+v, want a read-only bind of %s", name, m, dir)
		}
	}
	if got := strings.Join(res.List["/sys/fs/cgroup"], " "); got != "memory pids" {
		t.Errorf("/sys/fs/cgroup holds %q, want only the container's hierarchies", got)
	}
	if !strings.Contains(res.Write["/sys/fs/cgroup/new"].Err, "read-only file system") {
		t.Errorf("write into cgroup tmpfs: %q", res.Write["/sys/fs/cgroup/new"].Err)
	}
}

func TestSetupCgroupV1Namespace(t *testing.T) {
	testutil.RequireRoot(t)
	requireV1Hierarchy(t, "/sys/fs/cgroup/pids")
	req := request{Rootfs: newRootfs(t), Spec: cgroupSpec("cgroup", true), List: []string{"/sys/fs/cgroup"}}
	res := runInNS(t, req, nsOptions{cgroup: true})
	mustSetup(t, res)
	hs, err := hostHierarchies()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if m := findMount(t, res, "/sys/fs/cgroup/"+h.name()); m.FSType != "cgroup" || !hasOpts(m.Super, h.options...) {
			t.Errorf("%s = %+v, want cgroup with %v", h.name(), m, h.options)
		}
	}
	if len(res.List["/sys/fs/cgroup"]) != len(hs) {
		t.Errorf("/sys/fs/cgroup holds %v, want %d hierarchies", res.List["/sys/fs/cgroup"], len(hs))
	}
}

func TestSetupCgroupV2(t *testing.T) {
	testutil.RequireRoot(t)
	unified := cgroup2Mount(t)
	dir := testCgroup(t, unified)
	tests := []struct {
		name  string
		ns    bool
		paths map[string]string
		root  string
		err   string
	}{
		{name: "bind", paths: map[string]string{"": dir}, root: "/" + filepath.Base(dir)},
		{name: "namespace", ns: true, root: "/"},
		{name: "no path", err: `needs the container's cgroup2 dir (CgroupPaths[""])`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request{Rootfs: newRootfs(t), Spec: cgroupSpec("cgroup2", tt.ns), CgroupPaths: tt.paths}
			res := runInNS(t, req, nsOptions{cgroup: tt.ns})
			if tt.err != "" {
				if !strings.Contains(res.SetupErr, tt.err) || !strings.Contains(res.SetupErr, "mounts[6]") {
					t.Errorf("setup error = %q, want %q", res.SetupErr, tt.err)
				}
				return
			}
			mustSetup(t, res)
			if m := findMount(t, res, "/sys/fs/cgroup"); m.FSType != "cgroup2" || m.Root != tt.root || !hasOpts(m.Options, "ro") {
				t.Errorf("/sys/fs/cgroup = %+v, want read-only cgroup2 rooted at %s", m, tt.root)
			}
		})
	}
}

// cgroup2Mount finds where this host mounts cgroup2 (/sys/fs/cgroup on a
// v2 host, /sys/fs/cgroup/unified on a hybrid one).
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	mounts, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	for _, mi := range mounts {
		if mi.fstype == "cgroup2" {
			return mi.mountpoint
		}
	}
	t.Skip("no cgroup2 mount on this host")
	return ""
}
