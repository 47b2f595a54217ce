package libcontainer

import (
	"fmt"
	"github.com/hull-project/hull/libcontainer/nsenter"
	"github.com/hull-project/hull/spec"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/hull-project/hull/libcontainer/initproc"
	"github.com/hull-project/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// initPipe is the parent's view of a started init.
type initPipe struct {
	parent       *os.File
	cfg          *initproc.Config
	bornInCgroup bool
}

// cloneFlags is the clone flag of a new namespace of type typ that is made
// with the process (at clone, or by nsenter before init starts). The cgroup
// namespace is the exception: init unshares it once the parent has moved it
// into its cgroup, so that the namespace is rooted there (lateNamespaces).
func cloneFlags(typ specs.LinuxNamespaceType) uintptr {
	if typ == specs.CgroupNamespace {
		return 0
	}
	return spec.NamespaceFlags[typ]
}

// goJoinable are the namespaces a thread of a Go process may setns into.
var goJoinable = map[specs.LinuxNamespaceType]bool{
	specs.NetworkNamespace: true, specs.IPCNamespace: true,
	specs.UTSNamespace: true, specs.CgroupNamespace: true,
}

// startInit re-execs hull as the container's init with its namespaces,
// from a read-only bind of the hull binary, and returns the pipe to it.
func (cr *creation) startInit() (*initPipe, error) {
	sp := cr.spec
	var attr *syscall.SysProcAttr
	var setns []specs.LinuxNamespace
	var plan *nsenterPlan
	var err error
	if needsNsenter(sp) {
		attr = &syscall.SysProcAttr{}
		if plan, err = newNsenterPlan(sp); err != nil {
			return nil, err
		}
		defer plan.close()
	} else if attr, setns, err = sysProcAttr(sp); err != nil {
		return nil, err
	}
	fifo, err := cr.makeFifo()
	if err != nil {
		return nil, err
	}
	defer fifo.Close()
	exe, err := cr.protectedExe("/proc/self/exe", "hull.exe")
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	path, args := fdPath(exe), []string{"hull", "init"}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("init socketpair: %w", err)
	}
	parent, child := os.NewFile(uintptr(fds[0]), "init-parent"), os.NewFile(uintptr(fds[1]), "init-child")
	defer child.Close()
	extra := preservedFiles(cr.opts.PreserveFds)
	pipeFd := 3 + len(extra)
	extra = append(extra, child, fifo)
	consoleFd := -1
	if cr.opts.ConsoleSocket != "" {
		conn, err := dialConsole(cr.opts.ConsoleSocket)
		if err != nil {
			parent.Close()
			return nil, err
		}
		defer conn.Close()
		consoleFd = 3 + len(extra)
		extra = append(extra, conn)
	}
	born, err := cr.cloneIntoCgroup(attr)
	if err != nil {
		parent.Close()
		return nil, err
	}
	if born != nil {
		defer born.Close()
	}
	env := []string{initproc.EnvInitPipe + "=" + strconv.Itoa(pipeFd)}
	if plan != nil {
		extra = plan.addFiles(extra)
		env = append(env, plan.env...)
		// hull-nsenter runs first and execs hull's init, given as an
		// inherited fd of the protected hull binary.
		helper, err := cr.protectedHelper()
		if err != nil {
			parent.Close()
			return nil, err
		}
		defer helper.Close()
		args = []string{nsenter.HelperName, "/proc/self/fd/" + strconv.Itoa(3+len(extra)), "hull", "init"}
		extra = append(extra, exe)
		path = fdPath(helper)
	}
	cr.cmd = &exec.Cmd{
		Path:        path,
		Args:        args,
		Env:         env,
		Stdin:       orFile(cr.opts.Stdin, os.Stdin),
		Stdout:      orFile(cr.opts.Stdout, os.Stdout),
		Stderr:      orFile(cr.opts.Stderr, os.Stderr),
		ExtraFiles:  extra,
		SysProcAttr: attr,
	}
	if err := cr.cmd.Start(); err != nil {
		parent.Close()
		cr.cmd = nil
		return nil, fmt.Errorf("start container init: %w", err)
	}
	cr.pid = cr.cmd.Process.Pid
	if plan != nil {
		if cr.pid, err = plan.afterStart(cr.cmd.Process.Pid); err != nil {
			parent.Close()
			return nil, err
		}
		if cr.pid != cr.cmd.Process.Pid {
			// The constructor forked for a pid namespace: reap the
			// intermediate; init is reparented to us (run is a subreaper).
			_, _ = cr.cmd.Process.Wait()
		}
	}
	cfg := &initproc.Config{
		ID: cr.opts.ID, Bundle: cr.opts.Bundle, Spec: sp, Rootfs: cr.c.st.Rootfs,
		NoPivot: cr.opts.NoPivot, NoNewKeyring: cr.opts.NoNewKeyring,
		InUserNS: spec.HasNamespace(sp, specs.UserNamespace),
		HookSync: needsHookSync(sp),
		FifoFd:   pipeFd + 1, ConsoleFd: consoleFd, PreserveFds: cr.opts.PreserveFds,
		SetnsInInit: setns,
		Seccomp:     cr.seccomp,
	}
	return &initPipe{parent: parent, cfg: cfg, bornInCgroup: born != nil}, nil
}

// cloneIntoCgroup makes init be born inside its cgroup on pure cgroup v2
// (clone3 with CLONE_INTO_CGROUP), so no instruction of it runs outside.
// On v1 the parent moves init while init's Go runtime starts (Apply).
func (cr *creation) cloneIntoCgroup(attr *syscall.SysProcAttr) (*os.File, error) {
	dir, ok := cr.cg.V2Dir()
	if !ok {
		return nil, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	attr.UseCgroupFD = true
	attr.CgroupFD = int(f.Fd())
	return f, nil
}

// sysProcAttr turns the spec's namespaces into clone flags and id maps.
// Namespaces joined by path are joined by init when a Go thread can;
// the others need the nsenter constructor.
func sysProcAttr(sp *specs.Spec) (*syscall.SysProcAttr, []specs.LinuxNamespace, error) {
	attr := &syscall.SysProcAttr{}
	var setns []specs.LinuxNamespace
	if sp.Linux == nil {
		return attr, nil, nil
	}
	newUser := false
	for _, ns := range sp.Linux.Namespaces {
		if ns.Path == "" {
			attr.Cloneflags |= cloneFlags(ns.Type)
			newUser = newUser || ns.Type == specs.UserNamespace
			continue
		}
		setns = append(setns, ns) // goJoinable: needsNsenter said so
	}
	if newUser {
		attr.UidMappings = idMaps(sp.Linux.UIDMappings)
		attr.GidMappings = idMaps(sp.Linux.GIDMappings)
		attr.GidMappingsEnableSetgroups = true
		// Become root of the new user namespace before exec, so init has
		// the namespace's full capabilities (host root is unmapped there).
		attr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	}
	return attr, setns, nil
}

func idMaps(in []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(in))
	for i, m := range in {
		out[i] = syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)}
	}
	return out
}

// makeFifo creates the exec fifo and opens it O_PATH for init, which
// reopens it for writing through /proc/self/fd after pivot_root.
func (cr *creation) makeFifo() (*os.File, error) {
	path := state.FifoPath(cr.root, cr.opts.ID)
	if err := unix.Mkfifo(path, 0o622); err != nil {
		return nil, fmt.Errorf("exec fifo %s: %w", path, err)
	}
	// The umask took the world-write bit: init may run as any uid when it
	// reopens the fifo.
	if err := unix.Chmod(path, 0o622); err != nil {
		return nil, fmt.Errorf("exec fifo %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("exec fifo %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// protectedExe bind-mounts a binary (hull itself, /proc/self/exe, or the
// nsenter helper) read-only in the state dir and returns an fd of it: init
// runs from it, so a container that reaches /proc/<init>/exe cannot
// overwrite the binary (CVE-2019-5736). It is exec'd through
// /proc/self/fd/N, which needs no search permission on the state dir's
// parents (init may already be an unprivileged uid of a user namespace).
// The bind is unmounted from the host as soon as the fd is open.
func (cr *creation) protectedExe(src, name string) (*os.File, error) {
	return protectExe(state.Dir(cr.root, cr.opts.ID), src, name)
}

// protectExe does protectedExe's work in dir under a name unique to the
// caller; on failure nothing is left mounted.
func protectExe(dir, src, name string) (*os.File, error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, nil, 0o500); err != nil {
		return nil, fmt.Errorf("protect %s: %w", src, err)
	}
	defer os.Remove(path)
	if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
		return nil, fmt.Errorf("protect %s: bind: %w", src, err)
	}
	defer func() { _ = unix.Unmount(path, unix.MNT_DETACH) }()
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV)
	if err := unix.Mount("", path, "", flags, ""); err != nil {
		return nil, fmt.Errorf("protect %s: remount read-only: %w", src, err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("protect %s: %w", src, err)
	}
	return f, nil
}

func preservedFiles(n int) []*os.File {
	files := make([]*os.File, n)
	for i := range files {
		files[i] = os.NewFile(uintptr(3+i), "preserved-fd-"+strconv.Itoa(3+i))
	}
	return files
}

func dialConsole(path string) (*os.File, error) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	defer conn.Close()
	f, err := conn.File()
	if err != nil {
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	return f, nil
}

func orFile(f, def *os.File) *os.File {
	if f != nil {
		return f
	}
	return def
}

func (cr *creation) protectedHelper() (*os.File, error) {
	p, err := nsenter.FindHelper()
	if err != nil {
		return nil, err
	}
	return cr.protectedExe(p, nsenter.HelperName)
}

func fdPath(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }

// needsHookSync tells whether init must stop before pivot_root for the
// runtime-namespace hooks (prestart, createRuntime).
func needsHookSync(sp *specs.Spec) bool {
	//lint:ignore SA1019 prestart is deprecated but still part of the spec.
	return sp.Hooks != nil && (len(sp.Hooks.Prestart) > 0 || len(sp.Hooks.CreateRuntime) > 0)
}
