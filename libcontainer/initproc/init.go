package initproc

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// init holds everything one container's init needs while it runs its steps.
type initState struct {
	cfg   *Config
	ch    *Channel
	pipe  *os.File
	fifo  int             // fd of the exec fifo (an O_PATH fd from the parent)
	newNS map[string]bool // namespaces created for the container, by spec type
	// cwdPending: root could not enter process.cwd; the container's user
	// tries after the credential change.
	cwdPending bool
}

// step is one named stage of init, run in the fixed order of steps below.
type step struct {
	name string
	fn   func(*initState) error
}

// steps is the documented order of init. Every fd above the preserved ones
// is marked close-on-exec first, so no host fd can reach the container
// whatever fails later. Namespace work comes next, the root filesystem,
// then everything that needs the final root (console, hostname, sysctl,
// masks), and the credential changes last, because after them init may
// lack the privileges the earlier steps need. The seccomp filter is loaded
// at one of its two places (see seccomp.go).
var steps = []step{
	{"close fds", (*initState).closeFds},
	{"late namespaces", (*initState).lateNamespaces},
	{"loopback", (*initState).loopbackUp},
	{"rootfs", (*initState).setupRootfs},
	{"session", (*initState).newSession},
	{"console", (*initState).setupConsole},
	{"hostname", (*initState).setHostname},
	{"sysctl", (*initState).writeSysctls},
	{"finalize rootfs", (*initState).finalizeRootfs},
	{"rlimits", (*initState).setRlimits},
	{"oom score", (*initState).setOOMScore},
	{"keyring", (*initState).joinKeyring},
	{"lsm", (*initState).applyLSM},
	{"cwd", (*initState).enterCwd},
	{"home", (*initState).setHome},
	{"seccomp", (*initState).seccompBeforeCredentials},
	{"credentials", (*initState).setCredentials},
	{"process attributes", (*initState).setProcessAttrs},
	{"seccomp", (*initState).seccompLast},
}

// execSteps are init's steps for `hull exec`: hull-nsenter has joined every
// namespace of the container and the parent has put init in its cgroup, so
// what is left are the process's own settings, in the order of steps.
var execSteps = []step{
	{"close fds", (*initState).closeFds},
	{"console", (*initState).setupConsole},
	{"rlimits", (*initState).setRlimits},
	{"oom score", (*initState).setOOMScore},
	{"keyring", (*initState).joinKeyring},
	{"lsm", (*initState).applyLSM},
	{"cwd", (*initState).enterCwd},
	{"home", (*initState).setHome},
	{"seccomp", (*initState).seccompBeforeCredentials},
	{"credentials", (*initState).setCredentials},
	{"process attributes", (*initState).setProcessAttrs},
	{"seccomp", (*initState).seccompLast},
}

func init() {
	if len(os.Args) < 2 || os.Args[1] != "init" {
		return
	}
	// Namespaces entered by unshare/setns and credentials changed by raw
	// syscalls belong to one thread; exec from the same thread carries them.
	runtime.LockOSThread()
	// Non-dumpable before anything else (the CVE-2016-9962 class): while
	// init waits for start it is hull's code with the host's privileges
	// in a pid namespace that other containers may share, and only a
	// process with CAP_SYS_PTRACE may then open its /proc/<pid>/mem or
	// ptrace it. execve of the user's process makes it dumpable again.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "hull init: make init non-dumpable:", err)
		os.Exit(1)
	}
}

// Main is "hull init". It never returns: it execs the user's process or
// exits 1 after reporting the failure to the parent.
func Main() {
	fd, err := strconv.Atoi(os.Getenv(EnvInitPipe))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull init: not started by hull create")
		os.Exit(1)
	}
	os.Unsetenv(EnvInitPipe)
	pipe := os.NewFile(uintptr(fd), "init-pipe")
	s := &initState{pipe: pipe, ch: NewChannel(pipe)}
	if err := s.run(); err != nil {
		_ = s.ch.Send(Message{Type: MsgError, Msg: err.Error()})
		fmt.Fprintln(os.Stderr, "hull init:", err)
		os.Exit(1)
	}
	// run only returns on failure; exec replaced us otherwise.
	os.Exit(1)
}

func (s *initState) run() error {
	var cfg Config
	if err := s.ch.Recv(&cfg); err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	s.cfg = &cfg
	s.fifo = cfg.FifoFd
	s.newNS = newNamespaces(&cfg)
	if cfg.Spec.Process == nil {
		return fmt.Errorf("config.json: process is required")
	}
	if cfg.Exec {
		if err := s.runSteps(execSteps); err != nil {
			return err
		}
		return s.execProcess()
	}
	if err := s.runSteps(steps); err != nil {
		return err
	}
	if err := s.ch.Send(Message{Type: MsgReady}); err != nil {
		return err
	}
	s.pipe.Close()
	return s.waitStartAndExec()
}

func (s *initState) runSteps(list []step) error {
	for _, st := range list {
		if err := st.fn(s); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
	}
	return nil
}

// waitStartAndExec blocks until `hull start` opens the exec fifo, runs the
// startContainer hooks and execs the user's process. The fifo's write end
// stays open (close-on-exec) until the exec, so start reads until EOF and
// learns that the process runs before it runs the poststart hooks; a
// failure here is written into the fifo for start to report.
func (s *initState) waitStartAndExec() error {
	path := "/proc/self/fd/" + strconv.Itoa(s.fifo)
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	if _, err := unix.Write(fd, []byte{'0'}); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	unix.Close(s.fifo)
	err = s.runStartContainerHooks()
	if err == nil {
		err = s.execProcess()
	}
	_, _ = unix.Write(fd, []byte(err.Error()))
	return err
}
