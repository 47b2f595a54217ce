package spec

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []string
		flags uintptr
		prop  []uintptr
		data  string
		rec   MountAttr
	}{
		{"none", nil, 0, nil, "", MountAttr{}},
		{"runc default /dev", []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
			unix.MS_NOSUID | unix.MS_STRICTATIME, nil, "mode=755,size=65536k", MountAttr{}},
		{"devpts", []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
			unix.MS_NOSUID | unix.MS_NOEXEC, nil, "newinstance,ptmxmode=0666,mode=0620,gid=5", MountAttr{}},
		{"read-only bind", []string{"rbind", "ro", "nodev"},
			unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NODEV, nil, "", MountAttr{}},
		{"later rw clears ro", []string{"ro", "nosuid", "rw"}, unix.MS_NOSUID, nil, "", MountAttr{}},
		{"later ro sets again", []string{"rw", "ro"}, unix.MS_RDONLY, nil, "", MountAttr{}},
		{"negative forms clear", []string{"nosuid", "nodev", "noexec", "sync", "mand", "noatime", "nodiratime",
			"relatime", "strictatime", "lazytime", "iversion", "silent", "nosymfollow",
			"suid", "dev", "exec", "async", "nomand", "atime", "diratime", "norelatime", "nostrictatime",
			"nolazytime", "noiversion", "loud", "symfollow"}, 0, nil, "", MountAttr{}},
		{"every positive flag", []string{"ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "remount", "mand",
			"noatime", "nodiratime", "relatime", "strictatime", "bind", "lazytime", "iversion", "silent", "nosymfollow", "defaults"},
			unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC |
				unix.MS_REMOUNT | unix.MS_MANDLOCK | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME |
				unix.MS_STRICTATIME | unix.MS_BIND | unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT | unix.MS_NOSYMFOLLOW,
			nil, "", MountAttr{}},
		{"propagation kept in order", []string{"rbind", "rprivate", "shared", "rslave", "unbindable", "runbindable", "private", "slave", "rshared"},
			unix.MS_BIND | unix.MS_REC,
			[]uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_SLAVE | unix.MS_REC, unix.MS_UNBINDABLE,
				unix.MS_UNBINDABLE | unix.MS_REC, unix.MS_PRIVATE, unix.MS_SLAVE, unix.MS_SHARED | unix.MS_REC},
			"", MountAttr{}},
		{"unknown options are data in order", []string{"lowerdir=/a:/b", "tmpcopyup", "upperdir=/u", "xino=off"},
			0, nil, "lowerdir=/a:/b,tmpcopyup,upperdir=/u,xino=off", MountAttr{}},
		{"recursive read-only", []string{"rbind", "rro", "rnosuid", "rnodev", "rnoexec"}, unix.MS_BIND | unix.MS_REC, nil, "",
			MountAttr{Set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}},
		{"recursive clear forms", []string{"rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"}, 0, nil, "",
			MountAttr{Clear: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW}},
		{"recursive later wins", []string{"rro", "rrw", "rsuid", "rnosuid"}, 0, nil, "",
			MountAttr{Set: unix.MOUNT_ATTR_NOSUID, Clear: unix.MOUNT_ATTR_RDONLY}},
		{"recursive atime field", []string{"rnoatime"}, 0, nil, "",
			MountAttr{Set: unix.MOUNT_ATTR_NOATIME, Clear: unix.MOUNT_ATTR__ATIME}},
		{"recursive atime last wins", []string{"rnoatime", "rstrictatime"}, 0, nil, "",
			MountAttr{Set: unix.MOUNT_ATTR_STRICTATIME, Clear: unix.MOUNT_ATTR__ATIME}},
		{"recursive relatime", []string{"rnodiratime", "rrelatime"}, 0, nil, "",
			MountAttr{Set: unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_RELATIME, Clear: unix.MOUNT_ATTR__ATIME}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			flags, prop, data, rec := ParseMountOptions(tc.opts)
			if flags != tc.flags {
				t.Errorf("flags %#x, want %#x", flags, tc.flags)
			}
			if !reflect.DeepEqual(prop, tc.prop) {
				t.Errorf("propagation %#x, want %#x", prop, tc.prop)
			}
			if data != tc.data {
				t.Errorf("data %q, want %q", data, tc.data)
			}
			if rec != tc.rec {
				t.Errorf("recursive attrs %+v, want %+v", rec, tc.rec)
			}
			if rec.Empty() != (tc.rec == MountAttr{}) {
				t.Errorf("Empty() = %v for %+v", rec.Empty(), rec)
			}
		})
	}
}

// TestMountOptionTablesDisjoint guards against an option in two tables,
// where ParseMountOptions would silently use only the first.
func TestMountOptionTablesDisjoint(t *testing.T) {
	for name := range PropagationFlags {
		if _, ok := MountFlags[name]; ok {
			t.Errorf("%q is both a flag and a propagation", name)
		}
	}
	for name := range recursiveAttrs {
		if _, ok := MountFlags[name]; ok {
			t.Errorf("%q is both a flag and a recursive attribute", name)
		}
		if _, ok := PropagationFlags[name]; ok {
			t.Errorf("%q is both a propagation and a recursive attribute", name)
		}
	}
}
