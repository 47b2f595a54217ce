package clients

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestDockerRuntimeName(t *testing.T) {
	for in, want := range map[string]string{"hull": "hull", "runc": "runc-ref", "crun": "crun"} {
		if got := dockerRuntimeName(Runtime{Name: in}); got != want {
			t.Errorf("dockerRuntimeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDockerDaemonConfig(t *testing.T) {
	b, err := dockerDaemonConfig("hull", "/opt/bin/hull", "overlay2", "/hull-docker-abc")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Runtimes       map[string]struct{ Path string }
		DefaultRuntime string `json:"default-runtime"`
		StorageDriver  string `json:"storage-driver"`
		CgroupParent   string `json:"cgroup-parent"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if cfg.Runtimes["hull"].Path != "/opt/bin/hull" || cfg.DefaultRuntime != "hull" || cfg.StorageDriver != "overlay2" || cfg.CgroupParent != "/hull-docker-abc" || len(cfg.Runtimes) != 1 {
		t.Errorf("daemon.json: %s", b)
	}
}

func TestDockerPickNets(t *testing.T) {
	// The first candidate overlaps a used route; the second is free.
	cands := []uint32{0, 1 << 8, 0}
	i := 0
	rnd := func() uint32 { v := cands[i%len(cands)]; i++; return v }
	used := []netip.Prefix{netip.MustParsePrefix("10.200.2.0/24"), netip.MustParsePrefix("192.168.0.0/16")}
	p, err := dockerPickNets(used, rnd)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != "10.200.4.0/22" {
		t.Errorf("picked %s, want 10.200.4.0/22", p)
	}
	// Everything taken: an error, not a loop.
	if _, err := dockerPickNets([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, rnd); err == nil {
		t.Error("picked a /22 inside a used 10.0.0.0/8")
	}
	if got := dockerSubnet(p, 2, 0); got != "10.200.6.0/24" {
		t.Errorf("subnet 2 = %s", got)
	}
	if got := dockerSubnet(p, 3, 1); got != "10.200.7.1" {
		t.Errorf("subnet 3 host 1 = %s", got)
	}
}

func TestDockerParseRoutes(t *testing.T) {
	in := `default via 10.0.2.2 dev eth0
10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15
local 10.0.2.15 dev eth0 table local proto kernel scope host src 10.0.2.15
broadcast 10.0.2.255 dev eth0 table local proto kernel scope link src 10.0.2.15
172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
`
	var got []string
	for _, p := range dockerParseRoutes(in) {
		got = append(got, p.String())
	}
	want := []string{"10.0.2.0/24", "10.0.2.15/32", "10.0.2.255/32", "172.17.0.0/16"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes = %v, want %v", got, want)
	}
}

func TestDockerParseLdd(t *testing.T) {
	in := "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n"
	want := []string{"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}
	if got := dockerParseLdd(in); !reflect.DeepEqual(got, want) {
		t.Errorf("libs = %v, want %v", got, want)
	}
}

func TestDockerMountsUnder(t *testing.T) {
	mi := `22 1 8:1 / / rw - ext4 /dev/vda rw
100 22 0:50 / /tmp/hc-1/data/overlay2/abc/merged rw - overlay overlay rw
101 22 0:4 net:[4026532] /tmp/hc-1/exec/netns/1a2b rw - nsfs nsfs rw
102 22 0:51 / /tmp/hc-1/exec rw - tmpfs tmpfs rw
103 22 0:52 / /tmp/hc-10/data rw - tmpfs tmpfs rw
104 22 0:53 / /tmp/hc-1/with\040space rw - tmpfs tmpfs rw
105 102 0:54 / /tmp/hc-1/exec rw - tmpfs tmpfs rw
`
	got := dockerMountsUnder(mi, "/tmp/hc-1/")
	want := []string{"/tmp/hc-1/data/overlay2/abc/merged", "/tmp/hc-1/exec/netns/1a2b", "/tmp/hc-1/exec", "/tmp/hc-1/with space", "/tmp/hc-1/exec"}
	if len(got) != len(want) {
		t.Fatalf("mounts = %q, want %q", got, want)
	}
	// Deepest first; of the two mounts on exec, the later (top) one first:
	// both are "/tmp/hc-1/exec", so only depth order is visible here.
	depth := func(s string) int { return strings.Count(s, "/") }
	for i := 1; i < len(got); i++ {
		if depth(got[i]) > depth(got[i-1]) {
			t.Errorf("not deepest first: %q", got)
		}
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing %q in %q", w, got)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g, "/tmp/hc-10") {
			t.Errorf("%q is not under /tmp/hc-1", g)
		}
	}
}

func TestUnescapeMountinfoEscapes(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/a\134b`: `/a\b`, `/plain`: "/plain", `/end\04`: `/end\04`} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

const dockerTestRules = `-P FORWARD ACCEPT
-N DOCKER
-N DOCKER-ISOLATION-STAGE-1
-N DOCKER-USER
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o hullbrabc -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i hullbrabc ! -o hullbrabc -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-USER -j RETURN
-A INPUT -m comment --comment "keep \"me\"" -j ACCEPT
`

func TestDockerIptablesDeletes(t *testing.T) {
	got := dockerIptablesDeletes(dockerTestRules, []string{"hullbrabc", "10.200.4.0/24"})
	want := [][]string{
		{"-D", "FORWARD", "-o", "hullbrabc", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
		{"-D", "FORWARD", "-i", "hullbrabc", "!", "-o", "hullbrabc", "-j", "ACCEPT"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deletes = %q, want %q", got, want)
	}
	args, err := dockerSplitRule(`-A INPUT -m comment --comment "keep \"me\"" -j ACCEPT`)
	if err != nil || !reflect.DeepEqual(args, []string{"-A", "INPUT", "-m", "comment", "--comment", `keep "me"`, "-j", "ACCEPT"}) {
		t.Errorf("split = %q, %v", args, err)
	}
	if _, err := dockerSplitRule(`-A X --comment "open`); err == nil {
		t.Error("unbalanced quote accepted")
	}
}

func TestDockerIptablesResidue(t *testing.T) {
	// Still holding a bridge's rules in a DOCKER chain: in use, keep.
	inUse := dockerTestRules + "-A DOCKER -d 172.17.0.2/32 -j ACCEPT\n"
	if got := dockerIptablesResidue(inUse); got != nil {
		t.Errorf("in-use chains removed: %q", got)
	}
	got := dockerIptablesResidue(dockerTestRules)
	want := [][]string{
		{"-D", "FORWARD", "-j", "DOCKER-USER"},
		{"-D", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1"},
		{"-F", "DOCKER"}, {"-F", "DOCKER-ISOLATION-STAGE-1"}, {"-F", "DOCKER-USER"},
		{"-X", "DOCKER"}, {"-X", "DOCKER-ISOLATION-STAGE-1"}, {"-X", "DOCKER-USER"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("residue = %q, want %q", got, want)
	}
	nat := "-P PREROUTING ACCEPT\n-N DOCKER\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER\n"
	got = dockerIptablesResidue(nat)
	want = [][]string{
		{"-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"},
		{"-D", "OUTPUT", "!", "-d", "127.0.0.0/8", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"},
		{"-F", "DOCKER"}, {"-X", "DOCKER"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nat residue = %q, want %q", got, want)
	}
	if got := dockerIptablesResidue("-P INPUT ACCEPT\n"); len(got) != 0 {
		t.Errorf("no docker chains, yet %q", got)
	}
}

func TestDockerComposeFile(t *testing.T) {
	f := dockerComposeFile("img:1", "hull", "10.200.7.0/24")
	for _, want := range []string{`version: "2.4"`, "    runtime: hull\n", "image: img:1", "subnet: 10.200.7.0/24", "  web:\n", "  client:\n"} {
		if !strings.Contains(f, want) {
			t.Errorf("compose file lacks %q:\n%s", want, f)
		}
	}
	if strings.Count(f, "runtime: hull") != 2 {
		t.Errorf("both services need the runtime:\n%s", f)
	}
}

func TestDockerFreePort(t *testing.T) {
	for _, nw := range []string{"tcp", "udp"} {
		p, err := dockerFreePort(nw)
		if err != nil || p <= 0 || p > 65535 {
			t.Errorf("%s port %d, %v", nw, p, err)
		}
	}
}

func TestDockerScenarioRegistered(t *testing.T) {
	sc := dockerScenario()
	seen := map[string]bool{}
	for _, st := range sc.Steps {
		if seen[st.Name] {
			t.Errorf("duplicate step %q", st.Name)
		}
		seen[st.Name] = true
	}
	found := false
	for _, r := range All() {
		found = found || r.Name == "docker"
	}
	if !found {
		t.Error("docker scenario not registered")
	}
}
