package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hull-project/hull/libcontainer"
	"github.com/hull-project/hull/libcontainer/state"
	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func specVersion() string { return specs.Version }

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdState(g *globalOpts, args []string) error {
	id, err := oneID(newFlags("state"), args)
	if err != nil {
		return err
	}
	c, err := libcontainer.Load(g.root, id)
	if err != nil {
		return err
	}
	return printJSON(c.State())
}

func cmdList(g *globalOpts, args []string) error {
	fs := newFlags("list")
	format := fs.StringP("format", "f", "table", "table or json")
	quiet := fs.BoolP("quiet", "q", false, "print only ids")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("list: --format %q is not table or json", *format)
	}
	ids, err := state.List(g.root)
	if err != nil {
		return err
	}
	var list []*libcontainer.State
	for _, id := range ids {
		c, err := libcontainer.Load(g.root, id)
		if err != nil {
			continue // removed while we listed
		}
		list = append(list, c.State())
	}
	switch {
	case *quiet:
		for _, s := range list {
			fmt.Println(s.ID)
		}
	case *format == "json":
		if list == nil {
			list = []*libcontainer.State{}
		}
		return json.NewEncoder(os.Stdout).Encode(list)
	default:
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
		for _, s := range list {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
		}
		return w.Flush()
	}
	return nil
}

func cmdSpec(g *globalOpts, args []string) error {
	fs := newFlags("spec")
	bundle := fs.StringP("bundle", "b", "", "directory to write config.json in")
	rootless := fs.Bool("rootless", false, "a spec for a rootless container")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s := spec.Default()
	if *rootless {
		spec.ToRootless(s)
	}
	path := filepath.Join(*bundle, "config.json")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("spec: %s already exists", path)
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o666)
}

func cmdFeatures(g *globalOpts, args []string) error {
	if err := newFlags("features").Parse(args); err != nil {
		return err
	}
	return printJSON(spec.Features())
}
