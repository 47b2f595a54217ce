// Package state keeps a container's on-disk record under the runtime root:
// one directory per container holding state.json, the exec fifo and a lock
// file. Every hull command works from this record alone, so any hull process
// can act on a container created by another.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const (
	stateFile = "state.json"
	fifoFile  = "exec.fifo"
	lockFile  = "lock"
)

// ErrNotExist is returned when no container with the given id exists.
var ErrNotExist = errors.New("container does not exist")

// State is what hull remembers about a container between commands.
type State struct {
	ID     string `json:"id"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
	// InitPid and InitStartTime identify the init process; the start time
	// (field 22 of /proc/PID/stat) guards against a recycled pid.
	InitPid       int                   `json:"init_pid"`
	InitStartTime uint64                `json:"init_start_time"`
	Created       time.Time             `json:"created"`
	Owner         string                `json:"owner"`
	CgroupPaths   map[string]string     `json:"cgroup_paths,omitempty"`
	Annotations   map[string]string     `json:"annotations,omitempty"`
	Hooks         *specs.Hooks          `json:"hooks,omitempty"`
	Rootless      bool                  `json:"rootless,omitempty"`
	Resources     *specs.LinuxResources `json:"resources,omitempty"`
	// SharedPidNS is true when the container has no pid namespace of its
	// own: killing init then does not kill the rest, so delete must signal
	// every process in the cgroup.
	SharedPidNS bool `json:"shared_pid_ns,omitempty"`
	// HostMountNS is true when the container has no mount namespace at
	// all: its mounts live under the rootfs in the host's namespace, and
	// delete detaches them.
	HostMountNS bool `json:"host_mount_ns,omitempty"`
	// RootfsMountsBefore is how many mounts sat on the rootfs path before
	// create: delete detaches only those stacked above.
	RootfsMountsBefore int `json:"rootfs_mounts_before,omitempty"`
	// CgroupPreexisting is true when the cgroup was there before create
	// (empty: create refuses a populated one); delete leaves the
	// directory in place.
	CgroupPreexisting bool `json:"cgroup_preexisting,omitempty"`
	// Process is config.json's process as created: `hull exec` takes the
	// capabilities, no_new_privs, LSM settings and rlimits a --process
	// leaves unset from it, as runc does from its saved config.
	Process *specs.Process `json:"process,omitempty"`
	// Seccomp is linux.seccomp, which every exec'd process gets too.
	Seccomp *specs.LinuxSeccomp `json:"seccomp,omitempty"`
}

// validDir is the state directory of container id under root, or create's
// error about the id when id is not a valid container id. The id becomes a
// path under root, so one like "../x", "a/b" or ".." would name a directory
// outside it: every function of this package that touches the filesystem
// for an id gets its path here, so that no command (state, kill, delete,
// pause, start, update, ...) can act on an id that create would refuse.
func validDir(root, id string) (string, error) {
	if err := spec.ValidateID(id); err != nil {
		return "", err
	}
	return filepath.Join(root, id), nil
}

// Dir is the state directory of container id under root. It only joins the
// two: id must be one that Create, Acquire or Load accepted (which validate
// it); the functions here that take an id validate it themselves.
func Dir(root, id string) string { return filepath.Join(root, id) }

// FifoPath is the exec fifo that `start` opens to let init exec; id must be
// valid, as for Dir.
func FifoPath(root, id string) string { return filepath.Join(root, id, fifoFile) }

// Save writes st atomically: a reader sees either the old or the new state.
func Save(root string, st *State) error {
	dir, err := validDir(root, st.ID)
	if err != nil {
		return err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// Load reads the state of container id.
func Load(root, id string) (*State, error) {
	dir, err := validDir(root, id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", id, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("state of %s is corrupt: %w", id, err)
	}
	// Later paths (the exec fifo, removal) are built from st.ID: it must
	// be the id the state was found under.
	if st.ID != id {
		return nil, fmt.Errorf("state of %s is corrupt: it names container %q", id, st.ID)
	}
	return &st, nil
}

// List returns the ids of every container with a state file under root;
// entries whose names are not valid container ids are not hull's and are
// left out.
func List(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	var ids []string
	for _, e := range entries {
		if spec.ValidateID(e.Name()) != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), stateFile)); err == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// cgroupFile records a container's cgroup while create is still running,
// before state.json exists: a create killed in between (SIGKILL, OOM) leaves
// the cgroup behind, and `delete --force` finds it here.
const cgroupFile = "cgroup.json"

// CreatingCgroup is what cgroupFile holds.
type CreatingCgroup struct {
	Paths map[string]string `json:"paths"`
	// Preexisting is true when the cgroup was there before create: hull
	// then leaves the directory, and processes it did not start, alone.
	Preexisting bool `json:"preexisting,omitempty"`
}

// SaveCreatingCgroup writes cgroupFile in container id's state dir.
func SaveCreatingCgroup(root, id string, cg *CreatingCgroup) error {
	data, err := json.Marshal(cg)
	if err != nil {
		return fmt.Errorf("encode cgroup record: %w", err)
	}
	dir, err := validDir(root, id)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, cgroupFile)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write cgroup record: %w", err)
	}
	return nil
}

// LoadCreatingCgroup reads the record of a create that never finished; nil
// when there is none.
func LoadCreatingCgroup(root, id string) (*CreatingCgroup, error) {
	dir, err := validDir(root, id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, cgroupFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read cgroup record of %s: %w", id, err)
	}
	var cg CreatingCgroup
	if err := json.Unmarshal(data, &cg); err != nil {
		return nil, fmt.Errorf("cgroup record of %s is corrupt: %w", id, err)
	}
	return &cg, nil
}
