package rootfs

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/spec"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []string
		flags uintptr
		props []uintptr
		data  string
		rec   spec.MountAttr
		err   string
	}{
		{name: "empty"},
		{name: "defaults", opts: []string{"defaults"}},
		{name: "flags", opts: []string{"ro", "nosuid", "nodev", "noexec"},
			flags: unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
		{name: "later option wins", opts: []string{"ro", "rw", "nosuid", "suid", "noexec"}, flags: unix.MS_NOEXEC},
		{name: "rbind", opts: []string{"rbind", "ro"}, flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{name: "atime", opts: []string{"strictatime", "noatime", "atime"}, flags: unix.MS_STRICTATIME},
		{name: "data kept in order", opts: []string{"nosuid", "mode=755", "size=65536k"},
			flags: unix.MS_NOSUID, data: "mode=755,size=65536k"},
		{name: "propagation in order", opts: []string{"bind", "rprivate", "shared"}, flags: unix.MS_BIND,
			props: []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED}},
		{name: "tmpcopyup ignored", opts: []string{"tmpcopyup", "mode=1777"}, data: "mode=1777"},
		{name: "overlay data", opts: []string{"lowerdir=/a:/b", "upperdir=/u", "workdir=/w"},
			data: "lowerdir=/a:/b,upperdir=/u,workdir=/w"},
		{name: "idmap unsupported", opts: []string{"rbind", "idmap"}, err: `"idmap" is not supported`},
		{name: "recursive attrs", opts: []string{"rbind", "rro", "rnosuid"}, flags: unix.MS_BIND | unix.MS_REC,
			rec: spec.MountAttr{Set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMountOptions(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.flags != tt.flags || got.data != tt.data || !reflect.DeepEqual(got.propagation, tt.props) || got.rec != tt.rec {
				t.Errorf("got flags %#x props %v data %q, want %#x %v %q", got.flags, got.propagation, got.data, tt.flags, tt.props, tt.data)
			}
		})
	}
}

func TestRootPropagation(t *testing.T) {
	tests := []struct {
		name  string
		flags uintptr
		err   bool
	}{
		{"", unix.MS_SLAVE | unix.MS_REC, false},
		{"rprivate", unix.MS_PRIVATE | unix.MS_REC, false},
		{"shared", unix.MS_SHARED, false},
		{"runbindable", unix.MS_UNBINDABLE | unix.MS_REC, false},
		{"bogus", 0, true},
	}
	for _, tt := range tests {
		got, err := rootPropagation(tt.name)
		if (err != nil) != tt.err || got != tt.flags {
			t.Errorf("rootPropagation(%q) = %#x, %v; want %#x, err %v", tt.name, got, err, tt.flags, tt.err)
		}
	}
}
