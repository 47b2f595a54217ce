package cgutil

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 /kube /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:40 / /mnt/with\040space rw - cgroup cgroup rw,pids
60 23 8:1 / / rw - ext4 /dev/sda1 rw
`

func TestParseMounts(t *testing.T) {
	got, err := ParseMounts(strings.NewReader(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{Point: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Subsystems: []string{"cpu", "cpuacct"}},
		{Point: "/sys/fs/cgroup/memory", Root: "/kube", Subsystems: []string{"memory"}},
		{Point: "/sys/fs/cgroup/systemd", Root: "/", Subsystems: []string{"name=systemd"}},
		{Point: "/sys/fs/cgroup/unified", Root: "/", V2: true},
		{Point: "/mnt/with space", Root: "/", Subsystems: []string{"pids"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseMounts:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseMountsMalformed(t *testing.T) {
	if _, err := ParseMounts(strings.NewReader("1 2 - cgroup\n")); err == nil {
		t.Fatal("want an error for a truncated line")
	}
}

func TestParseProcCgroup(t *testing.T) {
	in := "9:name=systemd:/\n4:cpu,cpuacct:/a/b\n3:memory:/process_api/x\n0::/user.slice\n"
	got, err := ParseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name=systemd": "/", "cpu": "/a/b", "cpuacct": "/a/b", "memory": "/process_api/x", "": "/user.slice"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	if _, err := ParseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Fatal("want an error for a line without colons")
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"/a/b":           "/a/b",
		"/a/../../b":     "/b",
		"a/b":            "a/b",
		"../../etc":      "etc",
		"a/../../b/./c/": "b/c",
		"/":              "/",
	} {
		if got := CleanPath(in); got != want {
			t.Errorf("CleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnder(t *testing.T) {
	for _, c := range []struct{ mnt, root, cg, want string }{
		{"/sys/fs/cgroup/memory", "/", "/a", "/sys/fs/cgroup/memory/a"},
		{"/sys/fs/cgroup/memory", "/kube", "/kube/pod1", "/sys/fs/cgroup/memory/pod1"},
		{"/sys/fs/cgroup/memory", "/kube", "/kube", "/sys/fs/cgroup/memory"},
		// A cgroup outside the mounted subtree (seen from another
		// namespace) cannot be cut; it is joined as is.
		{"/sys/fs/cgroup/memory", "/kube", "/other", "/sys/fs/cgroup/memory/other"},
	} {
		if got := Under(c.mnt, c.root, c.cg); got != c.want {
			t.Errorf("Under(%q, %q, %q) = %q, want %q", c.mnt, c.root, c.cg, got, c.want)
		}
	}
}

func TestParseUint(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"42\n", 42, false},
		{"max", math.MaxUint64, false},
		{"-1", 0, false},
		{"99999999999999999999999", math.MaxUint64, false},
		{"abc", 0, true},
	} {
		got, err := ParseUint(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseUint(%q) = %d, %v; want %d, err %v", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestPageSizeName(t *testing.T) {
	for in, want := range map[string]string{
		"hugepages-2048kB":    "2MB",
		"hugepages-1048576kB": "1GB",
		"hugepages-64kB":      "64KB",
		"hugepages-1536kB":    "1536KB",
	} {
		got, err := PageSizeName(in)
		if err != nil || got != want {
			t.Errorf("PageSizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := PageSizeName("hugepages-2MB"); err == nil {
		t.Error("want an error for an unexpected name")
	}
}

func TestRdmaLine(t *testing.T) {
	n := uint32(3)
	if got := RdmaLine("mlx4_0", specs.LinuxRdma{HcaHandles: &n}); got != "mlx4_0 hca_handle=3 hca_object=max" {
		t.Errorf("RdmaLine = %q", got)
	}
}

func TestFileHelpers(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, "memory.max", "1"); err == nil {
		t.Fatal("WriteFile must not create a missing cgroup file")
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.stat"), []byte("anon 10\nfile 20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kv, err := ReadKeyValues(dir, "memory.stat")
	if err != nil {
		t.Fatal(err)
	}
	if kv["anon"] != 10 || kv["file"] != 20 {
		t.Errorf("ReadKeyValues = %v", kv)
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte("1\n22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "child", "cgroup.procs"), []byte("333\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pids, err := ReadProcsRecursive(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pids, []int{1, 22, 333}) {
		t.Errorf("ReadProcsRecursive = %v", pids)
	}
}

func TestZeroAsUnset(t *testing.T) {
	zero, five := int64(0), int64(5)
	zeroU := uint64(0)
	in := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &zero, Swap: &five},
		CPU:    &specs.LinuxCPU{Shares: &zeroU, Quota: &zero, Cpus: "0"},
	}
	out := ZeroAsUnset(in)
	if out.Memory.Limit != nil || out.Memory.Swap == nil || out.CPU.Shares != nil || out.CPU.Quota != nil || out.CPU.Cpus != "0" {
		t.Errorf("ZeroAsUnset = memory %+v cpu %+v", out.Memory, out.CPU)
	}
	if in.Memory.Limit == nil || in.CPU.Shares == nil {
		t.Error("ZeroAsUnset changed its input")
	}
}

// TestOpenRefusesEscape: below /sys/fs/cgroup a path that climbs out or
// goes through a symlink is refused, whatever the caller joined together.
func TestOpenRefusesEscape(t *testing.T) {
	if _, err := os.Stat(cgroupRoot); err != nil {
		t.Skip("no /sys/fs/cgroup")
	}
	for _, p := range []string{
		cgroupRoot + "/../../etc/hostname",
		cgroupRoot + "/../fs/cgroup/../../../proc/self/status",
	} {
		if fd, err := openFd(p, os.O_RDONLY); err == nil {
			unix.Close(fd)
			t.Errorf("openFile(%q) succeeded, want it refused", p)
		}
	}
}
