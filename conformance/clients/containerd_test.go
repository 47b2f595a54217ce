package clients

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestContainerdConfig(t *testing.T) {
	cfg := containerdConfig("/tmp/x y")
	for _, want := range []string{
		"version = 2\n",
		`root = "/tmp/x y/root"`,
		`state = "/tmp/x y/state"`,
		`"io.containerd.grpc.v1.cri"`,
		"[grpc]\n  address = \"/tmp/x y/containerd.sock\"",
		"[ttrpc]\n  address = \"/tmp/x y/containerd-ttrpc.sock\"",
		`path = "/tmp/x y/opt"`,
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	// Nothing of the instance may point at the system containerd's dirs.
	for _, bad := range []string{"/var/lib/containerd", "/run/containerd", "/opt/containerd"} {
		if strings.Contains(cfg, bad) {
			t.Errorf("config names %s", bad)
		}
	}
	// A quote in the path stays a valid TOML string.
	if cfg := containerdConfig(`/tmp/a"b`); !strings.Contains(cfg, `root = "/tmp/a\"b/root"`) {
		t.Errorf("quote not escaped:\n%s", cfg)
	}
}

const sampleMountinfo = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:26 / /tmp/hull-clients-1/root/io.containerd.snapshotter.v1.overlayfs rw shared:2 - ext4 /dev/vda rw
31 22 0:27 / /tmp/hull-clients-1/state/io.containerd.runtime.v2.task/ns/a/rootfs rw - overlay overlay rw,lowerdir=x
32 31 0:28 / /tmp/hull-clients-1/state/io.containerd.runtime.v2.task/ns/a/rootfs/proc rw - proc proc rw
33 22 0:29 / /tmp/hull-clients-1/with\040space rw - tmpfs tmpfs rw
34 22 0:30 / /tmp/hull-clients-10 rw - tmpfs tmpfs rw
35 22 0:31 / /tmp/hull-clients-1 rw - tmpfs tmpfs rw
`

func TestMountsUnder(t *testing.T) {
	got := mountsUnder(sampleMountinfo, "/tmp/hull-clients-1/")
	want := []string{
		"/tmp/hull-clients-1/state/io.containerd.runtime.v2.task/ns/a/rootfs/proc",
		"/tmp/hull-clients-1/state/io.containerd.runtime.v2.task/ns/a/rootfs",
		"/tmp/hull-clients-1/root/io.containerd.snapshotter.v1.overlayfs",
		"/tmp/hull-clients-1/with space",
		"/tmp/hull-clients-1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mountsUnder:\n got %q\nwant %q", got, want)
	}
	if got := mountsUnder(sampleMountinfo, "/nowhere"); len(got) != 0 {
		t.Errorf("mounts under /nowhere: %q", got)
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:    "/a b",
		`/tab\011x`:  "/tab\tx",
		`/back\134s`: `/back\s`,
		`/plain`:     "/plain",
		`/short\04`:  `/short\04`,
		`/bad\9xx`:   `/bad\9xx`,
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortDeepestFirst(t *testing.T) {
	p := []string{"/c/ns", "/c/ns/a", "/m/ns", "/c/ns/a/b", "/m/ns/a"}
	sortDeepestFirst(p)
	pos := map[string]int{}
	for i, s := range p {
		pos[s] = i
	}
	for child, parent := range map[string]string{"/c/ns/a/b": "/c/ns/a", "/c/ns/a": "/c/ns", "/m/ns/a": "/m/ns"} {
		if pos[child] > pos[parent] {
			t.Errorf("%s after its parent %s: %q", child, parent, p)
		}
	}
}

func TestIsShimOf(t *testing.T) {
	sock := "/tmp/hull-clients-1/containerd.sock"
	cases := []struct {
		argv []string
		want bool
	}{
		{[]string{"/usr/bin/containerd-shim-runc-v2", "-namespace", "n", "-id", "x", "-address", sock}, true},
		{[]string{"containerd-shim-runc-v2", "-address=" + sock}, true},
		{[]string{"/usr/bin/containerd-shim-runc-v2", "-address", "/run/containerd/containerd.sock"}, false},
		{[]string{"/usr/bin/containerd-shim-runc-v2", "-address", sock + "2"}, false},
		{[]string{"/usr/bin/sleep", sock}, false},
		{nil, false},
	}
	for _, c := range cases {
		if got := isShimOf(c.argv, sock); got != c.want {
			t.Errorf("isShimOf(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}

func TestShimSocket(t *testing.T) {
	a := shimSocket("/d/containerd.sock", "ns", "id")
	if !strings.HasPrefix(a, "/run/containerd/s/") || len(a) != len("/run/containerd/s/")+64 {
		t.Errorf("shimSocket = %q", a)
	}
	if a == shimSocket("/e/containerd.sock", "ns", "id") || a == shimSocket("/d/containerd.sock", "ns", "id2") {
		t.Errorf("shim sockets of different instances or ids collide")
	}
}

func TestParseTaskList(t *testing.T) {
	out := "TASK        PID      STATUS    \nmain-hull-4 12345    RUNNING\npause-hull-9 678 PAUSED\n\n"
	got := parseTaskList(out)
	want := map[string][2]string{"main-hull-4": {"12345", "RUNNING"}, "pause-hull-9": {"678", "PAUSED"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseTaskList = %v, want %v", got, want)
	}
}

func TestPluginOK(t *testing.T) {
	out := ctrResult{stdout: `TYPE                            ID          PLATFORMS      STATUS
io.containerd.snapshotter.v1    aufs        linux/amd64    skip
io.containerd.snapshotter.v1    overlayfs   linux/amd64    ok
io.containerd.snapshotter.v1    zfs         linux/amd64    error
`}
	if !pluginOK(out, "io.containerd.snapshotter.v1", "overlayfs") {
		t.Error("overlayfs is ok")
	}
	for _, id := range []string{"aufs", "zfs", "native"} {
		if pluginOK(out, "io.containerd.snapshotter.v1", id) {
			t.Errorf("%s is not ok", id)
		}
	}
}

func TestNetDevs(t *testing.T) {
	out := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0
    lo:    0    0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
net:[4026532281]
`
	if got := netDevs(out); !reflect.DeepEqual(got, []string{"eth0", "lo"}) {
		t.Errorf("netDevs = %q", got)
	}
}

func TestStatusFields(t *testing.T) {
	st := "Name:\tcat\nSeccomp:\t2\nCapEff:\t00000000a80425fb\nCapBnd:\tzz\n"
	if got := statusField(st, "Seccomp"); got != "2" {
		t.Errorf("Seccomp = %q", got)
	}
	if m, err := capMask(st, "CapEff"); err != nil || m != ctrDefaultCaps {
		t.Errorf("CapEff = %x, %v", m, err)
	}
	if _, err := capMask(st, "CapBnd"); err == nil {
		t.Error("bad mask parsed")
	}
	if _, err := capMask(st, "CapPrm"); err == nil {
		t.Error("missing field parsed")
	}
}

func TestBusyboxLayer(t *testing.T) {
	layer, err := busyboxLayer([]byte("ELF"), []string{"sh", "ls", "busybox", "sh", "", "../evil"})
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(layer))
	got := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := got[h.Name]; dup {
			t.Errorf("duplicate entry %s", h.Name)
		}
		got[h.Name] = h
		if h.Name == "bin/busybox" {
			data, _ := io.ReadAll(tr)
			if string(data) != "ELF" || h.Mode != 0o755 {
				t.Errorf("bin/busybox: %q mode %o", data, h.Mode)
			}
		}
	}
	for name, link := range map[string]string{"bin/sh": "busybox", "bin/ls": "busybox", "sbin": "bin"} {
		if h := got[name]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != link {
			t.Errorf("%s: %+v, want a symlink to %s", name, h, link)
		}
	}
	if h := got["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("tmp/: %+v", h)
	}
	for _, name := range []string{"proc/", "sys/", "dev/", "etc/passwd", "etc/group"} {
		if got[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if got["bin/../evil"] != nil {
		t.Error("unsafe applet name kept")
	}
}

func TestWriteBusyboxImage(t *testing.T) {
	found := false
	for _, c := range busyboxCandidates {
		if _, err := os.Stat(c); err == nil {
			found = true
		}
	}
	if !found {
		t.Skip("no busybox")
	}
	path := filepath.Join(t.TempDir(), "img.tar")
	if err := writeBusyboxImage(path); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ctrImage)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != goruntime.GOARCH || !reflect.DeepEqual(cf.Config.Cmd, []string{"sh"}) ||
		len(cf.Config.Env) != 1 || !strings.HasPrefix(cf.Config.Env[0], "PATH=") {
		t.Errorf("config: %+v", cf)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
}
