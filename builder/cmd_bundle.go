package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hull-project/hull/builder/build"
)

// cmdBundle writes IMAGE as an OCI bundle in DIR, ready for `hull run`.
func cmdBundle(_ context.Context, g *globals, args []string) error {
	fs := newFlags("bundle", g)
	rest, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	return build.Bundle(s, rest[0], rest[1])
}

// cmdImport makes a one-layer image from a rootfs directory.
func cmdImport(_ context.Context, g *globals, args []string) error {
	fs := newFlags("import-rootfs", g)
	cmd := fs.String("cmd", "", "default command, split on spaces")
	env := fs.StringArray("env", nil, "environment variable KEY=VALUE (repeatable)")
	rest, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	o := build.ImportOptions{Tags: []string{rest[1]}, Cmd: strings.Fields(*cmd), Env: *env}
	if o.SourceDateEpoch, err = sourceDateEpoch(nil); err != nil {
		return err
	}
	res, err := build.ImportRootfs(s, rest[0], o)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stdout, res.Manifest.Digest)
	return nil
}
