package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSetupDefaultMounts(t *testing.T) {
	req := request{Rootfs: newRootfs(t), Spec: defaultSpec(), Read: []string{"/hull-marker"}}
	res := runInNS(t, req, nsOptions{})
	mustSetup(t, res)
	if res.BeforePivot != "ok" {
		t.Errorf("BeforePivot saw %q, want devices in place", res.BeforePivot)
	}
	if res.Read["/hull-marker"].Data != "inside" || res.Cwd != "/" {
		t.Errorf("not in the rootfs: marker %+v, cwd %q", res.Read["/hull-marker"], res.Cwd)
	}
	tests := []struct {
		point, fstype string
		opts, super   []string
	}{
		{"/", "", []string{"rw"}, nil},
		{"/proc", "proc", []string{"rw"}, nil},
		{"/dev", "tmpfs", []string{"rw", "nosuid"}, []string{"size=65536k", "mode=755"}},
		{"/dev/pts", "devpts", []string{"nosuid", "noexec"}, []string{"ptmxmode=666", "mode=620", "gid=5"}},
		{"/dev/shm", "tmpfs", []string{"nosuid", "nodev", "noexec"}, []string{"size=65536k"}}, // 1777 is the default, not shown
		{"/dev/mqueue", "mqueue", []string{"nosuid", "nodev", "noexec"}, nil},
		{"/sys", "sysfs", []string{"ro", "nosuid", "nodev", "noexec"}, nil},
	}
	want := map[string]bool{}
	for _, tt := range tests {
		want[tt.point] = true
		m := findMount(t, res, tt.point)
		if (tt.fstype != "" && m.FSType != tt.fstype) || !hasOpts(m.Options, tt.opts...) || !hasOpts(m.Super, tt.super...) {
			t.Errorf("mount %s = %+v, want type %q options %v super %v", tt.point, m, tt.fstype, tt.opts, tt.super)
		}
	}
	for _, m := range res.Mounts {
		if !want[m.Point] {
			t.Errorf("unexpected mount %+v: the old root's mounts must be gone", m)
		}
	}
}

func TestSetupDevices(t *testing.T) {
	spec := defaultSpec()
	mode, uid, gid := os.FileMode(0o640), uint32(1000), uint32(1001)
	spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/mydev", Type: "c", Major: 1, Minor: 5, FileMode: &mode, UID: &uid, GID: &gid},
		{Path: "/dev/sub/blk", Type: "b", Major: 7, Minor: 3},
		{Path: "/dev/fifo", Type: "p"},
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: &mode},
	}
	paths := []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
		"/dev/mydev", "/dev/sub/blk", "/dev/fifo", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/ptmx", "/dev/core"}
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, Stat: paths}, nsOptions{})
	mustSetup(t, res)
	tests := []struct {
		path         string
		mode         uint32
		major, minor uint32
		uid, gid     uint32
		link         string
	}{
		{"/dev/null", unix.S_IFCHR | 0o640, 1, 3, 0, 0, ""}, // the spec overrides the default
		{"/dev/zero", unix.S_IFCHR | 0o666, 1, 5, 0, 0, ""},
		{"/dev/full", unix.S_IFCHR | 0o666, 1, 7, 0, 0, ""},
		{"/dev/random", unix.S_IFCHR | 0o666, 1, 8, 0, 0, ""},
		{"/dev/urandom", unix.S_IFCHR | 0o666, 1, 9, 0, 0, ""},
		{"/dev/tty", unix.S_IFCHR | 0o666, 5, 0, 0, 0, ""},
		{"/dev/mydev", unix.S_IFCHR | 0o640, 1, 5, 1000, 1001, ""},
		{"/dev/sub/blk", unix.S_IFBLK | 0o666, 7, 3, 0, 0, ""},
		{"/dev/fifo", unix.S_IFIFO | 0o666, 0, 0, 0, 0, ""},
		{"/dev/fd", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "/proc/self/fd"},
		{"/dev/stdin", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "/proc/self/fd/0"},
		{"/dev/stdout", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "/proc/self/fd/1"},
		{"/dev/stderr", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "/proc/self/fd/2"},
		{"/dev/ptmx", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "pts/ptmx"},
		{"/dev/core", unix.S_IFLNK | 0o777, 0, 0, 0, 0, "/proc/kcore"},
	}
	for _, tt := range tests {
		want := statRecord{Mode: tt.mode, Major: tt.major, Minor: tt.minor, UID: tt.uid, GID: tt.gid, Link: tt.link}
		if got := res.Stat[tt.path]; got != want {
			t.Errorf("%s = %+v, want %+v", tt.path, got, want)
		}
	}
}

func TestSetupBadDevice(t *testing.T) {
	spec := defaultSpec()
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/ok", Type: "c", Major: 1, Minor: 3}, {Path: "/dev/bad", Type: "z"}}
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec}, nsOptions{})
	if !strings.Contains(res.SetupErr, "linux.devices[1] (/dev/bad)") || !strings.Contains(res.SetupErr, `type "z"`) {
		t.Errorf("setup error = %q, want it to name linux.devices[1] and the bad type", res.SetupErr)
	}
}

func TestSetupTmpfsSizeMode(t *testing.T) {
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/scratch/deep", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"size=1m", "mode=0700", "noexec"}})
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, Stat: []string{"/scratch/deep"}}, nsOptions{})
	mustSetup(t, res)
	m := findMount(t, res, "/scratch/deep")
	if m.FSType != "tmpfs" || !hasOpts(m.Super, "size=1024k", "mode=700") || !hasOpts(m.Options, "noexec") {
		t.Errorf("tmpfs mount = %+v, want size=1024k mode=700 noexec", m)
	}
	if st := res.Stat["/scratch/deep"]; st.Mode != unix.S_IFDIR|0o700 {
		t.Errorf("tmpfs root mode = %#o, want dir 0700", st.Mode)
	}
}

func TestSetupBindFlags(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "file"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/data", Type: "bind", Source: src, Options: []string{"rbind", "ro", "nosuid", "nodev", "noexec"}},
		specs.Mount{Destination: "/etc/one-file", Source: filepath.Join(src, "file"), Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/shared", Type: "bind", Source: src, Options: []string{"bind", "shared"}},
		specs.Mount{Destination: "/private", Type: "bind", Source: src, Options: []string{"bind", "rprivate", "noatime"}},
	)
	req := request{Rootfs: newRootfs(t), Spec: spec,
		Read:  []string{"/data/file", "/etc/one-file"},
		Write: []string{"/data/new", "/etc/one-file", "/private/new"}}
	res := runInNS(t, req, nsOptions{})
	mustSetup(t, res)
	if m := findMount(t, res, "/data"); !hasOpts(m.Options, "ro", "nosuid", "nodev", "noexec") {
		t.Errorf("/data options = %q, want ro,nosuid,nodev,noexec", m.Options)
	}
	if m := findMount(t, res, "/shared"); !strings.Contains(m.Optional, "shared:") {
		t.Errorf("/shared propagation = %q, want shared", m.Optional)
	}
	if m := findMount(t, res, "/private"); m.Optional != "" || !hasOpts(m.Options, "rw", "noatime") {
		t.Errorf("/private = %+v, want private (no optional fields), rw, noatime", m)
	}
	for _, p := range []string{"/data/file", "/etc/one-file"} {
		if res.Read[p].Data != "hello" {
			t.Errorf("read %s = %+v, want hello", p, res.Read[p])
		}
	}
	for _, p := range []string{"/data/new", "/etc/one-file"} {
		if !strings.Contains(res.Write[p].Err, "read-only file system") {
			t.Errorf("write %s: %q, want read-only file system", p, res.Write[p].Err)
		}
	}
	if res.Write["/private/new"].Err != "" {
		t.Errorf("write /private/new: %s", res.Write["/private/new"].Err)
	}
}

// TestSetupRecursiveReadonly: "rro" reaches the submounts of an rbind,
// which a plain "ro" remount leaves writable.
func TestSetupRecursiveReadonly(t *testing.T) {
	rootfs := newRootfs(t)
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/src/sub", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/ro", Type: "bind", Source: rootfs + "/src", Options: []string{"rbind", "ro"}},
		specs.Mount{Destination: "/rro", Type: "bind", Source: rootfs + "/src", Options: []string{"rbind", "rro"}},
	)
	req := request{Rootfs: rootfs, Spec: spec, Write: []string{"/ro/sub/f", "/rro/sub/f", "/rro/f"}}
	res := runInNS(t, req, nsOptions{})
	mustSetup(t, res)
	if res.Write["/ro/sub/f"].Err != "" {
		t.Errorf("write /ro/sub/f: %q, want a plain ro to leave submounts writable", res.Write["/ro/sub/f"].Err)
	}
	for _, p := range []string{"/rro/sub/f", "/rro/f"} {
		if !strings.Contains(res.Write[p].Err, "read-only file system") {
			t.Errorf("write %s: %q, want read-only file system", p, res.Write[p].Err)
		}
	}
}

func TestSetupInvalidMount(t *testing.T) {
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "/nonexistent-hull-source", Options: []string{"rbind"}})
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec}, nsOptions{})
	want := []string{"mounts[6]", "/data", "/nonexistent-hull-source", "no such file or directory"}
	for _, w := range want {
		if !strings.Contains(res.SetupErr, w) {
			t.Errorf("setup error = %q, want it to contain %q", res.SetupErr, w)
		}
	}
}

func TestSetupNoPivot(t *testing.T) {
	for _, userNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userNS), func(t *testing.T) {
			spec := defaultSpec()
			spec.Linux.MaskedPaths = []string{"/proc/keys"}
			spec.Root.Readonly = true
			req := request{Rootfs: newRootfs(t), Spec: spec, NoPivot: true, InUserNS: userNS,
				Read: []string{"/hull-marker", "/proc/keys"}, Stat: []string{"/dev/null"}, Write: []string{"/newfile"}}
			res := runInNS(t, req, nsOptions{user: userNS})
			mustSetup(t, res)
			checkNoPivot(t, res)
		})
	}
}

func checkNoPivot(t *testing.T, res result) {
	t.Helper()
	if res.Read["/hull-marker"].Data != "inside" || res.Cwd != "/" {
		t.Errorf("not in the rootfs: marker %+v, cwd %q", res.Read["/hull-marker"], res.Cwd)
	}
	if st := res.Stat["/dev/null"]; st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Major != 1 || st.Minor != 3 {
		t.Errorf("/dev/null = %+v", st)
	}
	if m := findMount(t, res, "/proc"); m.FSType != "proc" {
		t.Errorf("/proc = %+v", m)
	}
	if r := res.Read["/proc/keys"]; r.Data != "" || r.Err != "" {
		t.Errorf("masked /proc/keys read %+v, want empty", r)
	}
	if !strings.Contains(res.Write["/newfile"].Err, "read-only file system") {
		t.Errorf("write /newfile: %q, want read-only root", res.Write["/newfile"].Err)
	}
}

func TestSetupBeforePivotError(t *testing.T) {
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: defaultSpec(), FailHook: true}, nsOptions{})
	if res.BeforePivot != "ok" || res.SetupErr != "before pivot_root: hook failed on purpose" {
		t.Errorf("hook saw %q, setup error %q; want the hook's error returned", res.BeforePivot, res.SetupErr)
	}
}

func TestSetupRootfsPropagation(t *testing.T) {
	tests := []struct {
		prop, optional string // optional: a field / must have in mountinfo ("" = none)
	}{
		{"rprivate", ""},
		{"rshared", "shared:"},
		{"shared", "shared:"},
		{"private", ""},
	}
	for _, tt := range tests {
		t.Run(tt.prop, func(t *testing.T) {
			spec := defaultSpec()
			spec.Linux.RootfsPropagation = tt.prop
			res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, Read: []string{"/hull-marker"}}, nsOptions{})
			mustSetup(t, res)
			if res.Read["/hull-marker"].Data != "inside" {
				t.Errorf("marker %+v", res.Read["/hull-marker"])
			}
			m := findMount(t, res, "/")
			if (tt.optional == "" && m.Optional != "") || !strings.Contains(m.Optional, tt.optional) {
				t.Errorf("/ propagation = %q, want %q", m.Optional, tt.optional)
			}
		})
	}
	spec := defaultSpec()
	spec.Linux.RootfsPropagation = "sideways"
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec}, nsOptions{})
	if !strings.Contains(res.SetupErr, `linux.rootfsPropagation "sideways"`) {
		t.Errorf("setup error = %q, want it to name rootfsPropagation", res.SetupErr)
	}
}

func TestSetupOverlay(t *testing.T) {
	if data, err := os.ReadFile("/proc/filesystems"); err != nil || !strings.Contains(string(data), "\toverlay\n") {
		t.Skip("overlay is not available (module not loaded)")
	}
	base := t.TempDir()
	for _, d := range []string{"lower", "upper", "work"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "lower", "l"), []byte("lower"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := defaultSpec()
	spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/ov", Type: "overlay", Source: "overlay",
		Options: []string{"lowerdir=" + base + "/lower", "upperdir=" + base + "/upper", "workdir=" + base + "/work"}})
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: spec, Read: []string{"/ov/l"}, Write: []string{"/ov/u"}}, nsOptions{})
	mustSetup(t, res)
	if m := findMount(t, res, "/ov"); m.FSType != "overlay" {
		t.Errorf("/ov = %+v", m)
	}
	if res.Read["/ov/l"].Data != "lower" || res.Write["/ov/u"].Err != "" {
		t.Errorf("overlay read %+v write %+v", res.Read["/ov/l"], res.Write["/ov/u"])
	}
	if _, err := os.Stat(filepath.Join(base, "upper", "u")); err != nil {
		t.Errorf("write did not reach the upper dir: %v", err)
	}
}

func TestSetupConsole(t *testing.T) {
	res := runInNS(t, request{Rootfs: newRootfs(t), Spec: defaultSpec(), Console: true, Stat: []string{"/dev/console"}}, nsOptions{})
	mustSetup(t, res)
	if res.ConsoleErr != "" {
		t.Fatalf("console: %s", res.ConsoleErr)
	}
	if st := res.Stat["/dev/console"]; st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Major < 136 || st.Major > 143 {
		t.Errorf("/dev/console = %+v, want a pty slave", st)
	}
}

// BenchmarkSetup reports what Setup+Finalize of runc's default mounts,
// masked and read-only paths cost inside the child (setup-ns/op); the
// re-exec around it is not counted.
func BenchmarkSetup(b *testing.B) {
	spec := defaultSpec()
	spec.Linux.MaskedPaths = []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"}
	spec.Linux.ReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"}
	rootfs := newRootfs(b)
	var total int64
	for i := 0; i < b.N; i++ {
		res := runInNS(b, request{Rootfs: rootfs, Spec: spec}, nsOptions{})
		if res.SetupErr != "" || res.FinalizeErr != "" {
			b.Fatalf("setup: %q finalize: %q", res.SetupErr, res.FinalizeErr)
		}
		total += res.SetupNanos
	}
	b.ReportMetric(float64(total)/float64(b.N), "setup-ns/op")
}
