package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hull-project/hull/libcontainer/state"
)

// Pause freezes every process of a created or running container.
func Pause(root, id string) error {
	return setFrozen(root, id, true)
}

// Resume thaws a paused container.
func Resume(root, id string) error {
	return setFrozen(root, id, false)
}

func setFrozen(root, id string, freeze bool) error {
	c, lock, err := loadLocked(root, id)
	if err != nil {
		return err
	}
	defer lock.Release()
	st := c.Status()
	// The messages are runc's (ErrNotRunning, ErrNotPaused): scripts match them.
	if freeze && st != state.Running && st != state.Created {
		return fmt.Errorf("cannot pause container %s: container not running (%s)", id, st)
	}
	if !freeze && !c.frozen() {
		return fmt.Errorf("cannot resume container %s: container not paused (%s)", id, st)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	if freeze {
		return m.Freeze()
	}
	return m.Thaw()
}

// cgroupFrozen reads the freezer state of the cgroup paths saved in a
// container's state, without building a manager (status is read often).
// A v1 freezer reports FROZEN only once every task has stopped; on a pure
// v2 host cgroup.freeze holds what was asked, as runc reads it.
func cgroupFrozen(paths map[string]string) bool {
	if dir, ok := paths["freezer"]; ok {
		return readTrim(filepath.Join(dir, "freezer.state")) == "FROZEN"
	}
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		return readTrim(filepath.Join(dir, "cgroup.freeze")) == "1"
	}
	return false
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
