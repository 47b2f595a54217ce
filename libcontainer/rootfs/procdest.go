package rootfs

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// procOverrides are the only files under /proc a mount may cover: the ones
// lxcfs emulates. Anything else could hide a kernel interface that masked
// paths rely on, or be used to redirect later writes (runc's checkProcMount).
var procOverrides = map[string]bool{
	"/proc/cpuinfo": true, "/proc/diskstats": true, "/proc/meminfo": true,
	"/proc/stat": true, "/proc/swaps": true, "/proc/uptime": true,
	"/proc/loadavg": true, "/proc/slabinfo": true, "/proc/net/dev": true,
	"/proc/pressure/cpu": true, "/proc/pressure/io": true, "/proc/pressure/memory": true,
	"/proc/sys/kernel/ns_last_pid": true,
}

// checkProcDest vets a mount whose resolved target is /proc or below it.
// src is the bind source handle, nil for a new filesystem.
func (m *mounter) checkProcDest(target *os.File, fstype string, src *os.File) error {
	dest, err := m.root.rel(target)
	if err != nil {
		return err
	}
	if dest != "/proc" && !strings.HasPrefix(dest, "/proc/") {
		return nil
	}
	if procOverrides[dest] {
		return nil
	}
	if dest == "/proc" && (fstype == "proc" || (src != nil && isFS(src, unix.PROC_SUPER_MAGIC))) {
		return nil
	}
	return fmt.Errorf("%s resolves into /proc (%s), where only proc or the lxcfs files may be mounted", fstype, dest)
}

// isFS reports whether a handle is on a filesystem with the given magic.
func isFS(f *os.File, magic int64) bool {
	var s unix.Statfs_t
	return unix.Fstatfs(int(f.Fd()), &s) == nil && int64(s.Type) == magic
}
