// Package capabilities applies the spec's five capability sets to the init
// process: the bounding set while still root, then effective, permitted,
// inheritable and ambient after the uid change.
//
// Capabilities, the bounding set and the ambient set are per-thread in
// Linux. ApplyCaps sets the capability sets of every thread; the bounding
// and ambient sets act on the calling thread only (they matter at execve),
// so the caller must hold runtime.LockOSThread from ApplyBounding until it
// execs the user's process on that same thread.
package capabilities

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Caps holds the five sets as bit masks, ready to apply.
type Caps struct {
	bounding, effective, permitted, inheritable, ambient uint64
	last                                                 int
	unknown                                              []string
}

// New resolves the spec's capability names. Names this kernel (or hull) does
// not know are dropped and listed by Unknown, as runc 1.1 does, so that a
// config written for a newer kernel still runs. A nil c means no capabilities
// at all.
func New(c *specs.LinuxCapabilities) (*Caps, error) {
	last, err := LastCap()
	if err != nil {
		return nil, err
	}
	caps := &Caps{last: last}
	if c == nil {
		return caps, nil
	}
	seen := map[string]bool{}
	for _, set := range []struct {
		names []string
		mask  *uint64
	}{
		{c.Bounding, &caps.bounding},
		{c.Effective, &caps.effective},
		{c.Permitted, &caps.permitted},
		{c.Inheritable, &caps.inheritable},
		{c.Ambient, &caps.ambient},
	} {
		*set.mask = caps.resolve(set.names, seen)
	}
	return caps, nil
}

// resolve turns names into a mask, recording each unknown name once.
func (c *Caps) resolve(names []string, seen map[string]bool) uint64 {
	var mask uint64
	for _, name := range names {
		n, ok := capNumber(name)
		if !ok || n > c.last {
			if !seen[name] {
				seen[name] = true
				c.unknown = append(c.unknown, name)
			}
			continue
		}
		mask |= 1 << uint(n)
	}
	return mask
}

// Unknown lists the capability names New dropped because neither hull nor
// the running kernel knows them; the caller logs them as a warning.
func (c *Caps) Unknown() []string { return c.unknown }

// ApplyBounding drops from the bounding set every capability not in the
// spec's bounding list. It needs CAP_SETPCAP, so it runs before the uid
// change.
func (c *Caps) ApplyBounding() error {
	for n := 0; n <= c.last; n++ {
		if c.bounding&(1<<uint(n)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil && inBounding(n) {
			// Without CAP_SETPCAP even a no-op drop fails; only a cap
			// still in the set is a real failure.
			return fmt.Errorf("drop capability %s from bounding set: %w", capName(n), err)
		}
	}
	return nil
}

// inBounding reports whether capability n is in the calling thread's
// bounding set (an error reading it counts as present).
func inBounding(n int) bool {
	in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
	return err != nil || in == 1
}

// ApplyCaps sets effective, permitted and inheritable on every thread of
// the process (init is a multi-threaded Go program, and a runtime thread
// left with full capabilities is a way in for anyone who can write to the
// process), then replaces the calling thread's ambient set, which only
// matters at its execve. Ambient capabilities that are not also permitted
// and inheritable (the kernel refuses to raise those) are skipped; the
// caller may warn about them with UnraisableAmbient. It needs a process
// without cgo (syscall.AllThreadsSyscall).
func (c *Caps) ApplyCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		shift := uint(32 * i)
		data[i].Effective = uint32(c.effective >> shift)
		data[i].Permitted = uint32(c.permitted >> shift)
		data[i].Inheritable = uint32(c.inheritable >> shift)
	}
	_, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET,
		uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	runtime.KeepAlive(&hdr)
	runtime.KeepAlive(&data)
	if e != 0 {
		return fmt.Errorf("capset on every thread (effective %#x, permitted %#x, inheritable %#x): %w",
			c.effective, c.permitted, c.inheritable, e)
	}
	return c.applyAmbient()
}

func (c *Caps) applyAmbient() error {
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		// Kernels before 4.3 have no ambient set; with nothing to raise that is fine.
		if c.ambient == 0 {
			return nil
		}
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	// The kernel only raises an ambient capability that is also permitted
	// and inheritable; runc 1.1 warns and goes on for the others (runc's
	// own default spec asks for such ones), so skip them the same way.
	raisable := c.ambient & c.permitted & c.inheritable
	for n := 0; n <= c.last; n++ {
		if raisable&(1<<uint(n)) == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0); err != nil {
			return fmt.Errorf("raise ambient capability %s (it must also be permitted and inheritable): %w",
				capName(n), err)
		}
	}
	return nil
}

// UnraisableAmbient lists the ambient capabilities ApplyCaps skips because
// they are not also both permitted and inheritable.
func (c *Caps) UnraisableAmbient() []string {
	var names []string
	skipped := c.ambient &^ (c.permitted & c.inheritable)
	for n := 0; n <= c.last; n++ {
		if skipped&(1<<uint(n)) != 0 {
			names = append(names, capName(n))
		}
	}
	return names
}

var (
	lastOnce sync.Once
	lastCap  int
	lastErr  error
)

// LastCap reports the highest capability number the running kernel knows.
func LastCap() (int, error) {
	lastOnce.Do(func() {
		data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
		if err != nil {
			lastErr = fmt.Errorf("read kernel's last capability: %w", err)
			return
		}
		lastCap, err = strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil {
			lastErr = fmt.Errorf("parse /proc/sys/kernel/cap_last_cap %q: %w", data, err)
		}
		// The masks are 64 bits wide (two capset words); a kernel with more
		// capabilities than that needs a new capset version anyway.
		lastCap = min(lastCap, 63)
	})
	return lastCap, lastErr
}
