package libcontainer

import (
	"fmt"
	"github.com/hull-project/hull/libcontainer/rootfs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/hooks"
	"github.com/hull-project/hull/libcontainer/initproc"
	"github.com/hull-project/hull/libcontainer/lsm"
	"github.com/hull-project/hull/libcontainer/seccomp"
	"github.com/hull-project/hull/libcontainer/state"
	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CreateOpts are the options of `hull create`.
type CreateOpts struct {
	ID            string
	Bundle        string
	ConsoleSocket string
	PidFile       string
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFds   int
	Rootless      bool
	// Stdio of the container process; nil means hull's own.
	Stdin, Stdout, Stderr *os.File
}

// creation holds what a create has made so far, so a failure can undo it
// all: nothing half-made may stay behind.
type creation struct {
	opts    CreateOpts
	root    string
	spec    *specs.Spec
	c       *Container
	lock    *state.Lock
	cg      cgroups.Manager
	cmd     *exec.Cmd
	pid     int              // init's host pid (not cmd's when nsenter forked)
	seccomp *seccomp.Program // linux.seccomp compiled; nil for none
	cleanup []func()
}

// Create makes a container from a bundle and leaves its init waiting for
// start. The returned process is init as a child of this process (for run).
func Create(root string, opts CreateOpts) (*Container, *os.Process, error) {
	if err := spec.ValidateID(opts.ID); err != nil {
		return nil, nil, err
	}
	bundle, err := filepath.Abs(opts.Bundle)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", opts.Bundle, err)
	}
	opts.Bundle = bundle
	if err := closeInheritedFds(opts.PreserveFds); err != nil {
		return nil, nil, err
	}
	sp, err := spec.Load(bundle)
	if err != nil {
		return nil, nil, err
	}
	if err := lsm.Detect().Check(sp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(bundle, spec.ConfigFile), err)
	}
	// Compiled before anything is made: a profile that cannot be applied
	// fails the create cleanly, and a container never runs without the
	// filter it asked for.
	prog, err := prepareSeccomp(root, sp)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(bundle, spec.ConfigFile), err)
	}
	cr := &creation{opts: opts, root: root, spec: sp, seccomp: prog}
	if err := cr.run(); err != nil {
		cr.undo()
		return nil, nil, err
	}
	cr.lock.Release()
	if cr.pid == cr.cmd.Process.Pid {
		return cr.c, cr.cmd.Process, nil
	}
	proc, err := os.FindProcess(cr.pid)
	return cr.c, proc, err
}

// closeInheritedFds marks every fd hull inherited beyond stdio and the
// --preserve-fds ones close-on-exec, so that none reaches init (the
// CVE-2024-21626 class: a host directory held open by hull's caller is a
// way out of the rootfs through /proc/self/fd). The fds hull hands init on
// purpose are passed through exec.Cmd, which dups them into place.
func closeInheritedFds(preserve int) error {
	if preserve < 0 {
		return fmt.Errorf("--preserve-fds %d: must not be negative", preserve)
	}
	if err := unix.CloseRange(uint(3+preserve), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("mark inherited fds close-on-exec: %w", err)
	}
	return nil
}

func (cr *creation) run() error {
	timer := newPhaseTimer("create " + cr.opts.ID)
	lock, err := state.Create(cr.root, cr.opts.ID)
	if err != nil {
		return err
	}
	cr.lock = lock
	cr.cleanup = append(cr.cleanup, func() { _ = state.Remove(cr.root, cr.opts.ID) })
	cr.c = &Container{root: cr.root, st: cr.newState()}
	timer.done("state dir")
	if err := cr.newCgroup(); err != nil {
		return err
	}
	// On cgroup v2 init is born in its cgroup, which must exist first. On
	// v1 the cgroup is made while init's Go runtime starts; init waits for
	// its config, sent only once it has been moved in (handshake).
	_, v2 := cr.cg.V2Dir()
	if v2 {
		if err := cr.makeCgroup(); err != nil {
			return err
		}
	}
	proc, err := cr.startInit()
	if err != nil {
		return err
	}
	timer.done("init started")
	if !v2 {
		if err := cr.makeCgroup(); err != nil {
			return err
		}
		timer.done("cgroup made")
	}
	if err := cr.handshake(proc); err != nil {
		return err
	}
	timer.done("init ready")
	if err := state.Save(cr.root, cr.c.st); err != nil {
		return err
	}
	timer.done("state saved")
	return cr.writePidFile()
}

func (cr *creation) newState() *state.State {
	owner := ""
	if u := os.Getenv("SUDO_USER"); u != "" {
		owner = u
	}
	st := &state.State{
		ID:          cr.opts.ID,
		Bundle:      cr.opts.Bundle,
		Rootfs:      spec.RootfsPath(cr.spec, cr.opts.Bundle),
		Created:     time.Now().UTC(),
		Owner:       owner,
		Annotations: cr.spec.Annotations,
		Hooks:       cr.spec.Hooks,
		Rootless:    cr.opts.Rootless,
		SharedPidNS: !spec.HasNewNamespace(cr.spec, specs.PIDNamespace),
		HostMountNS: !spec.HasNamespace(cr.spec, specs.MountNamespace),
	}
	if cr.spec.Linux != nil {
		st.Resources = cr.spec.Linux.Resources
		st.Seccomp = cr.spec.Linux.Seccomp
	}
	st.Process = cr.spec.Process
	if st.HostMountNS {
		st.RootfsMountsBefore = rootfs.MountsAt(st.Rootfs)
	}
	return st
}

// cgroupsPath is linux.cgroupsPath as given ("" names the container id).
func (cr *creation) cgroupsPath() string {
	if cr.spec.Linux == nil {
		return ""
	}
	return cr.spec.Linux.CgroupsPath
}

// newCgroup picks the container's cgroup manager; nothing is made yet.
func (cr *creation) newCgroup() error {
	cg, err := cgroups.New(cr.cgroupsPath(), cr.opts.ID, cr.opts.Rootless)
	if err != nil {
		return fmt.Errorf("linux.cgroupsPath: %w", err)
	}
	cr.cg = cg
	return nil
}

// makeCgroup creates the container's cgroup and applies its resources,
// before init may do anything that must be accounted. A cgroup that already
// holds processes is refused, as runc 1.2 and later do: hull would
// otherwise share it with processes it did not start, and account, freeze
// and kill them as the container's. The cgroup is recorded in the state dir
// before it is made, so a create killed half-way can still be deleted.
func (cr *creation) makeCgroup() error {
	preexisting := cr.cg.Exists()
	if preexisting {
		if pids, err := cr.cg.GetPids(); err == nil && len(pids) > 0 {
			return fmt.Errorf("linux.cgroupsPath %q: the cgroup is not empty (%d process(es) found): refused, hull does not share a cgroup with processes it did not start",
				cr.cgroupsPath(), len(pids))
		}
	}
	cr.c.st.CgroupPaths = cr.cg.Paths()
	cr.c.st.CgroupPreexisting = preexisting
	rec := &state.CreatingCgroup{Paths: cr.c.st.CgroupPaths, Preexisting: preexisting}
	if err := state.SaveCreatingCgroup(cr.root, cr.opts.ID, rec); err != nil {
		return err
	}
	cr.cleanup = append(cr.cleanup, func() { removeCgroup(cr.cg, preexisting) })
	if err := cr.cg.Create(); err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	// A rootless create may drop hierarchies it cannot write.
	cr.c.st.CgroupPaths = cr.cg.Paths()
	if cr.spec.Linux != nil && cr.spec.Linux.Resources != nil {
		if err := cr.cg.Set(cr.spec.Linux.Resources); err != nil {
			return err
		}
	}
	return nil
}

// cgroupName is one directory of the cgroup, for messages.
func cgroupName(m cgroups.Manager) string {
	paths := m.Paths()
	for _, key := range []string{"", "pids", "memory", "devices"} {
		if p, ok := paths[key]; ok {
			return p
		}
	}
	for _, p := range paths {
		return p
	}
	return "(none)"
}

// handshake applies the cgroup (v1: while init's Go runtime starts), hands
// init its config and serves its requests until it is ready.
func (cr *creation) handshake(p *initPipe) error {
	defer p.parent.Close()
	pid := cr.pid
	if !p.bornInCgroup {
		timer := newPhaseTimer("create " + cr.opts.ID)
		if err := cr.cg.Apply(pid); err != nil {
			return fmt.Errorf("add init %d to cgroup: %w", pid, err)
		}
		timer.done("moving init into its cgroup")
	}
	p.cfg.HostPid = pid
	p.cfg.CgroupPaths = cr.c.st.CgroupPaths
	ch := initproc.NewChannel(p.parent)
	if err := ch.Send(p.cfg); err != nil {
		return err
	}
	for {
		var m initproc.Message
		if err := ch.Recv(&m); err != nil {
			return fmt.Errorf("container init exited early (see its error output above): %w", err)
		}
		switch m.Type {
		case initproc.MsgError:
			return fmt.Errorf("container init: %s", m.Msg)
		case initproc.MsgHooks:
			if err := cr.runtimeHooks(pid); err != nil {
				return err
			}
			if err := ch.Send(initproc.Message{Type: initproc.MsgResume}); err != nil {
				return err
			}
		case initproc.MsgSeccomp:
			if err := sendSeccompListener(cr.c.hookState(state.Creating, pid), cr.seccomp, cr.spec.Linux.Seccomp, pid, m.Fd); err != nil {
				return err
			}
			if err := ch.Send(initproc.Message{Type: initproc.MsgSeccompDone}); err != nil {
				return err
			}
		case initproc.MsgReady:
			return cr.recordInit(pid)
		default:
			return fmt.Errorf("container init: unexpected message %q", m.Type)
		}
	}
}

func (cr *creation) runtimeHooks(pid int) error {
	h := cr.spec.Hooks
	st := cr.c.hookState(state.Creating, pid)
	//lint:ignore SA1019 prestart is deprecated but still part of the spec: runc runs it too.
	if err := hooks.Run("prestart", h.Prestart, st); err != nil {
		return err
	}
	return hooks.Run("createRuntime", h.CreateRuntime, st)
}

func (cr *creation) recordInit(pid int) error {
	start, err := state.ProcStartTime(pid)
	if err != nil {
		return fmt.Errorf("container init %d died: %w", pid, err)
	}
	cr.c.st.InitPid, cr.c.st.InitStartTime = pid, start
	return nil
}

func (cr *creation) writePidFile() error {
	return writePidFile(cr.opts.PidFile, cr.c.st.InitPid)
}

// writePidFile writes pid to path (--pid-file; nothing when empty) through
// a rename, so a reader never sees a partial file.
func writePidFile(path string, pid int) error {
	if path == "" {
		return nil
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("--pid-file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("--pid-file: %w", err)
	}
	return nil
}

// undo removes everything a failed create made, newest first. It kills only
// the init it started (and, with it, the container's pid namespace): the
// cgroup held no process before create, and one that already existed is
// left in place.
func (cr *creation) undo() {
	if cr.cmd != nil && cr.pid > 0 && cr.pid != cr.cmd.Process.Pid {
		_ = unix.Kill(cr.pid, unix.SIGKILL)
	}
	if cr.cmd != nil && cr.cmd.Process != nil {
		_ = cr.cmd.Process.Signal(unix.SIGKILL)
		_, _ = cr.cmd.Process.Wait()
	}
	if cr.c != nil {
		cr.c.detachHostMounts()
	}
	for i := len(cr.cleanup) - 1; i >= 0; i-- {
		cr.cleanup[i]()
	}
	cr.lock.Release()
}
