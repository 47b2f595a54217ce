package integration

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func removeNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) {
	var keep []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != typ {
			keep = append(keep, ns)
		}
	}
	s.Linux.Namespaces = keep
}

// rootPropagation is the optional-fields column of / in our mountinfo.
func rootPropagation(t *testing.T) string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 6 && f[4] == "/" {
			return strings.Join(f[6:indexDash(f)], " ")
		}
	}
	return ""
}

func indexDash(f []string) int {
	for i, x := range f {
		if x == "-" {
			return i
		}
	}
	return len(f)
}

// Without a mount namespace the container stays in the host's: its mounts
// go under its rootfs only, / keeps its propagation, and delete takes the
// mounts away.
func TestNoMountNamespace(t *testing.T) {
	e := newEnv(t)
	before := rootPropagation(t)
	hostMnt, _ := os.Readlink("/proc/self/ns/mnt")
	b := e.bundle(func(s *specs.Spec) {
		removeNamespace(s, specs.MountNamespace)
		// runc's rule, kept by spec validation: these need a mount namespace.
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Process.Args = []string{"sh", "-c", "readlink /proc/self/ns/mnt; ls /proc/self/fd >/dev/null && echo procok"}
	})
	id := e.id()
	r := must(t, e.hull("run", "--bundle", b, id), "run without a mount namespace")
	if r.stdout != hostMnt+"\nprocok\n" {
		t.Fatalf("got %q, want the host's mount namespace %s", r.stdout, hostMnt)
	}
	if after := rootPropagation(t); after != before {
		t.Fatalf("host / propagation changed: %q -> %q", before, after)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mi), b) {
		t.Fatalf("mounts under the bundle left on the host:\n%s", mi)
	}
}

// Joining a mount namespace by path: the container's mounts go under its
// rootfs inside that namespace; the namespace's own root stays.
func TestJoinMountNamespaceByPath(t *testing.T) {
	e := newEnv(t)
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("util-linux unshare: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	var target string
	for i := 0; i < 200; i++ { // unshare execs sleep once it is in the new namespace
		if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); strings.TrimSpace(string(comm)) == "sleep" {
			target, _ = os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/mnt")
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if target == "" {
		t.Fatal("unshare never ran sleep")
	}
	out := e.sh("readlink /proc/self/ns/mnt; echo ok", func(s *specs.Spec) {
		joinPath(s, specs.MountNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/mnt")
	})
	if out != target+"\nok\n" {
		t.Fatalf("got %q, want %s", out, target)
	}
	root, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/root")
	if root != "/" {
		t.Fatalf("the joined namespace's process now has root %q", root)
	}
}
