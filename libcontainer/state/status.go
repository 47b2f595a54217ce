package state

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Status is a container's lifecycle state as the runtime-spec names it.
type Status string

const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// ProcStartTime reads field 22 (starttime) of /proc/PID/stat.
func ProcStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: parse after
	// the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat: short", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return 0, fmt.Errorf("process %d is a zombie", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// InitAlive tells whether the recorded init process still runs (a zombie or
// a recycled pid counts as dead).
func (st *State) InitAlive() bool {
	if st.InitPid <= 0 {
		return false
	}
	t, err := ProcStartTime(st.InitPid)
	return err == nil && t == st.InitStartTime
}

// CurrentStatus derives the status from the live system: init gone means
// stopped, an exec fifo still present means init waits for start, a frozen
// cgroup means paused.
func (st *State) CurrentStatus(root string, frozen func() bool) Status {
	if !st.InitAlive() {
		return Stopped
	}
	if _, err := os.Stat(FifoPath(root, st.ID)); err == nil {
		return Created
	}
	if frozen != nil && frozen() {
		return Paused
	}
	return Running
}

// Signal sends sig to the init process after checking it is still ours.
func (st *State) Signal(sig unix.Signal) error {
	if !st.InitAlive() {
		return fmt.Errorf("container %s is not running", st.ID)
	}
	if err := unix.Kill(st.InitPid, sig); err != nil {
		return fmt.Errorf("signal %d to init %d: %w", sig, st.InitPid, err)
	}
	return nil
}
