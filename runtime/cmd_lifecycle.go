package main

import (
	"fmt"

	"github.com/hull-project/hull/libcontainer"
	"github.com/hull-project/hull/libcontainer/signals"
	flag "github.com/spf13/pflag"
)

// newFlags makes a command's flag set; errors come back to main.
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// oneID parses the single container id a command takes.
func oneID(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%s: expects exactly one container id, got %d arguments", fs.Name(), fs.NArg())
	}
	return fs.Arg(0), nil
}

// createFlags registers create's flags (shared with run) on fs.
func createFlags(fs *flag.FlagSet, o *libcontainer.CreateOpts) {
	fs.StringVarP(&o.Bundle, "bundle", "b", ".", "path to the bundle directory")
	fs.StringVar(&o.ConsoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fs.StringVar(&o.PidFile, "pid-file", "", "file to write the init pid to")
	fs.BoolVar(&o.NoPivot, "no-pivot", false, "move the rootfs and chroot instead of pivot_root")
	fs.BoolVar(&o.NoNewKeyring, "no-new-keyring", false, "keep the caller's session keyring")
	fs.IntVar(&o.PreserveFds, "preserve-fds", 0, "pass this many fds after stderr to the container")
}

func cmdCreate(g *globalOpts, args []string) error {
	var o libcontainer.CreateOpts
	fs := newFlags("create")
	createFlags(fs, &o)
	id, err := oneID(fs, args)
	if err != nil {
		return err
	}
	o.ID, o.Rootless = id, g.isRootless()
	_, _, err = libcontainer.Create(g.root, o)
	return err
}

func cmdStart(g *globalOpts, args []string) error {
	id, err := oneID(newFlags("start"), args)
	if err != nil {
		return err
	}
	return libcontainer.Start(g.root, id)
}

func cmdKill(g *globalOpts, args []string) error {
	fs := newFlags("kill")
	all := fs.BoolP("all", "a", false, "signal every process in the container")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return fmt.Errorf("kill: expects a container id and an optional signal")
	}
	sigName := "SIGTERM"
	if fs.NArg() == 2 {
		sigName = fs.Arg(1)
	}
	sig, err := signals.Parse(sigName)
	if err != nil {
		return err
	}
	return libcontainer.Signal(g.root, fs.Arg(0), sig, *all)
}

func cmdDelete(g *globalOpts, args []string) error {
	fs := newFlags("delete")
	force := fs.BoolP("force", "f", false, "kill the container if it still runs")
	id, err := oneID(fs, args)
	if err != nil {
		return err
	}
	return libcontainer.Delete(g.root, id, *force)
}
