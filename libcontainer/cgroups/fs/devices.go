package fs

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/devices"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type devicesGroup struct{}

func (devicesGroup) name() string { return "devices" }

func (devicesGroup) requested(r *specs.LinuxResources) string {
	if len(r.Devices) > 0 {
		return "linux.resources.devices"
	}
	return ""
}

// set replaces the cgroup's device list with: deny everything, the spec's
// rules in order, then runc's default allow list (what runc gives every
// container).
func (devicesGroup) set(dir string, r *specs.LinuxResources) error {
	rules, err := devices.Policy(r.Devices)
	if err != nil {
		return err
	}
	return writeDeviceRules(dir, rules)
}

func (devicesGroup) stats(string, *cgstats.Stats) error { return nil }

// applyDefaultDevices gives a freshly created cgroup the default policy,
// so a container is never left with the host's devices even if Set is
// never called.
func applyDefaultDevices(dir string) error {
	rules, err := devices.Policy(nil)
	if err != nil {
		return err
	}
	return writeDeviceRules(dir, rules)
}

// writeDeviceRules denies everything, then writes the rules in order. The
// kernel keeps v1 device lists as exceptions to a default, so replaying
// the rules onto "deny all" gives the same answer as reading them
// last-match-wins.
func writeDeviceRules(dir string, rules []devices.Rule) error {
	if err := cgutil.WriteFile(dir, "devices.deny", "a"); err != nil {
		return fmt.Errorf("linux.resources.devices: %w", err)
	}
	for i, r := range rules {
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		for _, line := range r.V1() {
			if err := cgutil.WriteFile(dir, file, line); err != nil {
				return fmt.Errorf("linux.resources.devices: rule %d (%s %q): %w", i, file, line, err)
			}
		}
	}
	return nil
}
