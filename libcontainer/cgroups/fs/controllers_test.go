package fs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestControllerWrites applies one resource at a time to a fake cgroup
// directory and checks the files each controller writes.
func TestControllerWrites(t *testing.T) {
	for _, c := range []struct {
		name  string
		sub   subsystem
		files map[string]string // initial files
		r     specs.LinuxResources
		want  map[string]string // file -> content after set
	}{
		{
			name: "memory", sub: memoryGroup{},
			files: map[string]string{memLimit: "1000", swapFile: "1000", "memory.soft_limit_in_bytes": "", "memory.swappiness": "60", "memory.oom_control": "0"},
			r: specs.LinuxResources{Memory: &specs.LinuxMemory{
				Limit: i64(4096), Swap: i64(8192), Reservation: i64(2048), Swappiness: u64(10), DisableOOMKiller: boolp(true),
			}},
			want: map[string]string{memLimit: "4096", swapFile: "8192", "memory.soft_limit_in_bytes": "2048", "memory.swappiness": "10", "memory.oom_control": "1"},
		},
		{
			name: "unlimited memory means unlimited swap", sub: memoryGroup{},
			files: map[string]string{memLimit: "1000", swapFile: "1000"},
			r:     specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			want:  map[string]string{memLimit: "-1", swapFile: "-1"},
		},
		{
			name: "cpu", sub: cpuGroup{},
			files: map[string]string{"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000", "cpu.cfs_burst_us": "0", "cpu.idle": "0"},
			r:     specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512), Quota: i64(5000), Period: u64(50000), Burst: u64(100), Idle: i64(1)}},
			want:  map[string]string{"cpu.shares": "512", "cpu.cfs_quota_us": "5000", "cpu.cfs_period_us": "50000", "cpu.cfs_burst_us": "100", "cpu.idle": "1"},
		},
		{
			name: "cpuset", sub: cpusetGroup{},
			files: map[string]string{"cpuset.cpus": "0-1", "cpuset.mems": "0"},
			r:     specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1", Mems: "0"}},
			want:  map[string]string{"cpuset.cpus": "1", "cpuset.mems": "0"},
		},
		{
			name: "pids unlimited", sub: pidsGroup{},
			files: map[string]string{"pids.max": "10"},
			r:     specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}},
			want:  map[string]string{"pids.max": "max"},
		},
		{
			name: "blkio with bfq", sub: blkioGroup{},
			files: map[string]string{"blkio.bfq.weight": "100", "blkio.bfq.weight_device": "", "blkio.throttle.read_bps_device": ""},
			r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
				Weight:                u16(300),
				WeightDevice:          []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(200)}},
				ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 1048576}},
			}},
			want: map[string]string{"blkio.bfq.weight": "300", "blkio.bfq.weight_device": "8:0 200", "blkio.throttle.read_bps_device": "8:16 1048576"},
		},
		{
			name: "hugetlb with reservation", sub: hugetlbGroup{},
			files: map[string]string{"hugetlb.2MB.limit_in_bytes": "", "hugetlb.2MB.rsvd.limit_in_bytes": ""},
			r:     specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}}},
			want:  map[string]string{"hugetlb.2MB.limit_in_bytes": "4194304", "hugetlb.2MB.rsvd.limit_in_bytes": "4194304"},
		},
		{
			name: "net_cls", sub: netClsGroup{},
			files: map[string]string{"net_cls.classid": "0"},
			r:     specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: func() *uint32 { v := uint32(0x100001); return &v }()}},
			want:  map[string]string{"net_cls.classid": "1048577"},
		},
		{
			name: "devices end with the default allow list", sub: devicesGroup{},
			files: map[string]string{"devices.allow": "", "devices.deny": ""},
			r:     specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}},
			want:  map[string]string{"devices.deny": "a", "devices.allow": "c 10:200 rwm"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := fakeCgroup(t, c.files)
			if c.sub.requested(&c.r) == "" {
				t.Fatalf("%s does not see the request", c.sub.name())
			}
			if err := c.sub.set(dir, &c.r); err != nil {
				t.Fatalf("set: %v", err)
			}
			for f, v := range c.want {
				if got := fileContent(t, dir, f); got != v {
					t.Errorf("%s = %q, want %q", f, got, v)
				}
			}
		})
	}
}

// TestControllerErrors: values the host cannot honour name the spec field.
func TestControllerErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		sub   subsystem
		files map[string]string
		r     specs.LinuxResources
		want  string
	}{
		{
			name: "swap without accounting", sub: memoryGroup{},
			files: map[string]string{memLimit: "0"},
			r:     specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(200)}},
			want:  "linux.resources.memory.swap: swap accounting not enabled",
		},
		{
			name: "swappiness out of range", sub: memoryGroup{},
			files: map[string]string{"memory.swappiness": "60"},
			r:     specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}},
			want:  "linux.resources.memory.swappiness: 101 is out of range",
		},
		{
			name: "checkBeforeUpdate", sub: memoryGroup{},
			files: map[string]string{memLimit: "0", "memory.usage_in_bytes": "5000"},
			r:     specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(4096), CheckBeforeUpdate: boolp(true)}},
			want:  "linux.resources.memory.limit: 4096 is not above the current usage 5000",
		},
		{
			name: "kernelTCP unsupported", sub: memoryGroup{},
			files: map[string]string{},
			r:     specs.LinuxResources{Memory: &specs.LinuxMemory{KernelTCP: i64(1)}},
			want:  "linux.resources.memory.kernelTCP: not supported",
		},
		{
			name: "rt without CONFIG_RT_GROUP_SCHED", sub: cpuGroup{},
			files: map[string]string{},
			r:     specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1000)}},
			want:  "linux.resources.cpu.realtimeRuntime: not supported",
		},
		{
			name: "unknown hugepage size", sub: hugetlbGroup{},
			files: map[string]string{"hugetlb.2MB.limit_in_bytes": ""},
			r:     specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}},
			want:  `linux.resources.hugepageLimits[0]: page size "3MB" is not supported`,
		},
		{
			name: "bad device type", sub: devicesGroup{},
			files: map[string]string{"devices.allow": "", "devices.deny": ""},
			r:     specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "x"}}},
			want:  `linux.resources.devices[0]: type "x"`,
		},
		{
			name: "blkio leaf weight without CFQ", sub: blkioGroup{},
			files: map[string]string{"blkio.bfq.weight": ""},
			r:     specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(10)}},
			want:  "linux.resources.blockIO.leafWeight: not supported",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := fakeCgroup(t, c.files)
			err := c.sub.set(dir, &c.r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("set = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestSetMissingSubsystem: a limit for a subsystem the host does not mount
// fails naming the field instead of being dropped.
func TestSetMissingSubsystem(t *testing.T) {
	m := Load(map[string]string{"devices": t.TempDir()})
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.pids.limit: the pids cgroup controller is not available") {
		t.Fatalf("Set = %v", err)
	}
}

func TestEnsureCpusetCopiesParent(t *testing.T) {
	root := fakeCgroup(t, map[string]string{"cpuset.cpus": "0-3", "cpuset.mems": "0"})
	// A fake cgroupfs does not create the control files of a new
	// directory, so pre-create them empty as the kernel would.
	child := root + "/a"
	mkFakeCgroupDir(t, child, "cpuset.cpus", "cpuset.mems")
	if err := ensureCpuset(child); err != nil {
		t.Fatal(err)
	}
	if got := fileContent(t, child, "cpuset.cpus"); got != "0-3" {
		t.Errorf("cpuset.cpus = %q, want the parent's 0-3", got)
	}
	if got := fileContent(t, child, "cpuset.mems"); got != "0" {
		t.Errorf("cpuset.mems = %q, want the parent's 0", got)
	}
}

func TestStatsParse(t *testing.T) {
	dir := fakeCgroup(t, map[string]string{
		"blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 512\nTotal 4608\n",
		"blkio.throttle.io_serviced_recursive":      "8:0 Read 2\n",
		"cpuacct.usage":                             "123456",
		"cpuacct.usage_percpu":                      "100000 23456 \n",
		"cpuacct.stat":                              "user 3\nsystem 2\n",
		"pids.current":                              "4",
		"pids.max":                                  "max",
	})
	var st cgstats.Stats
	for _, s := range []subsystem{blkioGroup{}, cpuacctGroup{}, pidsGroup{}} {
		if err := s.stats(dir, &st); err != nil {
			t.Fatalf("%s: %v", s.name(), err)
		}
	}
	if want := []cgstats.BlkioEntry{{Major: 8, Op: "Read", Value: 4096}, {Major: 8, Op: "Write", Value: 512}}; !reflect.DeepEqual(st.Blkio.IoServiceBytesRecursive, want) {
		t.Errorf("blkio bytes = %+v", st.Blkio.IoServiceBytesRecursive)
	}
	if st.CPU.Usage.Total != 123456 || len(st.CPU.Usage.Percpu) != 2 || st.CPU.Usage.User != 30000000 || st.CPU.Usage.Kernel != 20000000 {
		t.Errorf("cpu usage = %+v", st.CPU.Usage)
	}
	if st.Pids != (cgstats.Pids{Current: 4}) {
		t.Errorf("pids = %+v (unlimited reads as limit 0)", st.Pids)
	}
}
