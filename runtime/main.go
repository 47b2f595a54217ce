// Command hull is an OCI runtime with runc's command line: containerd's runc
// shim and podman can use it unchanged.
package main

import (
	"errors"
	"fmt"
	"github.com/hull-project/hull/libcontainer"
	"os"
	"sort"
	"strings"

	"github.com/hull-project/hull/libcontainer/initproc"
	flag "github.com/spf13/pflag"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "0.1.0-dev"
	commit  = "unknown"
)

// globalOpts are the flags every command shares, placed before its name.
type globalOpts struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	rootless      string
}

// command is one hull subcommand.
type command struct {
	usage string
	run   func(g *globalOpts, args []string) error
}

var commands = map[string]command{
	"create":   {"create [flags] <container-id>", cmdCreate},
	"start":    {"start <container-id>", cmdStart},
	"exec":     {"exec [flags] <container-id> <command> [args...] | exec --process FILE <container-id>", cmdExec},
	"run":      {"run [flags] <container-id>", cmdRun},
	"state":    {"state <container-id>", cmdState},
	"kill":     {"kill [--all] <container-id> [signal]", cmdKill},
	"delete":   {"delete [--force] <container-id>", cmdDelete},
	"list":     {"list [--format table|json] [--quiet]", cmdList},
	"spec":     {"spec [--rootless] [--bundle dir]", cmdSpec},
	"features": {"features", cmdFeatures},
	"update":   {"update [flags] <container-id>", cmdUpdate},
	"pause":    {"pause <container-id>", cmdPause},
	"resume":   {"resume <container-id>", cmdResume},
	"events":   {"events [--stats] [--interval 5s] <container-id>", cmdEvents},
	"ps":       {"ps [--format table|json] <container-id> [ps args...]", cmdPs},
}

// exitError carries a process exit code (run's container status) out of a
// command, printing nothing; or, with err, an error reported with a code of
// its own (exec's failures exit 255, as runc's do).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("exit status %d", e.code)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		initproc.Main()
		return
	}
	g, rest, err := parseGlobal(os.Args[1:])
	if err != nil {
		fatal(g, err)
	}
	if len(rest) == 0 {
		usage()
		os.Exit(1)
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		fatal(g, fmt.Errorf("unknown command %q (see hull --help)", rest[0]))
	}
	if err := cmd.run(g, rest[1:]); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil {
				fatalCode(g, ee.err, ee.code)
			}
			os.Exit(ee.code)
		}
		fatal(g, err)
	}
}

func parseGlobal(args []string) (*globalOpts, []string, error) {
	g := &globalOpts{}
	fs := flag.NewFlagSet("hull", flag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.StringVar(&g.root, "root", "/run/hull", "root directory for storage of container state")
	fs.StringVar(&g.log, "log", "", "log file (default: stderr)")
	fs.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&g.debug, "debug", false, "enable debug logging")
	fs.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "use the systemd cgroup driver")
	fs.StringVar(&g.rootless, "rootless", "auto", "rootless mode: true, false or auto")
	showVersion := fs.BoolP("version", "v", false, "print the version")
	fs.Usage = usage
	if err := fs.Parse(args); err != nil {
		return g, nil, err
	}
	if g.logFormat != "text" && g.logFormat != "json" {
		return g, nil, fmt.Errorf("--log-format: %q is not text or json", g.logFormat)
	}
	if *showVersion {
		printVersion()
		os.Exit(0)
	}
	if g.debug {
		libcontainer.Debugf = func(format string, args ...any) { debugLog(g, fmt.Sprintf(format, args...)) }
	}
	if g.systemdCgroup {
		return g, nil, errors.New("--systemd-cgroup: the systemd cgroup driver is not supported yet")
	}
	return g, fs.Args(), nil
}

func (g *globalOpts) isRootless() bool {
	switch g.rootless {
	case "true":
		return true
	case "false":
		return false
	}
	return os.Geteuid() != 0
}

func printVersion() {
	fmt.Printf("hull version %s\ncommit: %s\nspec: %s\n", version, commit, specVersion())
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: hull [global flags] <command> [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s\n", commands[n].usage)
	}
	b.WriteString("\nglobal flags: --root DIR, --log FILE, --log-format text|json, --debug, --systemd-cgroup, --rootless, --version\n")
	fmt.Fprint(os.Stderr, b.String())
}
