package integration

import (
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestHostnameAndDomainname(t *testing.T) {
	e := newEnv(t)
	out := e.sh("hostname; cat /proc/sys/kernel/domainname", func(s *specs.Spec) {
		s.Hostname, s.Domainname = "box1", "example.org"
	})
	if out != "box1\nexample.org\n" {
		t.Fatalf("hostname/domainname: %q", out)
	}
}

func TestProcessUserCwdEnvUmask(t *testing.T) {
	e := newEnv(t)
	umask := uint32(0o027)
	out := e.sh("id -u; id -g; id -G; pwd; echo $FOO; umask", func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{2000, 2001}, Umask: &umask}
		s.Process.Cwd = "/work/dir"
		s.Process.Env = append(s.Process.Env, "FOO=bar baz")
	})
	want := "1000\n1001\n1001 2000 2001\n/work/dir\nbar baz\n0027\n"
	if out != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func TestRlimitsAndOOMScore(t *testing.T) {
	e := newEnv(t)
	adj := 500
	out := e.sh("grep 'Max open files' /proc/self/limits; cat /proc/self/oom_score_adj", func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 768}}
		s.Process.OOMScoreAdj = &adj
	})
	fields := strings.Fields(out)
	if len(fields) < 6 || fields[3] != "512" || fields[4] != "768" || fields[6] != "500" {
		t.Fatalf("limits/oom: %q", out)
	}
}

func TestCapabilitiesAndNoNewPrivs(t *testing.T) {
	e := newEnv(t)
	out := e.sh("grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status", func(s *specs.Spec) {
		caps := []string{"CAP_CHOWN", "CAP_KILL"}
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
		s.Process.NoNewPrivileges = true
	})
	// CAP_CHOWN is bit 0, CAP_KILL bit 5.
	for _, want := range []string{"CapEff:\t0000000000000021", "CapBnd:\t0000000000000021", "NoNewPrivs:\t1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}
}

func TestPidNamespace(t *testing.T) {
	e := newEnv(t)
	// Fields 6 and 8 of stat: the session id and the terminal's process
	// group; the process leads a session of its own (as with runc).
	out := e.sh("echo $$; cut -d' ' -f6 /proc/1/stat", nil)
	if out != "1\n1\n" {
		t.Fatalf("want pid 1 leading session 1, got %q", out)
	}
}

func TestUserNamespaceMappings(t *testing.T) {
	e := newEnv(t)
	out := e.sh("cat /proc/self/uid_map /proc/self/gid_map; id -u", func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 200000, Size: 10}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}}
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("maps: %q", out)
	}
	if f := strings.Fields(lines[0]); fmt.Sprint(f) != "[0 100000 1000]" {
		t.Fatalf("uid_map line 1: %q", lines[0])
	}
	if f := strings.Fields(lines[1]); fmt.Sprint(f) != "[1000 200000 10]" {
		t.Fatalf("uid_map line 2: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); fmt.Sprint(f) != "[0 100000 1000]" {
		t.Fatalf("gid_map: %q", lines[2])
	}
	if lines[3] != "0" {
		t.Fatalf("id -u in user namespace: %q", lines[3])
	}
}

func TestNetworkLoopbackUp(t *testing.T) {
	e := newEnv(t)
	out := e.sh("ip -o link show; (nc -l -p 4321 >/dev/null &) ; sleep 0.2; echo hi | nc 127.0.0.1 4321 && echo connok", nil)
	if !strings.Contains(out, "lo: <LOOPBACK,UP") || strings.Contains(out, "eth0") || !strings.Contains(out, "connok") {
		t.Fatalf("network namespace: %q", out)
	}
}

func TestSysctl(t *testing.T) {
	e := newEnv(t)
	out := e.sh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni", func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
	})
	if out != "1\n1234\n" {
		t.Fatalf("sysctl: %q", out)
	}
}

func TestTimeNamespaceOffsets(t *testing.T) {
	e := newEnv(t)
	out := e.sh("cut -d. -f1 /proc/uptime", func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 10000000}}
	})
	var up int
	fmt.Sscan(out, &up)
	if up < 10000000 {
		t.Fatalf("uptime %q inside time namespace with +10000000s boottime offset", out)
	}
}

func TestCgroupNamespace(t *testing.T) {
	e := newEnv(t)
	out := e.sh("cat /proc/self/cgroup", func(s *specs.Spec) {
		joinPath(s, specs.CgroupNamespace, "") // runc's default spec has one on cgroup2 hosts
	})
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && (strings.Contains(parts[1], "memory") || parts[0] == "0") && parts[2] != "/" {
			t.Fatalf("memory cgroup not rooted at / in cgroup namespace: %q", out)
		}
	}
}
