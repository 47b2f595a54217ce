package devfilter

import (
	"errors"
	"fmt"

	"github.com/hull-project/hull/libcontainer/cgroups/devices"
	"golang.org/x/sys/unix"
)

// Apply loads the filter for rules and attaches it to the cgroup2 directory
// dir, then detaches the programs that were there before. While both are
// attached the kernel requires both to allow, so the container never has
// more access than either policy gives.
func Apply(dir string, rules []devices.Rule) error {
	prog, err := program(rules)
	if err != nil {
		return err
	}
	code, err := assemble(prog)
	if err != nil {
		return err
	}
	progFd, err := loadProgram(code)
	if err != nil {
		return err
	}
	// An attached program stays with the cgroup; our fd can go.
	defer unix.Close(progFd)

	cg, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("device filter: open %s: %w", dir, err)
	}
	defer unix.Close(cg)

	old, err := attachedIDs(cg)
	if err != nil {
		return fmt.Errorf("device filter: query %s: %w", dir, err)
	}
	if err := attach(cg, progFd, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("device filter: attach to %s: %w", dir, err)
	}
	var errs []error
	for _, id := range old {
		if err := detachID(cg, id); err != nil {
			errs = append(errs, fmt.Errorf("program %d: %w", id, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("device filter: detach the previous filter from %s: %w", dir, err)
	}
	return nil
}

func detachID(cg int, id uint32) error {
	fd, err := progFdByID(id)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return detach(cg, fd)
}
