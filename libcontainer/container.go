// Package libcontainer runs OCI containers: a concrete Container type whose
// operations (create, start, signal, delete) work from the on-disk state
// alone, so any hull process can act on a container made by another.
package libcontainer

import (
	"fmt"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Container is one container known under a runtime root.
type Container struct {
	root string
	st   *state.State
}

// Load finds container id under root.
func Load(root, id string) (*Container, error) {
	st, err := state.Load(root, id)
	if err != nil {
		return nil, err
	}
	return &Container{root: root, st: st}, nil
}

// loadLocked takes container id's lock and loads it; the caller releases
// the lock when its operation is done.
func loadLocked(root, id string) (*Container, *state.Lock, error) {
	lock, err := state.Acquire(root, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := Load(root, id)
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	return c, lock, nil
}

// ID is the container's id.
func (c *Container) ID() string { return c.st.ID }

// InitPid is the host pid of the container's init, 0 once it has stopped.
func (c *Container) InitPid() int {
	if !c.st.InitAlive() {
		return 0
	}
	return c.st.InitPid
}

// Status derives the container's status from the live system.
func (c *Container) Status() state.Status {
	st := c.st.CurrentStatus(c.root, c.frozen)
	// A created container can be paused too (runc allows it); it must
	// then read paused, so that start refuses instead of waiting on a
	// frozen init forever.
	if st == state.Created && c.frozen() {
		return state.Paused
	}
	return st
}

// frozen reads the freezer state straight from the saved cgroup paths: the
// managers expose Freeze/Thaw but no state query.
func (c *Container) frozen() bool {
	return cgroupFrozen(c.st.CgroupPaths)
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	if len(c.st.CgroupPaths) == 0 {
		return nil, fmt.Errorf("container %s has no cgroup", c.st.ID)
	}
	return cgroups.Load(c.st.CgroupPaths)
}

// State is the runtime-spec state of the container, with the fields runc
// adds (rootfs, created, owner) that containerd and podman read.
type State struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

// State reports the container's state.
func (c *Container) State() *State {
	return &State{
		State: specs.State{
			Version:     specs.Version,
			ID:          c.st.ID,
			Status:      specs.ContainerState(c.Status()),
			Pid:         c.InitPid(),
			Bundle:      c.st.Bundle,
			Annotations: c.st.Annotations,
		},
		Rootfs:  c.st.Rootfs,
		Created: c.st.Created,
		Owner:   c.st.Owner,
	}
}

// hookState is the state given to hooks, with status as of the hook's phase.
func (c *Container) hookState(status state.Status, pid int) *specs.State {
	return &specs.State{
		Version:     specs.Version,
		ID:          c.st.ID,
		Status:      specs.ContainerState(status),
		Pid:         pid,
		Bundle:      c.st.Bundle,
		Annotations: c.st.Annotations,
	}
}
