package main

import "github.com/hull-project/hull/libcontainer"

func cmdPause(g *globalOpts, args []string) error {
	id, err := oneID(newFlags("pause"), args)
	if err != nil {
		return err
	}
	return libcontainer.Pause(g.root, id)
}

func cmdResume(g *globalOpts, args []string) error {
	id, err := oneID(newFlags("resume"), args)
	if err != nil {
		return err
	}
	return libcontainer.Resume(g.root, id)
}
