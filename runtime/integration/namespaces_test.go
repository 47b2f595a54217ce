package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// startSleeper creates and starts a container running sleep, changed by
// mutate, and returns its init pid.
func (e *env) startSleeper(mutate func(s *specs.Spec)) int {
	e.t.Helper()
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "1000"}
		if mutate != nil {
			mutate(s)
		}
	})
	id := e.id()
	must(e.t, e.hull("run", "--detach", "--bundle", b, id), "run -d sleeper")
	return e.state(id).Pid
}

func nsLink(t *testing.T, pid int, ns string) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func joinPath(s *specs.Spec, typ specs.LinuxNamespaceType, path string) {
	for i, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			s.Linux.Namespaces[i].Path = path
			return
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
}

func TestJoinNetworkAndUTSByPath(t *testing.T) {
	e := newEnv(t)
	pid := e.startSleeper(func(s *specs.Spec) { s.Hostname = "first" })
	out := e.sh("readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname", func(s *specs.Spec) {
		s.Hostname = "" // setting one would rename the joined namespace
		joinPath(s, specs.NetworkNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/net")
		joinPath(s, specs.UTSNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/uts")
	})
	want := nsLink(t, pid, "net") + "\n" + nsLink(t, pid, "uts") + "\nfirst\n"
	if out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

// Joining a pid namespace needs the nsenter constructor's fork.
func TestJoinPidNamespaceByPath(t *testing.T) {
	e := newEnv(t)
	pid := e.startSleeper(nil)
	out := e.sh("readlink /proc/self/ns/pid; ps -o args | grep -c '[s]leep 1000'; echo $$", func(s *specs.Spec) {
		joinPath(s, specs.PIDNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/pid")
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != nsLink(t, pid, "pid") || lines[1] != "1" || lines[2] == "1" {
		t.Fatalf("joined pid namespace: %q (sleeper's ns %s)", out, nsLink(t, pid, "pid"))
	}
}

// A new user namespace with a network namespace joined by path: nsenter
// joins first, then creates the user namespace and waits for its maps.
func TestNewUserNamespaceWithJoinedNetwork(t *testing.T) {
	e := newEnv(t)
	pid := e.startSleeper(nil)
	out := e.sh("readlink /proc/self/ns/net; cat /proc/self/uid_map; id -u", func(s *specs.Spec) {
		joinPath(s, specs.NetworkNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/net")
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 300000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 300000, Size: 65536}}
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != nsLink(t, pid, "net") || strings.Join(strings.Fields(lines[1]), " ") != "0 300000 65536" || lines[2] != "0" {
		t.Fatalf("got %q", out)
	}
}

// Joining the user and mount namespaces of another container by path.
func TestJoinUserAndMountNamespaceByPath(t *testing.T) {
	e := newEnv(t)
	pid := e.startSleeper(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 400000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 400000, Size: 65536}}
	})
	out := e.sh("readlink /proc/self/ns/user; cat /proc/self/uid_map", func(s *specs.Spec) {
		joinPath(s, specs.UserNamespace, "/proc/"+strconv.Itoa(pid)+"/ns/user")
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != nsLink(t, pid, "user") || strings.Join(strings.Fields(lines[1]), " ") != "0 400000 65536" {
		t.Fatalf("got %q", out)
	}
}
