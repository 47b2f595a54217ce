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

// TestSetupSymlinkEscape: symlinks in the image that point at / (absolutely
// or through ..) must resolve inside the rootfs for mounts and devices.
func TestSetupSymlinkEscape(t *testing.T) {
	rootfs := newRootfs(t)
	links := map[string]string{"evil": "/", "evil2": "../../../../../..", "dev/evil": "/"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(rootfs, name)); err != nil {
			t.Fatal(err)
		}
	}
	id := testutil.UniqueID("hull-escape")
	// Checked in Cleanup so an escape is reported and removed even when
	// the test stops early.
	t.Cleanup(func() {
		for _, p := range []string{"/tmp/" + id, "/" + id} {
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				os.RemoveAll(p)
				t.Errorf("host %s exists (err %v): a mount escaped the rootfs", p, err)
			}
		}
	})
	src := t.TempDir()
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/evil/tmp/" + id + "/x", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/evil2/" + id + "/y", Type: "bind", Source: src, Options: []string{"rbind"}},
		specs.Mount{Destination: "/evil/" + id + "/file", Type: "bind", Source: "/etc/hostname", Options: []string{"bind", "ro"}},
	)
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/evil/" + id + "/null", Type: "c", Major: 1, Minor: 3}}
	res := runInNS(t, request{Rootfs: rootfs, Spec: spec, Stat: []string{"/" + id + "/null"}}, nsOptions{})
	mustSetup(t, res)
	for _, p := range []string{"/tmp/" + id + "/x", "/" + id + "/y", "/" + id + "/file"} {
		findMount(t, res, p)
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
			t.Errorf("%s was not created inside the rootfs: %v", p, err)
		}
	}
	if st := res.Stat["/"+id+"/null"]; st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Errorf("device = %+v, want it inside the rootfs", st)
	}
}

// TestSetupLeavesNoFDs: Setup and Finalize close every handle they open,
// so no fd to a host directory can reach the container's process (the
// CVE-2024-21626 class), with and without a user namespace.
func TestSetupLeavesNoFDs(t *testing.T) {
	spec := defaultSpec()
	spec.Root.Readonly = true
	spec.Linux.MaskedPaths = []string{"/proc/keys", "/proc/acpi"}
	spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: t.TempDir(), Options: []string{"rbind", "ro"}})
	for _, userNS := range []bool{false, true} {
		res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, InUserNS: userNS}, nsOptions{user: userNS})
		mustSetup(t, res)
		if len(res.NewFDs) != 0 {
			t.Errorf("userns=%v: fds left open by Setup/Finalize: %v", userNS, res.NewFDs)
		}
	}
}

// TestSetupDanglingSymlink: a mount point under or at a symlink to a
// missing place gets that place created inside the rootfs (as runc does for
// /etc/localtime or /var/run), never on the host.
func TestSetupDanglingSymlink(t *testing.T) {
	rootfs := newRootfs(t)
	id := testutil.UniqueID("hull-dangling")
	t.Cleanup(func() {
		if _, err := os.Lstat("/" + id); !os.IsNotExist(err) {
			os.RemoveAll("/" + id)
			t.Errorf("host /%s exists (err %v): a dangling symlink led out of the rootfs", id, err)
		}
	})
	links := map[string]string{"dangling": "/../../" + id + "/dir", "etc/localtime": "../" + id + "/zone/file"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(rootfs, name)); err != nil {
			t.Fatal(err)
		}
	}
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/dangling/x", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/etc/localtime", Type: "bind", Source: "/etc/hostname", Options: []string{"bind", "ro"}},
	)
	host, err := os.ReadFile("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	res := runInNS(t, request{Rootfs: rootfs, Spec: spec, Read: []string{"/etc/localtime"}}, nsOptions{})
	mustSetup(t, res)
	findMount(t, res, "/"+id+"/dir/x")
	if res.Read["/etc/localtime"].Data != string(host) {
		t.Errorf("/etc/localtime = %+v, want the bound host file", res.Read["/etc/localtime"])
	}
	for _, p := range []string{id + "/dir/x", id + "/zone/file"} {
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
			t.Errorf("symlink target %s not created in the rootfs: %v", p, err)
		}
	}
}

// TestSetupKernelFSSymlinkRefused: proc and sysfs are never mounted through
// a symlink, even one that stays inside the rootfs.
func TestSetupKernelFSSymlinkRefused(t *testing.T) {
	for _, dir := range []string{"proc", "sys"} {
		t.Run(dir, func(t *testing.T) {
			rootfs := newRootfs(t)
			if err := os.Remove(filepath.Join(rootfs, dir)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("tmp", filepath.Join(rootfs, dir)); err != nil {
				t.Fatal(err)
			}
			res := runInNS(t, request{Rootfs: rootfs, Spec: defaultSpec()}, nsOptions{})
			if !strings.Contains(res.SetupErr, "/"+dir+" is a symlink") {
				t.Errorf("setup error = %q, want a refusal of the /%s symlink", res.SetupErr, dir)
			}
		})
	}
}

// TestSetupProcDestinations: only lxcfs's files may be covered inside
// /proc, also when a symlink leads there.
func TestSetupProcDestinations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cpuinfo")
	if err := os.WriteFile(file, []byte("fake cpuinfo"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dest, link, want string
	}{
		{name: "lxcfs file allowed", dest: "/proc/cpuinfo"},
		{name: "other proc file", dest: "/proc/version", want: "resolves into /proc (/proc/version)"},
		{name: "through a symlink", dest: "/innocent", link: "/proc/version", want: "resolves into /proc (/proc/version)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rootfs := newRootfs(t)
			if tt.link != "" {
				if err := os.Symlink(tt.link, filepath.Join(rootfs, tt.dest)); err != nil {
					t.Fatal(err)
				}
			}
			spec := defaultSpec()
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: tt.dest, Type: "bind", Source: file, Options: []string{"bind"}})
			res := runInNS(t, request{Rootfs: rootfs, Spec: spec, Read: []string{tt.dest}}, nsOptions{})
			if tt.want == "" {
				mustSetup(t, res)
				if res.Read[tt.dest].Data != "fake cpuinfo" {
					t.Errorf("read %s = %+v", tt.dest, res.Read[tt.dest])
				}
				return
			}
			if !strings.Contains(res.SetupErr, tt.want) {
				t.Errorf("setup error = %q, want %q", res.SetupErr, tt.want)
			}
		})
	}
}

func TestFinalizeMaskedReadonly(t *testing.T) {
	spec := defaultSpec()
	spec.Mounts[0].Options = []string{"nosuid", "nodev", "noexec"}
	spec.Root.Readonly = true
	spec.Linux.MaskedPaths = []string{"/proc/keys", "/proc/timer_list", "/proc/acpi", "/sys/firmware", "/proc/does-not-exist"}
	spec.Linux.ReadonlyPaths = []string{"/proc/sys", "/proc/version", "/proc/not-here"}
	req := request{Rootfs: newRootfs(t), Spec: spec,
		Read:  []string{"/proc/keys", "/proc/timer_list"},
		List:  []string{"/proc/acpi", "/sys/firmware"},
		Write: []string{"/proc/sys/kernel/hostname", "/proc/version", "/newfile", "/dev/shm/ok"}}
	res := runInNS(t, req, nsOptions{})
	mustSetup(t, res)
	for _, p := range req.Read {
		if r := res.Read[p]; r.Err != "" || r.Data != "" {
			t.Errorf("masked %s read %+v, want empty", p, r)
		}
	}
	for _, p := range req.List {
		if l := res.List[p]; len(l) != 0 {
			t.Errorf("masked dir %s lists %v, want empty", p, l)
		}
	}
	for _, p := range []string{"/proc/sys/kernel/hostname", "/proc/version", "/newfile"} {
		if !strings.Contains(res.Write[p].Err, "read-only file system") {
			t.Errorf("write %s: %q, want read-only file system", p, res.Write[p].Err)
		}
	}
	if res.Write["/dev/shm/ok"].Err != "" {
		t.Errorf("write /dev/shm/ok: %s (mounts under a read-only root stay writable)", res.Write["/dev/shm/ok"].Err)
	}
	if m := findMount(t, res, "/proc/sys"); !hasOpts(m.Options, "ro", "nosuid", "nodev", "noexec") {
		t.Errorf("/proc/sys options = %q, want ro and proc's nosuid,nodev,noexec kept", m.Options)
	}
	if m := findMount(t, res, "/"); !hasOpts(m.Options, "ro") {
		t.Errorf("/ options = %q, want ro", m.Options)
	}
}

// TestFinalizeMaskedImagePaths: masked paths outside /proc and /sys, as
// runtime-tools checks them: nested ones, device nodes and a fifo (opened
// as O_PATH, so masking never blocks on it).
func TestFinalizeMaskedImagePaths(t *testing.T) {
	rootfs := newRootfs(t)
	if err := os.MkdirAll(filepath.Join(rootfs, "masked-dir/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]uint32{"masked-fifo": unix.S_IFIFO | 0o666, "masked-blk": unix.S_IFBLK | 0o666} {
		if err := unix.Mknod(filepath.Join(rootfs, name), mode, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(rootfs, "masked-dir/sub/secret"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := defaultSpec()
	spec.Linux.MaskedPaths = []string{"/masked-dir", "/masked-dir/sub/secret", "/masked-fifo", "/masked-blk"}
	res := runInNS(t, request{Rootfs: rootfs, Spec: spec, Read: []string{"/masked-fifo"},
		List: []string{"/masked-dir"}, Stat: []string{"/masked-blk"}}, nsOptions{})
	mustSetup(t, res)
	if r := res.Read["/masked-fifo"]; r.Err != "" || r.Data != "" {
		t.Errorf("masked fifo read %+v, want /dev/null's nothing", r)
	}
	if l := res.List["/masked-dir"]; len(l) != 0 {
		t.Errorf("masked dir lists %v", l)
	}
	if st := res.Stat["/masked-blk"]; st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Major != 1 || st.Minor != 3 {
		t.Errorf("masked block device = %+v, want /dev/null over it", st)
	}
}

// TestFinalizeRefusesFakeKernelPath: a masked path under /sys that is image
// content (no sysfs mounted) is refused, not silently treated as sysfs.
func TestFinalizeRefusesFakeKernelPath(t *testing.T) {
	rootfs := newRootfs(t)
	if err := os.WriteFile(filepath.Join(rootfs, "sys", "fake"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := defaultSpec()
	spec.Mounts = spec.Mounts[:5] // no sysfs
	spec.Linux.MaskedPaths = []string{"/sys/fake"}
	res := runInNS(t, request{Rootfs: rootfs, Spec: spec}, nsOptions{})
	if !strings.Contains(res.FinalizeErr, "linux.maskedPaths[0] (/sys/fake)") || !strings.Contains(res.FinalizeErr, "not a kernel filesystem") {
		t.Errorf("finalize error = %q, want a refusal naming maskedPaths[0]", res.FinalizeErr)
	}
}

func TestFinalizeReadonlyDev(t *testing.T) {
	spec := defaultSpec()
	spec.Mounts[1].Options = append(spec.Mounts[1].Options, "ro")
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, Stat: []string{"/dev/null"}, Write: []string{"/dev/new", "/dev/null"}}, nsOptions{})
	mustSetup(t, res)
	if st := res.Stat["/dev/null"]; st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Errorf("/dev/null = %+v, want a device created before /dev went read-only", st)
	}
	if !strings.Contains(res.Write["/dev/new"].Err, "read-only file system") || res.Write["/dev/null"].Err != "" {
		t.Errorf("writes: /dev/new %q (want read-only), /dev/null %q (want ok)", res.Write["/dev/new"].Err, res.Write["/dev/null"].Err)
	}
	if m := findMount(t, res, "/dev"); !hasOpts(m.Options, "ro", "nosuid") {
		t.Errorf("/dev options = %q, want ro,nosuid", m.Options)
	}
}

// TestSetupUserNS: in a new user namespace devices are bound from the host
// and /sys (no network namespace) is a recursive bind of the host's.
func TestSetupUserNS(t *testing.T) {
	spec := defaultSpec()
	spec.Root.Readonly = true
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.UserNamespace}, {Type: specs.MountNamespace}}
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	spec.Linux.MaskedPaths = []string{"/proc/keys", "/sys/firmware"}
	spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		spec.Linux.Devices = nil
	}
	req := request{Rootfs: newRootfs(t), Spec: spec, InUserNS: true, Stat: []string{"/dev/null", "/dev/tty"},
		Read: []string{"/proc/keys"}, List: []string{"/sys/firmware"}, Write: []string{"/proc/sys/kernel/hostname", "/newfile"}}
	res := runInNS(t, req, nsOptions{user: true})
	mustSetup(t, res)
	if st := res.Stat["/dev/null"]; st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Major != 1 || st.Minor != 3 {
		t.Errorf("/dev/null = %+v, want the host's null bound", st)
	}
	findMount(t, res, "/dev/null")
	if m := findMount(t, res, "/sys"); m.FSType != "sysfs" || !hasOpts(m.Options, "ro") {
		t.Errorf("/sys = %+v, want a read-only bind of sysfs", m)
	}
	if res.Read["/proc/keys"].Data != "" || len(res.List["/sys/firmware"]) != 0 {
		t.Errorf("masked paths visible: %+v %v", res.Read["/proc/keys"], res.List["/sys/firmware"])
	}
	for _, p := range []string{"/proc/sys/kernel/hostname", "/newfile"} {
		if !strings.Contains(res.Write[p].Err, "read-only file system") {
			t.Errorf("write %s: %q, want read-only file system", p, res.Write[p].Err)
		}
	}
}

// TestSetupUserNSDeviceMismatch: in a user namespace a spec device is bound
// from the host only if the host node is that device.
func TestSetupUserNSDeviceMismatch(t *testing.T) {
	tests := []struct {
		dev  specs.LinuxDevice
		want string
	}{
		{specs.LinuxDevice{Path: "/dev/null", Type: "c", Major: 1, Minor: 5}, "host /dev/null is device 1:3, not 1:5"},
		{specs.LinuxDevice{Path: "/etc/hostname", Type: "c", Major: 1, Minor: 3}, `host /etc/hostname is not a device of type "c"`},
	}
	for _, tt := range tests {
		spec := defaultSpec()
		spec.Linux.Devices = []specs.LinuxDevice{tt.dev}
		res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, InUserNS: true}, nsOptions{user: true})
		if !strings.Contains(res.SetupErr, "linux.devices[0] ("+tt.dev.Path+")") || !strings.Contains(res.SetupErr, tt.want) {
			t.Errorf("setup error = %q, want %q", res.SetupErr, tt.want)
		}
	}
}

// TestSetupUserNSUnprivileged maps the container's root to host uid 100000,
// as userns-remap does: nothing is owned by host root any more, and the
// flags of host mounts (/sys, the rootfs's own mount) are locked.
func TestSetupUserNSUnprivileged(t *testing.T) {
	const hostID = 100000
	rootfs := newRootfs(t)
	exe := shareForUser(t, rootfs, hostID)
	spec := defaultSpec()
	spec.Root.Readonly = true
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.UserNamespace}, {Type: specs.MountNamespace}}
	spec.Linux.MaskedPaths = []string{"/proc/keys", "/sys/firmware"}
	spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
	req := request{Rootfs: rootfs, Spec: spec, InUserNS: true, Stat: []string{"/dev/null"},
		Read: []string{"/proc/keys", "/hull-marker"}, Write: []string{"/newfile", "/dev/shm/ok"}}
	res := runInNS(t, req, nsOptions{user: true, hostID: hostID, exe: exe})
	mustSetup(t, res)
	if res.Read["/hull-marker"].Data != "inside" || res.Read["/proc/keys"].Data != "" {
		t.Errorf("reads: %+v", res.Read)
	}
	if st := res.Stat["/dev/null"]; st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Major != 1 || st.Minor != 3 {
		t.Errorf("/dev/null = %+v, want the host's null bound", st)
	}
	if m := findMount(t, res, "/sys"); m.FSType != "sysfs" || !hasOpts(m.Options, "ro", "nosuid", "nodev", "noexec") {
		t.Errorf("/sys = %+v, want a read-only bind of sysfs", m)
	}
	if !strings.Contains(res.Write["/newfile"].Err, "read-only file system") || res.Write["/dev/shm/ok"].Err != "" {
		t.Errorf("writes: %+v", res.Write)
	}
}

// shareForUser hands the rootfs to hostID and returns a copy of the test
// binary that hostID can run: the user namespace's root has no rights over
// files of unmapped owners, host root's included.
func shareForUser(t *testing.T, rootfs string, hostID int) string {
	t.Helper()
	for dir := filepath.Dir(rootfs); dir != os.TempDir() && dir != "/"; dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.Walk(rootfs, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, hostID, hostID)
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(filepath.Dir(rootfs), "rootfs.test")
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
