package fs2

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer/cgroups/devices"
	"github.com/hull-project/hull/libcontainer/cgroups/devices/devfilter"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setDevices replaces the cgroup's eBPF device filter: cgroup v2 has no
// device files. The policy is runc's: the spec's rules, then the default
// allow list, over a default of deny.
func setDevices(dir string, r *specs.LinuxResources) error {
	if len(r.Devices) == 0 {
		return nil
	}
	return applyDevices(dir, r.Devices)
}

func applyDevices(dir string, spec []specs.LinuxDeviceCgroup) error {
	rules, err := devices.Policy(spec)
	if err != nil {
		return err
	}
	if err := devfilter.Apply(dir, rules); err != nil {
		return fmt.Errorf("linux.resources.devices: %w", err)
	}
	return nil
}
