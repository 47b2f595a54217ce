package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Program is a compiled profile, ready for init. It travels to init as JSON
// inside init's configuration.
type Program struct {
	// Filter is the raw struct sock_filter array (8 bytes per
	// instruction), as libseccomp exports it.
	Filter []byte `json:"filter"`
	// Flags are the SECCOMP_FILTER_FLAG_* bits for seccomp(2), NEW_LISTENER
	// included when Notify is set.
	Flags uint `json:"flags,omitempty"`
	// Notify is set when the profile uses SCMP_ACT_NOTIFY: Load then
	// returns a listener fd, which must reach the agent (SendListener).
	Notify bool `json:"notify,omitempty"`
}

// Load installs p on the calling thread only (unless p asks for TSYNC), so
// the caller must have locked its goroutine to the thread that goes on to
// exec. The thread needs no_new_privs or CAP_SYS_ADMIN; choosing which,
// and when, is the caller's business. Load returns the listener fd when
// p.Notify is set, else -1.
func Load(p *Program) (int, error) {
	if p == nil {
		return -1, errors.New("seccomp: no program to load")
	}
	if err := checkFilter(p.Filter); err != nil {
		return -1, fmt.Errorf("seccomp: %w", err)
	}
	if p.Notify != (p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0) {
		return -1, fmt.Errorf("seccomp: notify=%v does not match flags 0x%x", p.Notify, p.Flags)
	}
	insns := decodeInsns(p.Filter)
	prog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(p.Flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(insns)
	if errno != 0 {
		return -1, loadError(errno)
	}
	if p.Notify {
		return int(r), nil
	}
	if r != 0 {
		// Only TSYNC returns something else than 0 or a listener: the id
		// of a thread that could not take the filter.
		return -1, fmt.Errorf("seccomp: thread %d could not be synchronised (SECCOMP_FILTER_FLAG_TSYNC)", r)
	}
	return -1, nil
}

func loadError(errno unix.Errno) error {
	if errno == unix.EACCES {
		return fmt.Errorf("seccomp: load filter: %w (the thread needs no_new_privs or CAP_SYS_ADMIN)", errno)
	}
	return fmt.Errorf("seccomp: load filter: %w", errno)
}
