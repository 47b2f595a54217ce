package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// defaultRoot is hull's --root when none is given.
const defaultRoot = "/run/hull"

// podman uses hull as its OCI runtime unchanged: run, detached run, ps,
// stop and rm, with podman's own storage in a temp dir.
func TestPodmanUsesHull(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("podman is not installed (contrib/install-deps.sh installs it)")
	}
	t.Parallel()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.BusyboxRootfs(t, rootfs)
	tarball := filepath.Join(dir, "rootfs.tar")
	if out, err := exec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	// This host: root lacks CAP_SYS_RESOURCE, so podman's default ulimits
	// cannot be set; podman's own cgroups go through cgroupfs (no systemd).
	base := []string{"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"),
		"--runtime", hullBin, "--cgroup-manager", "cgroupfs"}
	limits := []string{"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=32768:32768", "--network", "none"}
	podman := func(args ...string) (string, error) {
		out, err := exec.Command("podman", append(base, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	// conmon runs hull without --root: hull's default root gets its
	// seccomp cache, which goes again when this test made the root.
	_, rootErr := os.Stat(defaultRoot)
	t.Cleanup(func() {
		_, _ = podman("rm", "-a", "-f")
		_, _ = podman("system", "reset", "-f")
		removeEmptyPodmanCgroups()
		if os.IsNotExist(rootErr) {
			os.RemoveAll(filepath.Join(defaultRoot, "@seccomp"))
			os.Remove(defaultRoot) // only if no container state is there
		}
	})
	if out, err := podman("import", tarball, "hulltest/busybox"); err != nil {
		t.Fatalf("podman import: %v %s", err, out)
	}
	out, err := podman(append(append([]string{"run", "--rm"}, limits...), "hulltest/busybox", "sh", "-c", "echo hello from $(cat /proc/1/comm)")...)
	if err != nil || out != "hello from sh" {
		t.Fatalf("podman run: %v %q", err, out)
	}
	checkPodmanConf(t, dir, base, limits)
	checkPodmanSeccomp(t, dir, func(args ...string) (string, error) {
		return podman(append(append([]string{"run", "--rm"}, limits...), args...)...)
	})
	cid, err := podman(append(append([]string{"run", "-d"}, limits...), "hulltest/busybox", "sleep", "300")...)
	if err != nil {
		t.Fatalf("podman run -d: %v %s", err, cid)
	}
	if out, err := podman("ps", "-q", "--no-trunc"); err != nil || !strings.Contains(out, cid) {
		t.Fatalf("podman ps: %v %q lacks %s", err, out, cid)
	}
	checkPodmanExec(t, cid, podman)
	if out, err := podman("stop", "-t", "1", cid); err != nil {
		t.Fatalf("podman stop: %v %s", err, out)
	}
	if out, err := podman("rm", cid); err != nil {
		t.Fatalf("podman rm: %v %s", err, out)
	}
	if dirs := cgroupDirsNamed(cid); len(dirs) > 0 {
		t.Fatalf("container cgroups left: %v", dirs)
	}
}

// checkPodmanConf: contrib/podman/containers.conf, pointed at this hull,
// makes hull podman's runtime without --runtime.
func checkPodmanConf(t *testing.T, dir string, base, limits []string) {
	t.Helper()
	snippet, err := os.ReadFile(filepath.Join("..", "..", "contrib", "podman", "containers.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "containers.conf")
	data := strings.ReplaceAll(string(snippet), "/usr/local/bin/hull", hullBin)
	if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var args []string
	for i := 0; i < len(base); i++ {
		if base[i] == "--runtime" {
			i++ // the snippet picks the runtime
			continue
		}
		args = append(args, base[i])
	}
	cmd := exec.Command("podman", append(append(append(args, "run", "--rm"), limits...), "hulltest/busybox", "sh", "-c", "echo via-conf")...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+conf)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "via-conf" {
		t.Fatalf("podman with contrib/podman/containers.conf: %v %q", err, out)
	}
	cmd = exec.Command("podman", append(args, "info", "--format", "{{.Host.OCIRuntime.Path}}")...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != hullBin {
		t.Fatalf("podman info with the snippet: runtime %q (%v), want %s", out, err, hullBin)
	}
}

// checkPodmanExec: podman exec (conmon calls `hull exec --process F
// --detach --pid-file P [--tty --console-socket S]`): output, exit code,
// user, env and workdir, a terminal, and the container's seccomp filter.
func checkPodmanExec(t *testing.T, cid string, podman func(args ...string) (string, error)) {
	t.Helper()
	if out, err := podman("exec", cid, "sh", "-c", "echo exec-ok"); err != nil || out != "exec-ok" {
		t.Fatalf("podman exec: %v %q", err, out)
	}
	out, err := podman("exec", cid, "sh", "-c", "exit 5")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
		t.Fatalf("podman exec exit 5: %v %q", err, out)
	}
	out, err = podman("exec", "--user", "1000:1000", "-e", "X=y", "-w", "/tmp", cid,
		"sh", "-c", `echo "$(id -u) $X $(pwd) $(grep '^Seccomp:' /proc/self/status | tr -d '\t')"`)
	if err != nil || out != "1000 y /tmp Seccomp:2" {
		t.Fatalf("podman exec --user -e -w: %v %q", err, out)
	}
	if out, err := podman("exec", "-t", cid, "tty"); err != nil || !strings.HasPrefix(out, "/dev/pts/") {
		t.Fatalf("podman exec -t: %v %q", err, out)
	}
}

// checkPodmanSeccomp: podman's default profile (containers-common's, in
// Docker's format, which podman turns into linux.seccomp) is applied, off
// with seccomp=unconfined, and a profile of the user's own refuses what it
// lists.
func checkPodmanSeccomp(t *testing.T, dir string, run func(args ...string) (string, error)) {
	t.Helper()
	status := "grep '^Seccomp:' /proc/self/status"
	if out, err := run("hulltest/busybox", "sh", "-c", status); err != nil || !regexp.MustCompile(`^Seccomp:\s+2$`).MatchString(out) {
		t.Errorf("podman's default seccomp profile is not applied: %v %q", err, out)
	}
	if out, err := run("--security-opt", "seccomp=unconfined", "hulltest/busybox", "sh", "-c", status); err != nil || !regexp.MustCompile(`^Seccomp:\s+0$`).MatchString(out) {
		t.Errorf("seccomp=unconfined: %v %q", err, out)
	}
	profile := filepath.Join(dir, "no-mkdir.json")
	data := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`
	if err := os.WriteFile(profile, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := run("--security-opt", "seccomp="+profile, "hulltest/busybox", "sh", "-c", "mkdir /x 2>&1; echo mkdir=$?")
	if !strings.Contains(out, "Operation not permitted") || !strings.Contains(out, "mkdir=1") {
		t.Errorf("a profile refusing mkdir: %q", out)
	}
}

// removeEmptyPodmanCgroups removes the libpod_parent/conmon cgroups podman
// makes for conmon with the cgroupfs manager and never removes.
func removeEmptyPodmanCgroups() {
	for _, d := range cgroupDirsNamed("conmon") {
		if strings.Contains(d, "libpod_parent") {
			_ = os.Remove(d)
		}
	}
	for _, d := range cgroupDirsNamed("libpod_parent") {
		_ = os.Remove(d)
	}
}
