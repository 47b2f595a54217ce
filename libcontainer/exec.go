package libcontainer

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hull-project/hull/libcontainer/cgroups"
	"github.com/hull-project/hull/libcontainer/initproc"
	"github.com/hull-project/hull/libcontainer/lsm"
	"github.com/hull-project/hull/libcontainer/nsenter"
	"github.com/hull-project/hull/libcontainer/seccomp"
	"github.com/hull-project/hull/libcontainer/state"
	"github.com/hull-project/hull/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ExecOpts is what `hull exec` asks for.
type ExecOpts struct {
	// Process is the process to run. Capabilities, apparmorProfile,
	// selinuxLabel and rlimits it leaves unset come from the container's
	// own process, as runc takes them from its saved config.
	Process       *specs.Process
	ConsoleSocket string
	PidFile       string
	PreserveFds   int
	// IgnorePaused lets exec into a paused container: the process (and
	// exec, waiting for it to start) stays frozen until the container is
	// resumed.
	IgnorePaused bool
	// Cgroup is --cgroup: a sub-cgroup of the container's, as "path" (every
	// controller) or "controller[,controller]:path"; repeatable.
	Cgroup                []string
	Stdin, Stdout, Stderr *os.File
}

// execution is one `hull exec` while it starts its process.
type execution struct {
	c       *Container
	root    string
	opts    ExecOpts
	proc    *specs.Process
	seccomp *seccomp.Program
	files   []*os.File // the parent's copies of the child's fds
	// fds in the child, for its config
	pipeFd, consoleFd int
}

// Exec starts a process in container id and returns it once it runs the
// user's program. The caller must be a child subreaper to wait for it: the
// process is a grandchild when the container has its own pid namespace.
func Exec(root, id string, o ExecOpts) (*os.Process, error) {
	if err := closeInheritedFds(o.PreserveFds); err != nil {
		return nil, err
	}
	c, lock, err := loadLocked(root, id)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if err := c.checkExecStatus(o.IgnorePaused); err != nil {
		return nil, err
	}
	ex := &execution{c: c, root: root, opts: o, proc: c.execProcess(o.Process)}
	defer ex.closeFiles()
	if err := ex.check(); err != nil {
		return nil, err
	}
	pid, err := ex.start()
	if err != nil {
		return nil, err
	}
	if err := writePidFile(o.PidFile, pid); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return nil, err
	}
	return os.FindProcess(pid)
}

// checkExecStatus refuses a container that cannot take a new process, with
// runc's messages.
func (c *Container) checkExecStatus(ignorePaused bool) error {
	switch c.Status() {
	case state.Stopped:
		return fmt.Errorf("cannot exec in a stopped container %s", c.st.ID)
	case state.Paused:
		if !ignorePaused {
			return fmt.Errorf("cannot exec in a paused container %s (use --ignore-paused to override)", c.st.ID)
		}
	}
	return nil
}

// execProcess fills what p leaves unset from the container's own process.
func (c *Container) execProcess(p *specs.Process) *specs.Process {
	if p == nil {
		return nil
	}
	out := *p
	if base := c.st.Process; base != nil {
		if out.Capabilities == nil {
			out.Capabilities = base.Capabilities
		}
		if out.ApparmorProfile == "" {
			out.ApparmorProfile = base.ApparmorProfile
		}
		if out.SelinuxLabel == "" {
			out.SelinuxLabel = base.SelinuxLabel
		}
		if len(out.Rlimits) == 0 {
			out.Rlimits = base.Rlimits
		}
	}
	return &out
}

// check refuses what the process cannot get, before anything starts, and
// compiles the container's seccomp profile (a cache hit: create compiled it).
func (ex *execution) check() error {
	if err := spec.ValidateProcess(ex.proc); err != nil {
		return fmt.Errorf("exec process: %w", err)
	}
	if err := lsm.Detect().Check(&specs.Spec{Process: ex.proc}); err != nil {
		return fmt.Errorf("exec process: %w", err)
	}
	prog, err := seccomp.Prepare(ex.root, ex.c.st.Seccomp)
	if err != nil {
		return fmt.Errorf("container %s: %w", ex.c.st.ID, err)
	}
	ex.seccomp = prog
	return nil
}

func (ex *execution) keep(f *os.File) *os.File {
	ex.files = append(ex.files, f)
	return f
}

func (ex *execution) closeFiles() {
	for _, f := range ex.files {
		f.Close()
	}
}

// start runs hull-nsenter, which joins the container's namespaces and execs
// hull's init in exec mode, puts it in the container's cgroup, hands it its
// config and waits until it has exec'd the user's program. It returns the
// process's host pid.
func (ex *execution) start() (int, error) {
	nss, err := ex.namespaceFiles()
	if err != nil {
		return 0, err
	}
	cg, cgFile, err := ex.cgroup()
	if err != nil {
		return 0, err
	}
	cmd, plan, parent, err := ex.command(nss, cgFile)
	if err != nil {
		return 0, err
	}
	defer plan.close()
	defer parent.Close()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start exec process: %w", err)
	}
	pid, err := plan.afterStart(cmd.Process.Pid)
	if err != nil || pid != cmd.Process.Pid {
		// nsenter forked into the pid namespace and exited (or failed):
		// reap it; the process is reparented to the nearest subreaper.
		_, _ = cmd.Process.Wait()
	}
	if err != nil {
		return 0, err
	}
	if err := ex.handshake(parent, cg, cgFile != nil, pid); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		if pid == cmd.Process.Pid {
			_, _ = cmd.Process.Wait()
		}
		return 0, err
	}
	return pid, nil
}

// nsFile is one namespace of the container to join: an open fd of init's
// /proc/<pid>/ns file, named to nsenter as /proc/self/fd/N.
type nsFile struct {
	typ specs.LinuxNamespaceType
	f   *os.File
}

// namespaceFiles opens every namespace of the container's init that is not
// already ours (setns into one's own user namespace fails), then checks
// that init is still the process the state names: the fds pin the
// namespaces, so a pid reused after this check cannot redirect the join.
func (ex *execution) namespaceFiles() ([]nsFile, error) {
	var out []nsFile
	pid := ex.c.st.InitPid
	for _, typ := range nsenterOrder {
		name := nsenterNames[typ]
		theirs := fmt.Sprintf("/proc/%d/ns/%s", pid, name)
		var a, b unix.Stat_t
		if err := unix.Stat("/proc/self/ns/"+name, &a); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // the kernel lacks this namespace type
			}
			return out, fmt.Errorf("exec: %w", err)
		}
		f, err := os.Open(theirs)
		if errors.Is(err, os.ErrNotExist) {
			// Gone with init's exit (before it is a zombie).
			return out, fmt.Errorf("cannot exec in container %s: its init is exiting", ex.c.st.ID)
		}
		if err != nil {
			return out, fmt.Errorf("container %s: %w", ex.c.st.ID, err)
		}
		if err := unix.Fstat(int(f.Fd()), &b); err != nil {
			f.Close()
			return out, fmt.Errorf("container %s: %s: %w", ex.c.st.ID, theirs, err)
		}
		if a.Dev == b.Dev && a.Ino == b.Ino {
			f.Close()
			continue
		}
		out = append(out, nsFile{typ, ex.keep(f)})
	}
	if !ex.c.st.InitAlive() {
		return out, fmt.Errorf("cannot exec in container %s: its init has exited", ex.c.st.ID)
	}
	return out, nil
}

// nsenterOrder is the order namespaces are named to nsenter (it joins the
// user namespace first whatever the order).
var nsenterOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace, specs.MountNamespace, specs.PIDNamespace, specs.NetworkNamespace,
	specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace, specs.TimeNamespace,
}

// cgroup is the cgroup the process joins: the container's, or the
// sub-cgroup --cgroup names. On pure v2 the process is born in it
// (CLONE_INTO_CGROUP, the returned fd); elsewhere the parent moves it.
func (ex *execution) cgroup() (cgroups.Manager, *os.File, error) {
	paths, err := subCgroupPaths(ex.c.st.CgroupPaths, ex.opts.Cgroup)
	if err != nil {
		return nil, nil, err
	}
	cg, err := cgroups.Load(paths)
	if err != nil {
		return nil, nil, fmt.Errorf("container %s cgroup: %w", ex.c.st.ID, err)
	}
	dir, ok := cg.V2Dir()
	if !ok {
		return cg, nil, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	return cg, ex.keep(f), nil
}

// subCgroupPaths applies --cgroup values to the container's cgroup paths,
// as runc reads them: "path" for every controller, "ctrl[,ctrl]:path" for
// the named ones ("" is the cgroup2 hierarchy). The sub-cgroup must exist
// and stay inside the container's cgroup.
func subCgroupPaths(paths map[string]string, args []string) (map[string]string, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("the container has no cgroup")
	}
	out := make(map[string]string, len(paths))
	for k, v := range paths {
		out[k] = v
	}
	for _, arg := range args {
		ctrls, sub, found := strings.Cut(arg, ":")
		if !found {
			ctrls, sub = "", arg
		}
		if sub == "" || filepath.IsAbs(sub) || filepath.Clean(sub) != sub || sub == ".." || strings.HasPrefix(sub, "../") {
			return nil, fmt.Errorf("--cgroup %q: want a relative path inside the container's cgroup", arg)
		}
		keys := strings.Split(ctrls, ",")
		if !found {
			keys = keys[:0]
			for k := range paths {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			base, ok := paths[k]
			if !ok {
				return nil, fmt.Errorf("--cgroup %q: the container has no %q cgroup controller", arg, k)
			}
			dir := filepath.Join(base, sub)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("--cgroup %q: %s: not an existing cgroup", arg, dir)
			}
			out[k] = dir
		}
	}
	return out, nil
}

// command is hull-nsenter with the namespace fds, running hull's init from
// a protected copy (as create does), with the socketpair to the parent.
func (ex *execution) command(nss []nsFile, cgFile *os.File) (*exec.Cmd, *nsenterPlan, *os.File, error) {
	helper, exe, err := ex.protectedBinaries()
	if err != nil {
		return nil, nil, nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exec socketpair: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "exec-parent")
	extra := preservedFiles(ex.opts.PreserveFds)
	ex.pipeFd, ex.consoleFd = 3+len(extra), -1
	extra = append(extra, ex.keep(os.NewFile(uintptr(fds[1]), "exec-child")))
	if ex.opts.ConsoleSocket != "" {
		conn, err := dialConsole(ex.opts.ConsoleSocket)
		if err != nil {
			parent.Close()
			return nil, nil, nil, err
		}
		ex.consoleFd = 3 + len(extra)
		extra = append(extra, ex.keep(conn))
	}
	// The namespaces go to nsenter as inherited fds: it opens every path
	// before it joins any, while /proc is still the host's.
	var joins []specs.LinuxNamespace
	for _, ns := range nss {
		joins = append(joins, specs.LinuxNamespace{Type: ns.typ, Path: "/proc/self/fd/" + strconv.Itoa(3+len(extra))})
		extra = append(extra, ns.f)
	}
	plan, err := newNsenterPlan(&specs.Spec{Linux: &specs.Linux{Namespaces: joins}})
	if err != nil {
		parent.Close()
		return nil, nil, nil, err
	}
	extra = plan.addFiles(extra)
	env := append([]string{initproc.EnvInitPipe + "=" + strconv.Itoa(ex.pipeFd)}, plan.env...)
	args := []string{nsenter.HelperName, "/proc/self/fd/" + strconv.Itoa(3+len(extra)), "hull", "init"}
	extra = append(extra, exe)
	attr := &syscall.SysProcAttr{}
	if cgFile != nil {
		attr.UseCgroupFD, attr.CgroupFD = true, int(cgFile.Fd())
	}
	return &exec.Cmd{
		Path:        fdPath(helper),
		Args:        args,
		Env:         env,
		Stdin:       orFile(ex.opts.Stdin, os.Stdin),
		Stdout:      orFile(ex.opts.Stdout, os.Stdout),
		Stderr:      orFile(ex.opts.Stderr, os.Stderr),
		ExtraFiles:  extra,
		SysProcAttr: attr,
	}, plan, parent, nil
}

// protectedBinaries are read-only copies of hull-nsenter and hull for this
// exec, as create makes them (CVE-2019-5736), under names of its own.
func (ex *execution) protectedBinaries() (helper, exe *os.File, err error) {
	dir := state.Dir(ex.root, ex.c.st.ID)
	tag := randomTag()
	path, err := nsenter.FindHelper()
	if err != nil {
		return nil, nil, err
	}
	if helper, err = protectExe(dir, path, "exec-"+tag+".nsenter"); err != nil {
		return nil, nil, err
	}
	ex.keep(helper)
	if exe, err = protectExe(dir, "/proc/self/exe", "exec-"+tag+".hull"); err != nil {
		return nil, nil, err
	}
	return helper, ex.keep(exe), nil
}

// handshake moves the process into its cgroup (unless it was born there),
// sends its config and serves it until it execs (EOF) or fails.
func (ex *execution) handshake(parent *os.File, cg cgroups.Manager, born bool, pid int) error {
	if !born {
		if err := cg.Apply(pid); err != nil {
			return fmt.Errorf("add exec process %d to the container's cgroup: %w", pid, err)
		}
	}
	ex.closeFiles() // the child holds its copies; EOF must mean it exec'd
	ex.files = nil
	cfg := &initproc.Config{
		ID: ex.c.st.ID, Bundle: ex.c.st.Bundle, Rootfs: ex.c.st.Rootfs,
		Spec:   &specs.Spec{Process: ex.proc},
		FifoFd: -1, ConsoleFd: ex.consoleFd, PreserveFds: ex.opts.PreserveFds,
		HostPid: pid, CgroupPaths: cg.Paths(), Seccomp: ex.seccomp, Exec: true,
	}
	ch := initproc.NewChannel(parent)
	if err := ch.Send(cfg); err != nil {
		return err
	}
	for {
		var m initproc.Message
		err := ch.Recv(&m)
		if errors.Is(err, io.EOF) {
			return nil // close-on-exec: the user's program runs
		}
		if err != nil {
			return fmt.Errorf("exec process: %w", err)
		}
		switch m.Type {
		case initproc.MsgError:
			return fmt.Errorf("exec failed: %s", m.Msg)
		case initproc.MsgSeccomp:
			cst := ex.c.hookState(state.Running, ex.c.st.InitPid)
			if err := sendSeccompListener(cst, ex.seccomp, ex.c.st.Seccomp, pid, m.Fd); err != nil {
				return err
			}
			if err := ch.Send(initproc.Message{Type: initproc.MsgSeccompDone}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("exec process: unexpected message %q", m.Type)
		}
	}
}

// randomTag names one exec's protected binaries in the state dir, so that
// concurrent execs into a container do not collide.
func randomTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Process is a copy of the container's own process (config.json's, as
// created): the base `hull exec` applies a command line to. A container
// created before hull saved it gets an empty process in "/".
func (c *Container) Process() *specs.Process {
	p := &specs.Process{Cwd: "/"}
	if c.st.Process == nil {
		return p
	}
	// A deep copy: the caller appends to its slices.
	if data, err := json.Marshal(c.st.Process); err == nil {
		_ = json.Unmarshal(data, p)
	}
	return p
}
