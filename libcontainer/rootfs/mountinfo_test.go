package rootfs

import "testing"

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		line string
		want mountinfo
		ok   bool
	}{
		{
			line: `36 35 98:0 /mnt1 /mnt/a\040b rw,noatime master:1 - ext3 /dev/root rw,errors=continue`,
			want: mountinfo{root: "/mnt1", mountpoint: "/mnt/a b", options: "rw,noatime", optional: "master:1",
				major: "98:0", fstype: "ext3", superOptions: "rw,errors=continue"},
			ok: true,
		},
		{
			line: `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:7 - cgroup cgroup rw,cpu,cpuacct`,
			want: mountinfo{root: "/", mountpoint: "/sys/fs/cgroup/cpu,cpuacct", options: "rw,relatime", optional: "shared:7",
				major: "0:29", fstype: "cgroup", superOptions: "rw,cpu,cpuacct"},
			ok: true,
		},
		{line: "garbage", ok: false},
	}
	for _, tt := range tests {
		got, ok := parseMountinfo(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseMountinfo(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}
