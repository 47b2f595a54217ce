package fs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
)

var testMounts = []cgutil.Mount{
	{Point: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Subsystems: []string{"cpu", "cpuacct"}},
	{Point: "/sys/fs/cgroup/memory", Root: "/", Subsystems: []string{"memory"}},
	{Point: "/sys/fs/cgroup/devices", Root: "/", Subsystems: []string{"devices"}},
	{Point: "/sys/fs/cgroup/unified", Root: "/", V2: true},
}

var testOwn = map[string]string{"cpu": "/user/1", "cpuacct": "/user/1", "memory": "/", "devices": "/d", "": "/u"}

func TestComputePaths(t *testing.T) {
	for _, c := range []struct {
		name   string
		mounts []cgutil.Mount
		inner  string
		hybrid bool
		want   map[string]string
		err    string
	}{
		{
			name: "absolute", mounts: testMounts, inner: "/hull/c1",
			want: map[string]string{
				"cpu": "/sys/fs/cgroup/cpu,cpuacct/hull/c1", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/hull/c1",
				"memory": "/sys/fs/cgroup/memory/hull/c1", "devices": "/sys/fs/cgroup/devices/hull/c1",
			},
		},
		{
			name: "relative to own cgroup", mounts: testMounts, inner: "c1",
			want: map[string]string{
				"cpu": "/sys/fs/cgroup/cpu,cpuacct/user/1/c1", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/user/1/c1",
				"memory": "/sys/fs/cgroup/memory/c1", "devices": "/sys/fs/cgroup/devices/d/c1",
			},
		},
		{
			name: "hybrid joins the cgroup2 mount", mounts: testMounts, inner: "/c1", hybrid: true,
			want: map[string]string{
				"cpu": "/sys/fs/cgroup/cpu,cpuacct/c1", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/c1",
				"memory": "/sys/fs/cgroup/memory/c1", "devices": "/sys/fs/cgroup/devices/c1",
				"": "/sys/fs/cgroup/unified/c1",
			},
		},
		{
			name: "namespaced mount root is cut", inner: "c1",
			mounts: []cgutil.Mount{{Point: "/sys/fs/cgroup/devices", Root: "/d", Subsystems: []string{"devices"}}},
			want:   map[string]string{"devices": "/sys/fs/cgroup/devices/c1"},
		},
		{
			name: "no devices hierarchy", inner: "/c1", err: "devices cgroup hierarchy is not mounted",
			mounts: []cgutil.Mount{{Point: "/sys/fs/cgroup/memory", Root: "/", Subsystems: []string{"memory"}}},
		},
		{name: "empty path", mounts: testMounts, inner: "", err: "empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := computePaths(c.mounts, testOwn, c.inner, c.hybrid)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v\nwant %v", got, c.want)
			}
		})
	}
}
