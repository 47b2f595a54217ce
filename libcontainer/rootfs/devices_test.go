package rootfs

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestDeviceMode(t *testing.T) {
	mode := func(m os.FileMode) *os.FileMode { return &m }
	tests := []struct {
		typ  string
		perm *os.FileMode
		want uint32
		err  bool
	}{
		{"c", nil, unix.S_IFCHR | 0o666, false},
		{"u", mode(0o620), unix.S_IFCHR | 0o620, false},
		{"b", mode(0o600), unix.S_IFBLK | 0o600, false},
		{"p", mode(0o644), unix.S_IFIFO | 0o644, false},
		{"x", nil, 0, true},
	}
	for _, tt := range tests {
		d := specs.LinuxDevice{Path: "/dev/x", Type: tt.typ, FileMode: tt.perm}
		got, err := deviceMode(d)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("deviceMode(%q) = %#o, %v; want %#o, err %v", tt.typ, got, err, tt.want, tt.err)
		}
	}
}
