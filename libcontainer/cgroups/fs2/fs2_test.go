package fs2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func boolp(v bool) *bool   { return &v }

func fakeCgroup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func fileContent(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestComputeDir(t *testing.T) {
	mounts := []cgutil.Mount{{Point: "/sys/fs/cgroup", Root: "/", V2: true}}
	own := map[string]string{"": "/user.slice/session-1.scope"}
	for _, c := range []struct {
		name, inner, want, err string
		mounts                 []cgutil.Mount
	}{
		{name: "absolute", inner: "/hull/c1", want: "/sys/fs/cgroup/hull/c1", mounts: mounts},
		{name: "relative goes under the parent of our own cgroup", inner: "c1", want: "/sys/fs/cgroup/user.slice/c1", mounts: mounts},
		{name: "namespaced root", inner: "c1", want: "/sys/fs/cgroup/c1",
			mounts: []cgutil.Mount{{Point: "/sys/fs/cgroup", Root: "/user.slice", V2: true}}},
		{name: "no cgroup2", inner: "/c1", err: "no cgroup2 mount"},
		{name: "empty", inner: "", err: "empty", mounts: mounts},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := computeDir(c.mounts, own, c.inner)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("computeDir = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestSwapMax(t *testing.T) {
	for _, c := range []struct {
		swap, limit int64
		want        string
		err         bool
	}{
		{0, -1, "max", false},
		{-1, 100, "max", false},
		{0, 100, "", false},
		{300, 100, "200", false},
		{100, 100, "0", false}, // memory+swap == memory: no swap
		{50, 100, "", true},
		{100, 0, "", true},
		{100, -1, "", true},
	} {
		got, err := SwapMax(c.swap, c.limit)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("SwapMax(%d, %d) = %q, %v; want %q, err %v", c.swap, c.limit, got, err, c.want, c.err)
		}
	}
}

func TestConversions(t *testing.T) {
	for shares, want := range map[uint64]uint64{2: 1, 1024: 39, 262144: 10000, 0: 1, 1 << 20: 10000} {
		if got := SharesToWeight(shares); got != want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	for w, want := range map[uint16]uint64{10: 1, 1000: 10000, 500: 4950} {
		if got := BlkioToIOWeight(w); got != want {
			t.Errorf("BlkioToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
	for _, c := range []struct {
		quota  *int64
		period *uint64
		want   string
		ok     bool
	}{
		{nil, nil, "", false},
		{i64(5000), u64(10000), "5000 10000", true},
		{i64(-1), nil, "max", true},
		{nil, u64(20000), "max 20000", true},
		{i64(7000), nil, "7000", true},
	} {
		got, ok := CPUMax(c.quota, c.period)
		if got != c.want || ok != c.ok {
			t.Errorf("CPUMax = %q, %v; want %q, %v", got, ok, c.want, c.ok)
		}
	}
}

func TestSetWrites(t *testing.T) {
	files := map[string]string{
		"memory.max": "max", "memory.swap.max": "max", "memory.low": "0", "memory.current": "10",
		"cpu.weight": "100", "cpu.max": "max 100000", "cpu.idle": "0", "cpuset.cpus": "", "cpuset.mems": "",
		"pids.max": "max", "io.weight": "default 100", "io.max": "", "hugetlb.2MB.max": "max", "rdma.max": "",
		"memory.high": "max",
	}
	dir := fakeCgroup(t, files)
	handles := uint32(5)
	r := &specs.LinuxResources{
		Memory:         &specs.LinuxMemory{Limit: i64(1 << 20), Swap: i64(3 << 20), Reservation: i64(1 << 19)},
		CPU:            &specs.LinuxCPU{Shares: u64(1024), Quota: i64(5000), Period: u64(10000), Cpus: "0", Mems: "0", Idle: i64(1)},
		Pids:           &specs.LinuxPids{Limit: i64(20)},
		BlockIO:        &specs.LinuxBlockIO{Weight: u16(1000), ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 100}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 << 20}},
		Rdma:           map[string]specs.LinuxRdma{"mlx5_0": {HcaHandles: &handles}},
		Unified:        map[string]string{"memory.high": "900000"},
	}
	m := &Manager{dir: dir}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{
		"memory.max": "1048576", "memory.swap.max": "2097152", "memory.low": "524288",
		"cpu.weight": "39", "cpu.max": "5000 10000", "cpu.idle": "1", "cpuset.cpus": "0", "cpuset.mems": "0",
		"pids.max": "20", "io.weight": "default 10000", "io.max": "8:0 wiops=100", "hugetlb.2MB.max": "2097152",
		"rdma.max": "mlx5_0 hca_handle=5 hca_object=max", "memory.high": "900000",
	} {
		if got := fileContent(t, dir, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

func TestSetErrorsNameField(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		r     specs.LinuxResources
		want  string
	}{
		{"controller not enabled", nil, specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(3)}},
			"linux.resources.pids.limit: the pids controller is not enabled"},
		{"swappiness", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(1)}},
			"linux.resources.memory.swappiness: not supported on cgroup v2"},
		{"oom killer", nil, specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: boolp(true)}},
			"linux.resources.memory.disableOOMKiller"},
		{"swap without accounting", map[string]string{"memory.max": ""}, specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(200)}},
			"linux.resources.memory.swap: swap accounting not enabled"},
		{"check before update", map[string]string{"memory.max": "", "memory.current": "4096"},
			specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4000), CheckBeforeUpdate: boolp(true)}},
			"linux.resources.memory.limit: 4000 is not above the current usage 4096"},
		{"rt", nil, specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimePeriod: u64(1)}}, "realtimePeriod: not supported on cgroup v2"},
		{"unified path", nil, specs.LinuxResources{Unified: map[string]string{"../memory.max": "1"}}, `linux.resources.unified["../memory.max"]: not a cgroup file name`},
		{"unified core file", nil, specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, `linux.resources.unified["cgroup.procs"]`},
		{"unified missing", nil, specs.LinuxResources{Unified: map[string]string{"memory.oom.group": "1"}}, `linux.resources.unified["memory.oom.group"]: the memory controller is not enabled`},
		{"net_cls", nil, specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 1}}}}, "linux.resources.network"},
		{"hugepage size", map[string]string{"hugetlb.2MB.max": ""}, specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1}}},
			`linux.resources.hugepageLimits[0]: page size "1GB"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &Manager{dir: fakeCgroup(t, c.files)}
			err := m.Set(&c.r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Set = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestStatsParse(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"memory.current": "4096", "memory.max": "max", "memory.stat": "anon 1000\nfile 3000\n",
		"cpu.stat":     "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 2\nnr_throttled 1\nthrottled_usec 5\n",
		"pids.current": "3", "pids.max": "10",
		"io.stat": "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
	})
	st, err := (&Manager{dir: dir}).Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := cgstats.Stats{}
	want.Memory.Usage = cgstats.MemoryEntry{Usage: 4096}
	if st.Memory.Usage != want.Memory.Usage || st.Memory.Cache != 3000 {
		t.Errorf("memory = %+v", st.Memory)
	}
	if st.CPU.Usage.Total != 10000 || st.CPU.Usage.User != 6000 || st.CPU.Usage.Kernel != 4000 || st.CPU.Throttling.ThrottledTime != 5000 {
		t.Errorf("cpu = %+v", st.CPU)
	}
	if st.Pids != (cgstats.Pids{Current: 3, Limit: 10}) {
		t.Errorf("pids = %+v", st.Pids)
	}
	if len(st.Blkio.IoServiceBytesRecursive) != 2 || st.Blkio.IoServiceBytesRecursive[1] != (cgstats.BlkioEntry{Major: 8, Op: "Write", Value: 200}) {
		t.Errorf("io = %+v", st.Blkio)
	}
}

func TestEventValue(t *testing.T) {
	ev := "populated 1\nfrozen 0\n"
	if got := eventValue(ev, "frozen"); got != "0" {
		t.Errorf("frozen = %q", got)
	}
	if got := eventValue(ev, "missing"); got != "" {
		t.Errorf("missing = %q", got)
	}
}

func TestRootlessSkipsDeviceFilter(t *testing.T) {
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
	if err := (&Manager{dir: t.TempDir(), rootless: true}).Set(r); err != nil {
		t.Fatalf("rootless Set(devices) = %v, want the filter skipped", err)
	}
	// Not rootless, the same request must really try (and here fail: a
	// temporary directory is no cgroup to attach a program to).
	if err := (&Manager{dir: t.TempDir()}).Set(r); err == nil || !strings.Contains(err.Error(), "linux.resources.devices") {
		t.Fatalf("Set(devices) on a non-cgroup = %v, want an error naming linux.resources.devices", err)
	}
}
