package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type cpusetGroup struct{}

func (cpusetGroup) name() string { return "cpuset" }

func (cpusetGroup) requested(r *specs.LinuxResources) string {
	switch {
	case r.CPU == nil:
		return ""
	case r.CPU.Cpus != "":
		return "linux.resources.cpu.cpus"
	case r.CPU.Mems != "":
		return "linux.resources.cpu.mems"
	}
	return ""
}

func (cpusetGroup) set(dir string, r *specs.LinuxResources) error {
	if r.CPU.Cpus != "" {
		if err := cgutil.WriteFile(dir, "cpuset.cpus", r.CPU.Cpus); err != nil {
			return fmt.Errorf("linux.resources.cpu.cpus: %w", err)
		}
	}
	if r.CPU.Mems != "" {
		if err := cgutil.WriteFile(dir, "cpuset.mems", r.CPU.Mems); err != nil {
			return fmt.Errorf("linux.resources.cpu.mems: %w", err)
		}
	}
	return nil
}

func (cpusetGroup) stats(string, *cgstats.Stats) error { return nil }

// ensureCpuset creates dir (and missing parents) in the cpuset hierarchy.
// A new v1 cpuset starts with empty cpus and mems, and the kernel refuses to
// add a task to it, so each new level copies them from its parent.
func ensureCpuset(dir string) error {
	if populated(dir) {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent == dir {
		return fmt.Errorf("cpuset: no cpuset hierarchy above %s", dir)
	}
	// An existing ancestor without cpuset files is outside the hierarchy
	// (the mount's parent directory): stop there.
	if _, err := os.Stat(parent); err == nil && !cgutil.Exists(parent, "cpuset.cpus") {
		return fmt.Errorf("cpuset: %s is not inside a cpuset hierarchy", dir)
	}
	if err := ensureCpuset(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := cgutil.ReadFile(dir, f)
		if err != nil {
			return err
		}
		if cur != "" {
			continue
		}
		v, err := cgutil.ReadFile(parent, f)
		if err != nil {
			return err
		}
		if err := cgutil.WriteFile(dir, f, v); err != nil {
			return err
		}
	}
	return nil
}

func populated(dir string) bool {
	cpus, err1 := cgutil.ReadFile(dir, "cpuset.cpus")
	mems, err2 := cgutil.ReadFile(dir, "cpuset.mems")
	return err1 == nil && err2 == nil && cpus != "" && mems != ""
}
