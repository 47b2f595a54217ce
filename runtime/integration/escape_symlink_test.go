package integration

// Escape classes 3 to 5: symlinks in the image that point mounts, /proc,
// /sys or device nodes out of the rootfs.

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/libcontainer/console"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// 3. Mount and device destinations through symlinks in the image that
// lead out of the rootfs (absolutely, by "..", through "/", and to a host
// path that does not exist) must be resolved inside the rootfs: nothing
// may appear on the host.
func TestEscapeSymlinkMountDestination(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		host := filepath.Join(r.base, "host")
		absent := filepath.Join(r.base, "absent")
		src := filepath.Join(r.base, "src")
		for _, d := range []string{host, src} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		srcFile := filepath.Join(r.base, "src-file")
		if err := os.WriteFile(srcFile, []byte("bound\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := r.bundle(func(s *specs.Spec) {
			s.Process.Args = []string{"sh", "-c", "ls /evil-abs /evil-rel; cat /evil-root" + host + "/file"}
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/evil-abs/x", Type: "tmpfs", Source: "tmpfs"},
				specs.Mount{Destination: "/evil-rel/y", Type: "bind", Source: src, Options: []string{"rbind"}},
				specs.Mount{Destination: "/evil-root" + host + "/file", Type: "bind", Source: srcFile, Options: []string{"bind", "ro"}},
				specs.Mount{Destination: "/evil-absent/z", Type: "tmpfs", Source: "tmpfs"},
			)
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/evil-abs/devnull", Type: "c", Major: 1, Minor: 3}}
		})
		rootfs := filepath.Join(b, "rootfs")
		links := map[string]string{
			"evil-abs":    host,
			"evil-rel":    strings.Repeat("../", 16) + strings.TrimPrefix(host, "/"),
			"evil-root":   "/",
			"evil-absent": absent,
		}
		for name, target := range links {
			if err := os.Symlink(target, filepath.Join(rootfs, name)); err != nil {
				t.Fatal(err)
			}
		}
		res := r.do("run", "--bundle", b, r.id())
		if got := dirEntries(t, host); len(got) > 0 {
			r.escaped("mounts or devices through rootfs symlinks landed in the host directory %s: %v", host, got)
		}
		if _, err := os.Lstat(absent); err == nil {
			r.escaped("a mount through a rootfs symlink created the host path %s", absent)
		}
		if res.code != 0 {
			r.note("refused the symlinked destinations: %s", strings.TrimSpace(res.stderr))
			return
		}
		for _, p := range []string{host + "/x", host + "/y", host + "/file", host + "/devnull", absent + "/z"} {
			if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
				r.note("%s not created inside the rootfs: %v", p, err)
			}
		}
		if !strings.Contains(res.stdout, "bound") {
			r.fail("the bind through /evil-root is not visible inside: %q", res.stdout)
		}
	})
}

// procSysScript reports, from inside, whether /proc and /sys are the real
// kernel filesystems, whether masking holds (/proc/timer_list and
// /sys/firmware are masked by the default spec and not empty on the host)
// and whether /proc/sys (read-only in the default spec) can be written:
// "host=" shows the kernel's hostname after a write to it.
const procSysScript = `echo proc=$(stat -f -c %T /proc/ 2>&1)
echo sys=$(stat -f -c %T /sys/ 2>&1)
echo timerlist=$(cat /proc/timer_list 2>/dev/null | wc -c)
echo firmware=$(ls /sys/firmware 2>/dev/null | wc -l)
echo sysmount=$(grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6)
echo pwned > /proc/sys/kernel/hostname 2>/dev/null
echo host=$(hostname)
`

func parseKV(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			if _, dup := m[k]; !dup {
				m[k] = strings.TrimSpace(v)
			}
		}
	}
	return m
}

// checkProcSys turns procSysScript's output into findings.
func checkProcSys(r *rtEnv, out string) {
	kv := parseKV(out)
	if strings.Contains(kv["host"], "pwned") {
		r.escaped("/proc/sys/kernel/hostname was written from inside: /proc/sys is not read-only")
	}
	if kv["proc"] == "proc" && kv["timerlist"] != "0" {
		r.escaped("masked /proc/timer_list shows %s bytes", kv["timerlist"])
	}
	if kv["sys"] == "sysfs" && kv["firmware"] != "0" {
		r.escaped("masked /sys/firmware lists %s entries", kv["firmware"])
	}
	if kv["sys"] == "sysfs" && !slices.Contains(strings.Split(kv["sysmount"], ","), "ro") {
		r.escaped("/sys is mounted %q, not read-only", kv["sysmount"])
	}
	if kv["proc"] != "proc" || kv["sys"] != "sysfs" {
		r.fail("the container runs with /proc on %q and /sys on %q, not the kernel filesystems", kv["proc"], kv["sys"])
	}
}

// 4. The image's /proc or /sys is a symlink (CVE-2019-16884 and
// CVE-2019-19921: a fake /proc makes the runtime's writes there void). The
// runtime must refuse it, or mount the real filesystem with every mask and
// read-only path in force, and never create anything on the host.
func TestEscapeSymlinkProcSys(t *testing.T) {
	cases := []struct {
		name, dir string
		fake      bool // the link points at a fake tree inside the rootfs
	}{
		{"proc-absolute", "proc", false},
		{"proc-fake", "proc", true},
		{"sys-absolute", "sys", false},
		{"sys-fake", "sys", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachRuntime(t, func(t *testing.T, r *rtEnv) {
				absent := filepath.Join(r.base, "absent-"+tc.dir)
				b := r.bundle(func(s *specs.Spec) {
					s.Root.Readonly = false
					s.Process.Args = []string{"sh", "-c", procSysScript}
				})
				rootfs := filepath.Join(b, "rootfs")
				if err := os.Remove(filepath.Join(rootfs, tc.dir)); err != nil {
					t.Fatal(err)
				}
				target := absent
				if tc.fake {
					target = "fake" + tc.dir
					fake := filepath.Join(rootfs, target)
					for _, d := range []string{"sys/kernel", "firmware/acpi"} {
						if err := os.MkdirAll(filepath.Join(fake, d), 0o755); err != nil {
							t.Fatal(err)
						}
					}
					for name, content := range map[string]string{"timer_list": "FAKE\n", "sys/kernel/hostname": "fake\n", "kcore": "FAKE\n"} {
						if err := os.WriteFile(filepath.Join(fake, name), []byte(content), 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := os.Symlink(target, filepath.Join(rootfs, tc.dir)); err != nil {
					t.Fatal(err)
				}
				res := r.do("run", "--bundle", b, r.id())
				if _, err := os.Lstat(absent); err == nil {
					r.escaped("the %s mount through a rootfs symlink created the host path %s", tc.dir, absent)
					os.RemoveAll(absent)
				}
				if res.code != 0 {
					r.note("refused: %s", strings.TrimSpace(res.stderr))
					return
				}
				r.note("ran: %q", res.stdout)
				checkProcSys(r, res.stdout)
			})
		})
	}
}

// devNoTmpfs drops the /dev tmpfs from the spec, so that the image's own
// dev directory (and the links in it) is what the runtime works on.
func devNoTmpfs(s *specs.Spec) {
	var mounts []specs.Mount
	for _, m := range s.Mounts {
		if m.Destination != "/dev" {
			mounts = append(mounts, m)
		}
	}
	s.Mounts = mounts
}

func mkdevDirs(t *testing.T, rootfs string) {
	for _, d := range []string{"dev/pts", "dev/shm", "dev/mqueue"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// receiveConsole listens on a console socket and returns what the
// container writes to its terminal, once it closes.
func receiveConsole(t *testing.T, dir string) (string, <-chan string) {
	t.Helper()
	sock := filepath.Join(dir, "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go func() {
		conn, err := ln.AcceptUnix()
		if err != nil {
			got <- "accept: " + err.Error()
			return
		}
		defer conn.Close()
		f, err := conn.File()
		if err != nil {
			got <- "conn: " + err.Error()
			return
		}
		defer f.Close()
		master, err := console.RecvFd(f)
		if err != nil {
			got <- "recv: " + err.Error()
			return
		}
		defer master.Close()
		var out []byte
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				break
			}
		}
		got <- string(out)
	}()
	return sock, got
}

// devNullScript attacks through a /dev/null that the image made a symlink
// to /proc/sys/kernel/hostname: it writes through its stdio (which a
// runtime may have reopened from /dev/null), the masked paths and
// /dev/null itself, then reports into /out (a bind of a host directory:
// its own stdio may be gone) what it sees. It uses no "2>/dev/null": that
// file is the one under attack.
const devNullScript = `S="fd0:$(readlink /proc/$$/fd/0) fd1:$(readlink /proc/$$/fd/1) fd2:$(readlink /proc/$$/fd/2)"
echo pwned-fd0 >&0
echo pwned-fd1
echo pwned-fd2 >&2
echo pwned-kcore > /proc/kcore
echo pwned-timer > /proc/timer_list
echo pwned-null > /dev/null
{
echo "stdio=$S"
echo "null=$(stat -c '%F %t:%T' /dev/null)"
echo "timerlist=$(cat /proc/timer_list | wc -c)"
echo "kcore=$(cat /proc/kcore | wc -c)"
echo "mounts=$(grep -c 'kernel/hostname' /proc/self/mountinfo)"
echo "host=$(hostname)"
} > /out/result.tmp 2>&1
mv /out/result.tmp /out/result
`

// devConsoleScript reports, into /out, what /dev/console is and whether
// anything is mounted over /proc/sys/kernel/hostname (the target of the
// image's /dev/console symlink), then writes to /dev/console. It does not
// read /proc/sys/kernel/hostname: if the pty was bound there, that blocks.
const devConsoleScript = `{
echo "console=$(stat -c '%F %t' /dev/console)"
echo "hostnamefile=$(stat -c '%F' /proc/sys/kernel/hostname)"
echo "mounts=$(grep -c 'kernel/hostname' /proc/self/mountinfo)"
} > /out/result.tmp 2>&1
echo pwned > /dev/console
echo on-the-terminal
echo "host=$(hostname)" >> /out/result.tmp
mv /out/result.tmp /out/result
`

// outDir is a host directory bound at /out in the container, for results.
func outDir(t *testing.T, r *rtEnv, s *specs.Spec) string {
	t.Helper()
	dir := filepath.Join(r.base, "out")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: dir, Options: []string{"rbind", "rw"}})
	return dir
}

// 5. /dev/null and /dev/console of the image are symlinks to a kernel file
// the container must not write (CVE-2025-31133, CVE-2025-52565): masking
// binds /dev/null over masked paths, stdio may be reopened from /dev/null,
// and the console is bound over /dev/console. None may hand the container
// the link's target or bind anything onto it (here
// /proc/sys/kernel/hostname: harmless, the container has its own UTS
// namespace, but read-only through /proc/sys in the default spec). The
// spec has no /dev tmpfs, so the image's dev directory is used.
func TestEscapeDevSymlinks(t *testing.T) {
	t.Run("dev-null", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			var out string
			b := r.bundle(func(s *specs.Spec) {
				devNoTmpfs(s)
				out = outDir(t, r, s)
				s.Process.Args = []string{"sh", "-c", devNullScript}
			})
			rootfs := filepath.Join(b, "rootfs")
			mkdevDirs(t, rootfs)
			if err := os.Symlink("/proc/sys/kernel/hostname", filepath.Join(rootfs, "dev/null")); err != nil {
				t.Fatal(err)
			}
			res := r.do("run", "--bundle", b, r.id())
			data, err := os.ReadFile(filepath.Join(out, "result"))
			if err != nil {
				if res.code != 0 {
					r.note("refused: %s", strings.TrimSpace(res.stderr))
					return
				}
				r.setup(result{code: 1, stderr: fmt.Sprintf("no result from the container (%v); stdout %q", err, res.stdout)}, "run the attack")
			}
			r.note("ran (exit %d): %q", res.code, data)
			kv := parseKV(string(data))
			if strings.Contains(kv["host"], "pwned") {
				r.escaped("a write from the container changed the kernel's hostname to %q through /dev/null's symlink target", kv["host"])
			}
			if strings.Contains(kv["stdio"], "/proc/") {
				r.escaped("the container's stdio was opened on /dev/null's symlink target (%s)", kv["stdio"])
			}
			if kv["timerlist"] != "0" || kv["kcore"] != "0" {
				r.escaped("masked paths show content (/proc/timer_list %s bytes, /proc/kcore %s bytes): masked with /dev/null's symlink target", kv["timerlist"], kv["kcore"])
			}
			if kv["mounts"] != "0" {
				r.escaped("%s mount(s) of /proc/sys/kernel/hostname inside the container", kv["mounts"])
			}
			if kv["null"] != "character special file 1:3" {
				r.fail("/dev/null in the container is %q, not the null device", kv["null"])
			}
		})
	})
	t.Run("dev-console", func(t *testing.T) {
		forEachRuntime(t, func(t *testing.T, r *rtEnv) {
			sock, tty := receiveConsole(t, r.base)
			var out string
			b := r.bundle(func(s *specs.Spec) {
				devNoTmpfs(s)
				out = outDir(t, r, s)
				s.Process.Terminal = true
				s.Process.Args = []string{"sh", "-c", devConsoleScript}
			})
			rootfs := filepath.Join(b, "rootfs")
			mkdevDirs(t, rootfs)
			if err := os.Symlink("/proc/sys/kernel/hostname", filepath.Join(rootfs, "dev/console")); err != nil {
				t.Fatal(err)
			}
			id := r.id()
			res := r.do("create", "--console-socket", sock, "--bundle", b, id)
			if res.code != 0 {
				r.note("create refused: %s", strings.TrimSpace(res.stderr))
				return
			}
			r.setup(r.do("start", id), "start")
			data, ok := waitForFile(t, filepath.Join(out, "result"), 20*time.Second)
			if !ok {
				r.setup(result{code: 1, stderr: "no result from the container"}, "run the attack")
			}
			select {
			case term := <-tty:
				r.note("terminal: %q", term)
			case <-time.After(5 * time.Second):
			}
			r.note("ran: %q", data)
			kv := parseKV(data)
			if strings.Contains(kv["host"], "pwned") {
				r.escaped("a write to /dev/console changed the kernel's hostname")
			}
			if kv["mounts"] != "0" {
				r.escaped("the console bind followed /dev/console's symlink: %s mount(s) over /proc/sys/kernel/hostname (now %q)", kv["mounts"], kv["hostnamefile"])
			}
			if kv["console"] != "character special file 88" {
				r.fail("/dev/console is %q, not the pty (major 0x88)", kv["console"])
			}
		})
	})
}
