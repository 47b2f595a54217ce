package fs2

import specs "github.com/opencontainers/runtime-spec/specs-go"

func setCpuset(dir string, r *specs.LinuxResources) error {
	if r.CPU == nil {
		return nil
	}
	if r.CPU.Cpus != "" {
		if err := write(dir, "cpuset.cpus", r.CPU.Cpus, "linux.resources.cpu.cpus"); err != nil {
			return err
		}
	}
	if r.CPU.Mems != "" {
		if err := write(dir, "cpuset.mems", r.CPU.Mems, "linux.resources.cpu.mems"); err != nil {
			return err
		}
	}
	return nil
}
