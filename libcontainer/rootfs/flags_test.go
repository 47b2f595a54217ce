package rootfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestStFlagsToMS(t *testing.T) {
	tests := []struct {
		st   int64
		want uintptr
	}{
		{0, 0},
		{unix.ST_RDONLY | unix.ST_NOSUID, unix.MS_RDONLY | unix.MS_NOSUID},
		{unix.ST_NODEV | unix.ST_NOEXEC, unix.MS_NODEV | unix.MS_NOEXEC},
		// ST_RELATIME (4096) is MS_BIND's bit: it must map to MS_RELATIME.
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{unix.ST_NOATIME | unix.ST_NODIRATIME, unix.MS_NOATIME | unix.MS_NODIRATIME},
		{unix.ST_SYNCHRONOUS, 0}, // not a lockable per-mount flag here
	}
	for _, tt := range tests {
		if got := stFlagsToMS(tt.st); got != tt.want {
			t.Errorf("stFlagsToMS(%#x) = %#x, want %#x", tt.st, got, tt.want)
		}
	}
}
