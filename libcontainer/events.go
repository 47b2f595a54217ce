package libcontainer

import (
	"fmt"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/state"
)

// Event is one line of `hull events`, in runc's shape: type "stats" with
// the sample in Data, or type "oom" without data.
type Event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

const (
	// alivePoll is how often Events checks that init still runs: no kernel
	// notification tells a non-parent that a process exited.
	alivePoll = 100 * time.Millisecond
	// oomGrace is how long Events still waits for OOM notifications after
	// init died, since the kill that ended it is reported asynchronously.
	oomGrace = 200 * time.Millisecond
)

// Stats returns one sample of the container's cgroup counters.
func Stats(root, id string) (*Event, error) {
	c, err := Load(root, id)
	if err != nil {
		return nil, err
	}
	if c.Status() == state.Stopped {
		return nil, fmt.Errorf("container %s is not running", id)
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return c.statsEvent(m)
}

func (c *Container) statsEvent(m cgroups.Manager) (*Event, error) {
	s, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.st.ID, err)
	}
	return &Event{Type: "stats", ID: c.st.ID, Data: s}, nil
}

// Events calls emit with a stats event every interval and an oom event each
// time the OOM killer acts in the container, until the container stops
// (its init exits or its cgroup goes away) or emit fails.
func Events(root, id string, interval time.Duration, emit func(*Event) error) error {
	if interval <= 0 {
		return fmt.Errorf("events: --interval must be greater than 0, got %s", interval)
	}
	c, err := Load(root, id)
	if err != nil {
		return err
	}
	if c.Status() == state.Stopped {
		return fmt.Errorf("container %s is not running", id)
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	oom, stop, err := cgroups.OOMNotifier(m)
	if err != nil {
		// Stats are still worth reporting without a memory cgroup.
		warn("container %s: no oom events: %v", id, err)
	} else {
		defer stop()
	}
	return c.eventLoop(m, oom, interval, emit)
}

func (c *Container) eventLoop(m cgroups.Manager, oom <-chan struct{}, interval time.Duration, emit func(*Event) error) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	alive := time.NewTicker(alivePoll)
	defer alive.Stop()
	oomEvent := &Event{Type: "oom", ID: c.st.ID}
	for {
		select {
		case _, ok := <-oom:
			if !ok {
				return nil // the cgroup is gone or empty: nothing left to watch
			}
			if err := emit(oomEvent); err != nil {
				return err
			}
		case <-tick.C:
			ev, err := c.statsEvent(m)
			if err != nil {
				warn("%v", err) // as runc: a failed sample is skipped
				continue
			}
			if err := emit(ev); err != nil {
				return err
			}
		case <-alive.C:
			if !c.st.InitAlive() {
				return drainOOM(oom, oomEvent, emit)
			}
		}
	}
}

// drainOOM reports the OOM kills still in flight when init died (often the
// kill that ended it).
func drainOOM(oom <-chan struct{}, ev *Event, emit func(*Event) error) error {
	grace := time.NewTimer(oomGrace)
	defer grace.Stop()
	for {
		select {
		case _, ok := <-oom:
			if !ok {
				return nil
			}
			if err := emit(ev); err != nil {
				return err
			}
		case <-grace.C:
			return nil
		}
	}
}
