package libcontainer

import "fmt"

// Processes lists the host pids of every process in the container's
// cgroup (including cgroups nested under it).
func Processes(root, id string) ([]int, error) {
	c, err := Load(root, id)
	if err != nil {
		return nil, err
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	pids, err := m.GetPids()
	if err != nil {
		return nil, fmt.Errorf("processes of container %s: %w", id, err)
	}
	if pids == nil {
		pids = []int{} // JSON [] rather than null
	}
	return pids, nil
}
