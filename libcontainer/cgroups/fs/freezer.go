package fs

import (
	"fmt"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
)

// Freeze stops every process in the cgroup. The v1 freezer goes through
// FREEZING and may stay there while a task is in an uninterruptible sleep,
// so the request is repeated until the state reads FROZEN; if it never
// does, the cgroup is thawed again rather than left half frozen.
func (m *Manager) Freeze() error {
	dir, ok := m.paths["freezer"]
	if !ok {
		return fmt.Errorf("freeze: the freezer cgroup controller is not available on this host")
	}
	for i := 0; i < 1000; i++ {
		if err := cgutil.WriteFile(dir, "freezer.state", "FROZEN"); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
		state, err := cgutil.ReadFile(dir, "freezer.state")
		if err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
		if state == "FROZEN" {
			return nil
		}
		time.Sleep(time.Duration(min(i+1, 10)) * time.Millisecond)
	}
	_ = m.Thaw()
	return fmt.Errorf("freeze %s: still FREEZING after many attempts (a task in uninterruptible sleep?)", dir)
}

// Thaw lets the processes run again.
func (m *Manager) Thaw() error {
	dir, ok := m.paths["freezer"]
	if !ok {
		return fmt.Errorf("thaw: the freezer cgroup controller is not available on this host")
	}
	if err := cgutil.WriteFile(dir, "freezer.state", "THAWED"); err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	return nil
}
