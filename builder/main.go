// Command builder builds OCI images from Dockerfiles, running every RUN step
// in an OCI runtime (hull by default), and manages the images it stores.
//
//	builder build -f Dockerfile -t app .
//	builder images | inspect | tag | rmi | push | pull | prune
//	builder bundle IMAGE DIR        # an OCI bundle for `hull run`
//	builder import-rootfs DIR NAME  # a one-layer image from a directory
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hull-project/hull/builder/store"
	flag "github.com/spf13/pflag"
)

// command is one subcommand: its flags are parsed from args after its name.
type command struct {
	usage string
	run   func(ctx context.Context, g *globals, args []string) error
}

// globals are the flags every subcommand accepts.
type globals struct {
	root string
}

func (g *globals) store() (*store.Store, error) {
	return store.Open(g.root)
}

var commands = map[string]command{
	"build":         {"build [flags] CONTEXT", cmdBuild},
	"images":        {"images", cmdImages},
	"inspect":       {"inspect IMAGE", cmdInspect},
	"tag":           {"tag IMAGE NAME", cmdTag},
	"rmi":           {"rmi NAME...", cmdRmi},
	"prune":         {"prune", cmdPrune},
	"pull":          {"pull SOURCE [NAME]", cmdPull},
	"push":          {"push IMAGE DEST", cmdPush},
	"bundle":        {"bundle IMAGE DIR", cmdBundle},
	"import-rootfs": {"import-rootfs [--cmd CMD] DIR NAME", cmdImport},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, errHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "builder:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// errHelp ends a command after its --help was printed.
var errHelp = errors.New("help requested")

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string) error {
	g := &globals{root: store.DefaultRoot}
	// --root may also come before the command name.
	for len(args) > 0 && strings.HasPrefix(args[0], "--root") {
		if v, ok := strings.CutPrefix(args[0], "--root="); ok {
			g.root, args = v, args[1:]
		} else if len(args) > 1 && args[0] == "--root" {
			g.root, args = args[1], args[2:]
		} else {
			return usageError{"--root needs a directory"}
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage()
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		printUsage()
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return cmd.run(ctx, g, args[1:])
}

func printUsage() {
	fmt.Fprintln(os.Stderr, "usage: builder [--root DIR] COMMAND ...")
	for _, name := range []string{"build", "images", "inspect", "tag", "rmi", "prune", "pull", "push", "bundle", "import-rootfs"} {
		fmt.Fprintf(os.Stderr, "  builder %s\n", commands[name].usage)
	}
}

// newFlags returns a flag set with the global flags already defined.
func newFlags(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&g.root, "root", g.root, "store directory")
	return fs
}

// parse parses args and checks the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, usageError{err.Error()}
	}
	rest := fs.Args()
	if len(rest) < min || (max >= 0 && len(rest) > max) {
		return nil, usageError{fmt.Sprintf("%s: wrong number of arguments (see builder --help)", fs.Name())}
	}
	return rest, nil
}
