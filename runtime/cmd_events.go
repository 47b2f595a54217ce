package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/hull-project/hull/libcontainer"
)

// cmdEvents prints runc-shaped JSON lines: one stats sample with --stats,
// otherwise a sample every --interval and an oom line per OOM kill, until
// the container stops.
func cmdEvents(g *globalOpts, args []string) error {
	fs := newFlags("events")
	interval := fs.Duration("interval", 5*time.Second, "stats collection interval")
	once := fs.Bool("stats", false, "print the container's stats once and exit")
	id, err := oneID(fs, args)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	emit := func(ev *libcontainer.Event) error { return enc.Encode(ev) }
	if *once {
		ev, err := libcontainer.Stats(g.root, id)
		if err != nil {
			return err
		}
		return emit(ev)
	}
	return libcontainer.Events(g.root, id, *interval, emit)
}
