package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	flag "github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// execFlags are runc exec's flags.
type execFlags struct {
	opts                libcontainer.ExecOpts
	processFile         string
	cwd, user           string
	env, caps           []string
	gids                []string
	tty, detach, noNew  bool
	apparmor, procLabel string
}

func (f *execFlags) register(fs *flag.FlagSet) {
	fs.StringVarP(&f.processFile, "process", "p", "", "JSON file of the process to run (runtime-spec process)")
	fs.StringVar(&f.opts.ConsoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fs.StringVar(&f.opts.PidFile, "pid-file", "", "file to write the process's pid to")
	fs.IntVar(&f.opts.PreserveFds, "preserve-fds", 0, "pass this many fds after stderr to the process")
	fs.BoolVar(&f.opts.IgnorePaused, "ignore-paused", false, "allow exec in a paused container")
	fs.StringSliceVar(&f.opts.Cgroup, "cgroup", nil, "run in a sub-cgroup: path, or controller[,controller]:path")
	fs.StringVar(&f.cwd, "cwd", "", "working directory in the container")
	fs.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (KEY=VALUE)")
	fs.StringVarP(&f.user, "user", "u", "", "uid[:gid] to run as")
	fs.StringSliceVarP(&f.gids, "additional-gids", "g", nil, "additional gids")
	fs.StringArrayVarP(&f.caps, "cap", "c", nil, "add a capability")
	fs.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-TTY")
	fs.BoolVarP(&f.detach, "detach", "d", false, "do not wait for the process")
	fs.BoolVar(&f.noNew, "no-new-privs", false, "set no_new_privs")
	fs.StringVar(&f.apparmor, "apparmor", "", "AppArmor profile for the process")
	fs.StringVar(&f.procLabel, "process-label", "", "SELinux label for the process")
}

func cmdExec(g *globalOpts, args []string) error {
	var f execFlags
	fs := newFlags("exec")
	fs.SetInterspersed(false) // the command's own flags are not ours
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return fmt.Errorf("exec: expects a container id and, without --process, a command")
	}
	id := fs.Arg(0)
	proc, err := f.process(g.root, id, fs.Args()[1:])
	if err != nil {
		return err
	}
	// Wait for the process even though nsenter's fork makes it a grandchild.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	var tty *ttyProxy
	if !f.detach && f.opts.ConsoleSocket == "" && proc.Terminal {
		if tty, err = newTTYProxy(); err != nil {
			return err
		}
		defer tty.Close()
		f.opts.ConsoleSocket = tty.socketPath
	}
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs)
	defer signal.Stop(sigs)
	f.opts.Process = proc
	p, err := libcontainer.Exec(g.root, id, f.opts)
	if err != nil {
		return &exitError{code: 255, err: err}
	}
	if f.detach {
		return nil
	}
	if tty != nil {
		tty.Attach()
	}
	code := waitForwarding(p, sigs, tty)
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// process is the process to run: --process's file, or the container's own
// process with the command line and flags applied, as runc builds it.
func (f *execFlags) process(root, id string, argv []string) (*specs.Process, error) {
	if f.processFile != "" {
		if len(argv) > 0 {
			return nil, fmt.Errorf("exec: --process and a command line exclude each other")
		}
		return readProcessFile(f.processFile)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("exec: no command given (or use --process)")
	}
	c, err := libcontainer.Load(root, id)
	if err != nil {
		return nil, err
	}
	p := c.Process()
	p.Args = argv
	p.Env = append(p.Env, f.env...)
	p.Terminal = f.tty
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if f.user != "" {
		if err := parseUser(f.user, &p.User); err != nil {
			return nil, err
		}
	}
	for _, s := range f.gids {
		gid, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--additional-gids %q: not a gid", s)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	addCaps(p, f.caps)
	if f.noNew {
		p.NoNewPrivileges = true
	}
	if f.apparmor != "" {
		p.ApparmorProfile = f.apparmor
	}
	if f.procLabel != "" {
		p.SelinuxLabel = f.procLabel
	}
	return p, nil
}

// readProcessFile reads --process: a runtime-spec process object.
func readProcessFile(path string) (*specs.Process, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--process %s: %w", path, err)
	}
	return &p, nil
}

// parseUser reads --user uid[:gid] (numbers only, as runc's).
func parseUser(s string, u *specs.User) error {
	uidS, gidS, hasGid := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(uidS, 10, 32)
	if err != nil {
		return fmt.Errorf("--user %q: want uid[:gid] as numbers", s)
	}
	u.UID = uint32(uid)
	if hasGid {
		gid, err := strconv.ParseUint(gidS, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: want uid[:gid] as numbers", s)
		}
		u.GID = uint32(gid)
	}
	return nil
}

// addCaps adds --cap values as runc does: to the bounding, effective and
// permitted sets, and to the ambient set only when the process already has
// inheritable capabilities (ambient ones need inheritable ones).
func addCaps(p *specs.Process, caps []string) {
	if len(caps) == 0 {
		return
	}
	if p.Capabilities == nil {
		p.Capabilities = &specs.LinuxCapabilities{}
	}
	c := p.Capabilities
	for _, name := range caps {
		name = strings.ToUpper(name)
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		c.Bounding = append(c.Bounding, name)
		c.Effective = append(c.Effective, name)
		c.Permitted = append(c.Permitted, name)
		if c.Inheritable != nil {
			c.Ambient = append(c.Ambient, name)
		}
	}
}
