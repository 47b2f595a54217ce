package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mountLine returns the /proc/self/mountinfo line of the container mount at dst.
func mountLine(t *testing.T, mountinfo, dst string) string {
	t.Helper()
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == dst {
			return line
		}
	}
	t.Fatalf("no mount at %s in:\n%s", dst, mountinfo)
	return ""
}

func TestMountsAndFlags(t *testing.T) {
	e := newEnv(t)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "hello"), []byte("from host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := e.sh("cat /proc/self/mountinfo; echo ==; cat /data/hello; stat -c %a /scratch; touch /data/x 2>/dev/null || echo rofail", func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/data", Type: "bind", Source: src, Options: []string{"rbind", "ro", "nosuid", "nodev", "noexec"}},
			specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m", "mode=710", "noexec"}},
		)
	})
	mi, rest, _ := strings.Cut(out, "==\n")
	data := mountLine(t, mi, "/data")
	for _, opt := range []string{"ro", "nosuid", "nodev", "noexec"} {
		if !strings.Contains(strings.Fields(data)[5], opt) {
			t.Errorf("/data mount options lack %s: %s", opt, data)
		}
	}
	scratch := mountLine(t, mi, "/scratch")
	if !strings.Contains(scratch, "tmpfs") || !strings.Contains(scratch, "size=1024k") || !strings.Contains(scratch, "noexec") {
		t.Errorf("/scratch: %s", scratch)
	}
	if rest != "from host\n710\nrofail\n" {
		t.Errorf("bind/tmpfs effect: %q", rest)
	}
}

func TestMaskedAndReadonlyPaths(t *testing.T) {
	e := newEnv(t)
	out := e.sh("wc -c < /proc/version; ls /proc/irq | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo rofail; echo x > /proc/sysrq-trigger 2>/dev/null || echo rofail2", func(s *specs.Spec) {
		s.Linux.MaskedPaths = []string{"/proc/version", "/proc/irq"}
		s.Linux.ReadonlyPaths = []string{"/proc/sys", "/proc/sysrq-trigger"}
	})
	if strings.Fields(out)[0] != "0" || strings.Fields(out)[1] != "0" || !strings.Contains(out, "rofail\n") || !strings.Contains(out, "rofail2") {
		t.Fatalf("masked/readonly: %q", out)
	}
}

func TestReadonlyRootfs(t *testing.T) {
	e := newEnv(t)
	out := e.sh("touch /newfile 2>/dev/null || echo rofail; touch /tmp/x 2>/dev/null || echo tmprofail", func(s *specs.Spec) {
		s.Root.Readonly = true
	})
	if out != "rofail\ntmprofail\n" {
		t.Fatalf("readonly root: %q", out)
	}
}

func TestNoPivot(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c", "cat /etc/hosts; ls /"} })
	r := must(t, e.hull("run", "--no-pivot", "--bundle", b, e.id()), "run --no-pivot")
	if !strings.Contains(r.stdout, "127.0.0.1 localhost") || !strings.Contains(r.stdout, "bin") {
		t.Fatalf("--no-pivot: %q", r.stdout)
	}
}

func TestDevices(t *testing.T) {
	e := newEnv(t)
	mode := os.FileMode(0o666)
	uid, gid := uint32(10), uint32(20)
	out := e.sh("stat -c '%t %T %a %u %g %F' /dev/mynull; echo hi > /dev/mynull && echo writeok; ls -l /dev/ptmx /dev/fd; stat -c '%t %T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty", func(s *specs.Spec) {
		s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/mynull", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid}}
		s.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}, {Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"}, {Allow: true, Type: "c", Major: i64(1), Access: "rwm"}, {Allow: true, Type: "c", Major: i64(5), Access: "rwm"}, {Allow: true, Type: "c", Major: i64(136), Access: "rwm"}}}
	})
	lines := strings.Split(out, "\n")
	if lines[0] != "1 3 666 10 20 character special file" || lines[1] != "writeok" {
		t.Fatalf("spec device: %q", out)
	}
	for _, want := range []string{"/dev/ptmx -> pts/ptmx", "/dev/fd -> /proc/self/fd", "1 3\n1 5\n1 7\n1 8\n1 9\n5 0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("default devices lack %q:\n%s", want, out)
		}
	}
}

func i64(v int64) *int64 { return &v }

// A symlink in the rootfs must not send a mount outside it.
func TestMountThroughSymlinkStaysInRootfs(t *testing.T) {
	e := newEnv(t)
	escape := t.TempDir()
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "ls /evil/ >/dev/null; mount | grep -c ' /' >/dev/null; echo ok"}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/evil/x", Type: "tmpfs", Source: "tmpfs"})
	})
	if err := os.Symlink(escape, filepath.Join(b, "rootfs", "evil")); err != nil {
		t.Fatal(err)
	}
	r := e.hull("run", "--bundle", b, e.id())
	if _, err := os.Stat(filepath.Join(escape, "x")); err == nil {
		t.Fatalf("mount through a rootfs symlink created %s/x on the host", escape)
	}
	if r.code != 0 {
		t.Logf("run refused the symlinked destination (acceptable): %s", r.stderr)
	}
}
