package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/hull-project/hull/libcontainer"
	"golang.org/x/sys/unix"
)

func cmdRun(g *globalOpts, args []string) error {
	var o libcontainer.CreateOpts
	fs := newFlags("run")
	createFlags(fs, &o)
	detach := fs.BoolP("detach", "d", false, "do not wait for the container")
	keep := fs.Bool("keep", false, "keep the container's state after it exits")
	id, err := oneID(fs, args)
	if err != nil {
		return err
	}
	o.ID, o.Rootless = id, g.isRootless()
	// Reap init even if a later nsenter fork makes it our grandchild.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	var tty *ttyProxy
	if !*detach && o.ConsoleSocket == "" && specWantsTerminal(o.Bundle) {
		if tty, err = newTTYProxy(); err != nil {
			return err
		}
		defer tty.Close()
		o.ConsoleSocket = tty.socketPath
	}
	// Forward signals from the moment init exists.
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs)
	defer signal.Stop(sigs)
	_, proc, err := libcontainer.Create(g.root, o)
	if err != nil {
		return err
	}
	if err := libcontainer.Start(g.root, id); err != nil {
		_ = libcontainer.Delete(g.root, id, true)
		return err
	}
	if *detach {
		return nil
	}
	if tty != nil {
		tty.Attach()
	}
	code := waitForwarding(proc, sigs, tty)
	if tty != nil {
		tty.Close()
	}
	if !*keep {
		if err := libcontainer.Delete(g.root, id, true); err != nil {
			return err
		}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// waitForwarding waits for init, relaying every signal hull receives to it
// (except those that concern hull alone), and returns runc's exit code:
// the process's status, or 128+N when a signal killed it.
func waitForwarding(proc *os.Process, sigs chan os.Signal, tty *ttyProxy) int {
	done := make(chan *os.ProcessState, 1)
	go func() {
		ps, _ := proc.Wait()
		done <- ps
	}()
	for {
		select {
		case ps := <-done:
			return exitCode(ps)
		case s := <-sigs:
			sig := s.(syscall.Signal)
			switch sig {
			case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
				continue
			case unix.SIGWINCH:
				if tty != nil {
					tty.Resize()
				}
				continue
			}
			_ = unix.Kill(proc.Pid, sig)
		}
	}
}

func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return 255
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return ps.ExitCode()
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
