package initproc

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/libcontainer/console"
	"github.com/hull-project/hull/libcontainer/rootfs"
)

// setupConsole gives the process a terminal: a pty from the container's own
// devpts, its slave bound on /dev/console (for the container's init only)
// and made the controlling terminal and stdio, its master sent to the
// --console-socket listener.
func (s *initState) setupConsole() error {
	p := s.cfg.Spec.Process
	if !p.Terminal {
		return nil
	}
	if s.cfg.ConsoleFd < 0 {
		return fmt.Errorf("process.terminal is true but no --console-socket was given")
	}
	master, slave, err := console.NewPty()
	if err != nil {
		return err
	}
	defer master.Close()
	if p.ConsoleSize != nil {
		if err := console.Resize(master, uint16(p.ConsoleSize.Width), uint16(p.ConsoleSize.Height)); err != nil {
			return err
		}
	}
	if !s.cfg.Exec {
		if err := rootfs.SetupConsole(slave); err != nil {
			return err
		}
	}
	sock := os.NewFile(uintptr(s.cfg.ConsoleFd), "console-socket")
	defer sock.Close()
	if err := console.SendFd(sock, master); err != nil {
		return fmt.Errorf("--console-socket: %w", err)
	}
	return console.SetupSlaveStdio(slave)
}
