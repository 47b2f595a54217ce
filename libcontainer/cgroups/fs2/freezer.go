package fs2

import (
	"fmt"
	"strings"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
)

// Freeze writes cgroup.freeze and waits until cgroup.events reports the
// whole subtree frozen; the kernel freezes tasks asynchronously.
func (m *Manager) Freeze() error { return m.setFrozen(true) }

// Thaw lets the processes run again.
func (m *Manager) Thaw() error { return m.setFrozen(false) }

func (m *Manager) setFrozen(frozen bool) error {
	op, want := "thaw", "0"
	if frozen {
		op, want = "freeze", "1"
	}
	if !cgutil.Exists(m.dir, "cgroup.freeze") {
		return fmt.Errorf("%s %s: cgroup.freeze missing (the v2 freezer needs Linux 5.2)", op, m.dir)
	}
	if err := cgutil.WriteFile(m.dir, "cgroup.freeze", want); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for i := 0; i < 1000; i++ {
		ev, err := cgutil.ReadFile(m.dir, "cgroup.events")
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if eventValue(ev, "frozen") == want {
			return nil
		}
		time.Sleep(time.Duration(min(i+1, 10)) * time.Millisecond)
	}
	if frozen {
		_ = m.Thaw()
	}
	return fmt.Errorf("%s %s: cgroup.events never reported frozen %s", op, m.dir, want)
}

// eventValue returns the value of key in a "key value" per line file.
func eventValue(text, key string) string {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
