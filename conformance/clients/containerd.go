package clients

// The "containerd" scenario: a private containerd (Debian's 1.6) per
// runtime, driven through ctr, with the runtime under test plugged into
// containerd's runc shim by `ctr run --runc-binary`.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/sys/unix"
)

func init() { register(containerdScenario()) }

const (
	containerdBin  = "/usr/bin/containerd"
	ctrBin         = "/usr/bin/ctr"
	ctrImage       = "docker.io/hulltest/busybox:latest"
	ctrTimeout     = 60 * time.Second
	cgroupRoot     = "/sys/fs/cgroup"
	shimSocketRoot = "/run/containerd" // containerd 1.6 puts shim sockets in <this>/s
	// containerd's default capability set (oci.populateDefaultUnixSpec):
	// CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP
	// SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
	ctrDefaultCaps uint64 = 0x00000000a80425fb
)

var busyboxCandidates = []string{"/bin/busybox", "/usr/bin/busybox"}

// containerdEnv is one private containerd and what it made.
type containerdEnv struct {
	rt       Runtime
	dir      string
	sock     string
	ns       string
	daemon   *exec.Cmd
	waitErr  chan error
	mu       sync.Mutex
	ids      []string // every container id used (for cleanup and the leak step)
	seq      int
	main     string // long-running detached container shared by several steps
	snapshot string // snapshotter in use
	madeRun  bool   // /run/containerd did not exist before setup
}

func containerdScenario() Scenario[*containerdEnv] {
	return Scenario[*containerdEnv]{
		Name:  "containerd",
		Setup: setupContainerd,
		Steps: []Step[*containerdEnv]{
			{"run: output", ctrStepRunOutput},
			{"run: exit code propagated", ctrStepExitCode},
			{"run: stdin piped (head -n 2)", ctrStepStdin},
			{"run -d: task ls RUNNING", ctrStepDetached},
			{"exec: output and exit code", ctrStepExec},
			{"exec: --cwd and --user", ctrStepExecCwdUser},
			{"exec: --tty", ctrStepExecTTY},
			{"task ps: lists exec'd process", ctrStepPs},
			{"pause/resume: frozen then running", ctrStepPause},
			{"metrics: memory usage", ctrStepMetrics},
			{"kill: SIGTERM ends the task", ctrStepKill},
			{"kill --all: signals exec'd processes", ctrStepKillAll},
			{"delete: task, container and cgroup gone", ctrStepDelete},
			{"memory limit: OOM exit 137 and /tasks/oom event", ctrStepOOM},
			{"cpu quota: cfs_quota_us/cfs_period_us", ctrStepCPUQuota},
			{"read-only rootfs: write fails", ctrStepReadOnly},
			{"mounts: bind ro and rw", ctrStepMounts},
			{"network: --net-host sees host interfaces", ctrStepNetHost},
			{"network: default is only lo", ctrStepNetPrivate},
			{"caps: default set, --cap-add/--cap-drop", ctrStepCaps},
			{"privileged: all capabilities", ctrStepPrivileged},
			{"seccomp: --seccomp filters (Seccomp: 2)", ctrStepSeccomp},
			{"masked paths: /proc/kcore empty, /proc/sys read-only", ctrStepMasked},
			{"nothing leaked: tasks, cgroups, mounts, shims", ctrStepNoLeak},
		},
	}
}

// containerdConfig is the config.toml of a private containerd in dir.
func containerdConfig(dir string) string {
	q := strconv.Quote
	return fmt.Sprintf(`version = 2
root = %s
state = %s
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %s

[ttrpc]
  address = %s

[debug]
  level = "info"

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = %s
`, q(filepath.Join(dir, "root")), q(filepath.Join(dir, "state")),
		q(filepath.Join(dir, "containerd.sock")), q(filepath.Join(dir, "containerd-ttrpc.sock")),
		q(filepath.Join(dir, "opt")))
}

func randomSuffix() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	}
	return hex.EncodeToString(b)
}

func setupContainerd(rt Runtime, dir string) (e *containerdEnv, err error) {
	for _, bin := range []string{containerdBin, ctrBin} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("containerd is not installed: %w", err)
		}
	}
	e = &containerdEnv{
		rt:      rt,
		dir:     dir,
		sock:    filepath.Join(dir, "containerd.sock"),
		ns:      "hulltest-" + randomSuffix(),
		waitErr: make(chan error, 1),
	}
	if _, err := os.Stat(shimSocketRoot); os.IsNotExist(err) {
		e.madeRun = true
	}
	defer func() {
		if err != nil {
			e.Close()
			e = nil
		}
	}()
	for _, d := range []string{"root", "state", "opt", "fifo", "runc-root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o711); err != nil {
			return e, err
		}
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(containerdConfig(dir)), 0o644); err != nil {
		return e, err
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		return e, err
	}
	e.daemon = exec.Command(containerdBin, "--config", cfg)
	e.daemon.Stdout, e.daemon.Stderr = logf, logf
	e.daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := e.daemon.Start(); err != nil {
		logf.Close()
		return e, err
	}
	go func() { e.waitErr <- e.daemon.Wait(); logf.Close() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := exec.Command(ctrBin, "--address", e.sock, "--timeout", "2s", "version").CombinedOutput()
		if err == nil && strings.Contains(string(out), "Server:") {
			break
		}
		select {
		case werr := <-e.waitErr:
			e.waitErr <- werr
			return e, fmt.Errorf("containerd exited: %v; log: %s", werr, e.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return e, fmt.Errorf("containerd did not answer in 20s: %s; log: %s", out, e.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Snapshotter: overlayfs when it is usable, else native.
	e.snapshot = "overlayfs"
	if out := e.ctr(nil, "plugins", "ls"); !pluginOK(out, "io.containerd.snapshotter.v1", "overlayfs") {
		e.snapshot = "native"
	}
	img := filepath.Join(dir, "image.tar")
	if err := writeBusyboxImage(img); err != nil {
		return e, fmt.Errorf("image: %w", err)
	}
	if r := e.ctr(nil, "images", "import", "--snapshotter", e.snapshot, img); r.err != nil {
		return e, fmt.Errorf("ctr images import: %v", r)
	}
	os.Remove(img)
	return e, nil
}

// pluginOK reports whether `ctr plugins ls` shows typ/id with status ok.
func pluginOK(out ctrResult, typ, id string) bool {
	for _, l := range strings.Split(out.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) >= 4 && f[0] == typ && f[1] == id {
			return f[len(f)-1] == "ok"
		}
	}
	return false
}

func (e *containerdEnv) logTail() string {
	data, _ := os.ReadFile(filepath.Join(e.dir, "containerd.log"))
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// ctrResult is one ctr invocation.
type ctrResult struct {
	args           []string
	stdout, stderr string
	code           int
	err            error
}

func (r ctrResult) String() string {
	return fmt.Sprintf("ctr %s: exit %d (%v): stdout %q stderr %q", strings.Join(r.args, " "), r.code, r.err, trim(r.stdout), trim(r.stderr))
}

func trim(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// ctr runs ctr against this env's containerd and namespace, with stdin
// (nil: none), bounded by ctrTimeout.
func (e *containerdEnv) ctr(stdin io.Reader, args ...string) ctrResult {
	ctx, cancel := context.WithTimeout(context.Background(), ctrTimeout)
	defer cancel()
	full := append([]string{"--address", e.sock, "--namespace", e.ns}, args...)
	cmd := exec.CommandContext(ctx, ctrBin, full...)
	var so, se bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &so, &se
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := ctrResult{args: args, stdout: so.String(), stderr: se.String(), err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.code = -1
	}
	if ctx.Err() != nil {
		r.err = fmt.Errorf("timed out after %s", ctrTimeout)
		r.code = -1
	}
	return r
}

// newID returns a fresh container id and records it for cleanup.
func (e *containerdEnv) newID(prefix string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	id := fmt.Sprintf("%s-%s-%d", prefix, e.rt.Name, e.seq)
	e.ids = append(e.ids, id)
	return id
}

// runArgs is `run` with the runtime under test and private dirs, then the
// extra flags, the image, the id and the command.
func (e *containerdEnv) runArgs(flags []string, id string, cmd ...string) []string {
	a := []string{"run", "--runc-binary", e.rt.Path, "--runc-root", filepath.Join(e.dir, "runc-root"),
		"--runtime", "io.containerd.runc.v2", "--fifo-dir", filepath.Join(e.dir, "fifo"), "--snapshotter", e.snapshot}
	a = append(a, flags...)
	a = append(a, ctrImage, id)
	return append(a, cmd...)
}

// run runs a container to completion with --rm and returns the result.
func (e *containerdEnv) run(flags []string, prefix string, cmd ...string) (ctrResult, string) {
	id := e.newID(prefix)
	r := e.ctr(nil, e.runArgs(append([]string{"--rm"}, flags...), id, cmd...)...)
	if r.code != 0 || r.err != nil {
		e.remove(id) // --rm does not clean up after a failed start
	}
	return r, id
}

// runOK is run, failing unless ctr exits 0.
func (e *containerdEnv) runOK(flags []string, prefix string, cmd ...string) (string, error) {
	r, _ := e.run(flags, prefix, cmd...)
	if r.err != nil {
		return "", fmt.Errorf("%v", r)
	}
	return r.stdout, nil
}

// start starts a detached container running cmd.
func (e *containerdEnv) start(flags []string, prefix string, cmd ...string) (string, error) {
	id := e.newID(prefix)
	r := e.ctr(nil, e.runArgs(append([]string{"-d"}, flags...), id, cmd...)...)
	if r.err != nil {
		e.remove(id)
		return "", fmt.Errorf("%v", r)
	}
	if _, _, err := e.waitStatus(id, "RUNNING", 10*time.Second); err != nil {
		e.remove(id)
		return "", err
	}
	return id, nil
}

// remove kills and deletes id's task and container (best effort).
func (e *containerdEnv) remove(id string) {
	if st, _, ok := e.taskStatus(id); ok {
		if st == "PAUSED" {
			e.ctr(nil, "task", "resume", id)
		}
		if st != "STOPPED" {
			e.ctr(nil, "task", "kill", "--all", "--signal", "SIGKILL", id)
			e.waitStatus(id, "STOPPED", 10*time.Second)
		}
		e.ctr(nil, "task", "delete", "--force", id)
	}
	e.ctr(nil, "container", "delete", id)
}

// tasks parses `ctr task ls`: id -> (pid, status).
func parseTaskList(out string) map[string][2]string {
	m := map[string][2]string{}
	for i, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if i == 0 || len(f) < 3 {
			continue
		}
		m[f[0]] = [2]string{f[1], f[2]}
	}
	return m
}

// taskStatus returns id's task status and pid, ok false when no task.
func (e *containerdEnv) taskStatus(id string) (status string, pid int, ok bool) {
	r := e.ctr(nil, "task", "ls")
	t, ok := parseTaskList(r.stdout)[id]
	if !ok {
		return "", 0, false
	}
	pid, _ = strconv.Atoi(t[0])
	return t[1], pid, true
}

func (e *containerdEnv) waitStatus(id, want string, d time.Duration) (string, int, error) {
	deadline := time.Now().Add(d)
	for {
		st, pid, ok := e.taskStatus(id)
		if ok && st == want {
			return st, pid, nil
		}
		if time.Now().After(deadline) {
			if !ok {
				st = "no task"
			}
			return st, pid, fmt.Errorf("task %s is %s after %s, want %s", id, st, d, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mainTask returns the long-running detached container, starting it when
// the detached step did not.
func (e *containerdEnv) mainTask() (string, int, error) {
	if e.main != "" {
		if st, pid, ok := e.taskStatus(e.main); ok && st == "RUNNING" {
			return e.main, pid, nil
		}
		e.remove(e.main)
		e.main = ""
	}
	id, err := e.start(nil, "main", "sleep", "100000")
	if err != nil {
		return "", 0, err
	}
	e.main = id
	_, pid, _ := e.taskStatus(id)
	return id, pid, nil
}

// exec runs `ctr task exec` in id.
func (e *containerdEnv) exec(id string, flags []string, cmd ...string) ctrResult {
	a := []string{"task", "exec", "--fifo-dir", filepath.Join(e.dir, "fifo")}
	a = append(a, flags...)
	a = append(a, id)
	return e.ctr(nil, append(a, cmd...)...)
}

func (e *containerdEnv) execID(prefix string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%s-%d", prefix, e.seq)
}

// cgroupDirs lists id's cgroup directories that exist on the host.
func (e *containerdEnv) cgroupDirs(id string) []string {
	var out []string
	hs, _ := os.ReadDir(cgroupRoot)
	for _, h := range hs {
		p := filepath.Join(cgroupRoot, h.Name(), e.ns, id)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// cgroupFile reads a file of id's cgroup on controller ctl (v1), or of
// the unified hierarchy.
func (e *containerdEnv) cgroupFile(ctl, id, file string) (string, error) {
	data, err := os.ReadFile(filepath.Join(cgroupRoot, ctl, e.ns, id, file))
	return strings.TrimSpace(string(data)), err
}

// ---- steps ----

func ctrStepRunOutput(e *containerdEnv) error {
	out, err := e.runOK(nil, "run", "echo", "hello from ctr")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "hello from ctr" {
		return fmt.Errorf("output %q, want %q", out, "hello from ctr")
	}
	return nil
}

func ctrStepExitCode(e *containerdEnv) error {
	r, _ := e.run(nil, "exit", "sh", "-c", "echo before-exit; exit 3")
	if r.code != 3 || !strings.Contains(r.stdout, "before-exit") {
		return fmt.Errorf("want exit 3 after the output: %v", r)
	}
	return nil
}

// ctr 1.6 never closes a non-tty task's stdin on EOF (no CloseIO), so
// `cat` would wait forever on both runtimes: read a known number of lines.
func ctrStepStdin(e *containerdEnv) error {
	id := e.newID("stdin")
	payload := "line one\nline two from stdin\n"
	r := e.ctr(strings.NewReader(payload), e.runArgs([]string{"--rm"}, id, "head", "-n", "2")...)
	if r.err != nil {
		e.remove(id)
		return fmt.Errorf("%v", r)
	}
	if r.stdout != payload {
		return fmt.Errorf("head -n 2 echoed %q, want %q", r.stdout, payload)
	}
	return nil
}

func ctrStepDetached(e *containerdEnv) error {
	id, pid, err := e.mainTask()
	if err != nil {
		return err
	}
	if pid <= 0 {
		return fmt.Errorf("task ls: no pid for %s", id)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.HasPrefix(string(cmdline), "sleep\x00100000") {
		return fmt.Errorf("pid %d of the task is not the container's sleep: %q %v", pid, cmdline, err)
	}
	if got := e.cgroupDirs(id); len(got) == 0 {
		return fmt.Errorf("no cgroup dir /%s/%s on any hierarchy", e.ns, id)
	}
	// The shim's socket is where Close looks for leftovers.
	if _, err := os.Stat(shimSocket(e.sock, e.ns, id)); err != nil {
		return fmt.Errorf("shim socket not at the expected path: %v", err)
	}
	return nil
}

func ctrStepExec(e *containerdEnv) error {
	id, _, err := e.mainTask()
	if err != nil {
		return err
	}
	r := e.exec(id, []string{"--exec-id", e.execID("out")}, "sh", "-c", "echo exec-out; echo exec-err >&2; exit 5")
	if r.code != 5 || strings.TrimSpace(r.stdout) != "exec-out" || !strings.Contains(r.stderr, "exec-err") {
		return fmt.Errorf("want stdout exec-out, stderr exec-err, exit 5: %v", r)
	}
	// The exec'd process ran in the container: same mount namespace as pid 1.
	r = e.exec(id, []string{"--exec-id", e.execID("ns")}, "sh", "-c", "readlink /proc/1/ns/mnt; readlink /proc/self/ns/mnt; tr '\\0' ' ' < /proc/1/cmdline")
	f := strings.Fields(r.stdout)
	if r.err != nil || len(f) < 3 || f[0] != f[1] || !strings.HasPrefix(f[2], "sleep") {
		return fmt.Errorf("exec is not in the container's namespaces: %v", r)
	}
	return nil
}

func ctrStepExecCwdUser(e *containerdEnv) error {
	id, _, err := e.mainTask()
	if err != nil {
		return err
	}
	r := e.exec(id, []string{"--exec-id", e.execID("cwd"), "--cwd", "/tmp", "--user", "65534"}, "sh", "-c", "pwd; id -u; id -g")
	f := strings.Fields(r.stdout)
	if r.err != nil || len(f) != 3 || f[0] != "/tmp" || f[1] != "65534" {
		return fmt.Errorf("want /tmp 65534 ...: %v (ctr 1.6 task exec has --cwd and --user, no --env)", r)
	}
	return nil
}

// openPty returns a new pseudo-terminal pair.
func openPty() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, s, nil
}

// ctrTTY runs ctr with a terminal as its stdio and returns what the
// terminal showed and the exit code.
func (e *containerdEnv) ctrTTY(args ...string) (string, int, error) {
	m, s, err := openPty()
	if err != nil {
		return "", -1, err
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), ctrTimeout)
	defer cancel()
	full := append([]string{"--address", e.sock, "--namespace", e.ns}, args...)
	cmd := exec.CommandContext(ctx, ctrBin, full...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		s.Close()
		return "", -1, err
	}
	s.Close()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&buf, m); close(done) }()
	err = cmd.Wait()
	// The slave is closed once ctr is gone: the copy ends with EIO.
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	if ctx.Err() != nil {
		return buf.String(), -1, fmt.Errorf("timed out")
	}
	return buf.String(), code, nil
}

func ctrStepExecTTY(e *containerdEnv) error {
	id, _, err := e.mainTask()
	if err != nil {
		return err
	}
	out, code, err := e.ctrTTY("task", "exec", "--fifo-dir", filepath.Join(e.dir, "fifo"), "--tty", "--exec-id", e.execID("tty"),
		id, "sh", "-c", "tty; test -t 0 && test -t 1 && echo both-tty; stty size; exit 4")
	if err != nil {
		return err
	}
	if code != 4 || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "both-tty") {
		return fmt.Errorf("want a /dev/pts terminal on stdin and stdout and exit 4; got exit %d, output %q", code, out)
	}
	return nil
}

func ctrStepPs(e *containerdEnv) error {
	id, pid, err := e.mainTask()
	if err != nil {
		return err
	}
	xid := e.execID("sleeper")
	if r := e.exec(id, []string{"--exec-id", xid, "--detach"}, "sleep", "4242"); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	defer e.ctr(nil, "task", "kill", "--exec-id", xid, "--signal", "SIGKILL", id)
	var r ctrResult
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = e.ctr(nil, "task", "ps", id)
		pids := map[int]string{}
		for i, l := range strings.Split(r.stdout, "\n") {
			f := strings.Fields(l)
			if i == 0 || len(f) == 0 {
				continue
			}
			p, _ := strconv.Atoi(f[0])
			pids[p] = strings.Join(f[1:], " ")
		}
		var sleeper int
		for p := range pids {
			if c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.HasPrefix(string(c), "sleep\x004242") {
				sleeper = p
			}
		}
		if _, ok := pids[pid]; ok && sleeper != 0 && len(pids) == 2 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("want the init pid %d and the exec'd sleep 4242 in task ps: %v", pid, r)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func procState(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "State:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "State:"))
		}
	}
	return ""
}

func ctrStepPause(e *containerdEnv) error {
	// A container whose counter only moves while it runs.
	id, err := e.start(nil, "pause", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done")
	if err != nil {
		return err
	}
	defer e.remove(id)
	_, pid, _ := e.taskStatus(id)
	if r := e.ctr(nil, "task", "pause", id); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if st, _, err := e.waitStatus(id, "PAUSED", 5*time.Second); err != nil {
		return fmt.Errorf("after pause: %v (%s)", err, st)
	}
	if fs, err := e.cgroupFile("freezer", id, "freezer.state"); err != nil || fs != "FROZEN" {
		if err2 := checkFrozenV2(e, id); err2 != nil {
			return fmt.Errorf("freezer.state %q (%v), /proc/%d State %q", fs, err, pid, procState(pid))
		}
	}
	read := func() string { // no exec while frozen: read the counter from the host
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/root/tmp/n", pid))
		return strings.TrimSpace(string(data))
	}
	n1 := read()
	time.Sleep(500 * time.Millisecond)
	if n2 := read(); n1 != n2 {
		return fmt.Errorf("paused container still runs: counter %s -> %s", n1, n2)
	}
	if r := e.ctr(nil, "task", "resume", id); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if _, _, err := e.waitStatus(id, "RUNNING", 5*time.Second); err != nil {
		return fmt.Errorf("after resume: %v", err)
	}
	if fs, err := e.cgroupFile("freezer", id, "freezer.state"); err == nil && fs != "THAWED" {
		return fmt.Errorf("after resume freezer.state %q", fs)
	}
	time.Sleep(500 * time.Millisecond)
	if n3 := read(); n3 == n1 {
		return fmt.Errorf("resumed container does not run: counter stays %s", n3)
	}
	return nil
}

func checkFrozenV2(e *containerdEnv, id string) error {
	data, err := os.ReadFile(filepath.Join(cgroupRoot, "unified", e.ns, id, "cgroup.freeze"))
	if err != nil || strings.TrimSpace(string(data)) != "1" {
		return fmt.Errorf("not frozen")
	}
	return nil
}

func ctrStepMetrics(e *containerdEnv) error {
	id, _, err := e.mainTask()
	if err != nil {
		return err
	}
	r := e.ctr(nil, "task", "metrics", id)
	if r.err != nil {
		return fmt.Errorf("%v", r)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && (f[0] == "memory.usage_in_bytes" || f[0] == "memory.usage") {
			if n, _ := strconv.ParseUint(f[1], 10, 64); n > 0 {
				return nil
			}
		}
	}
	return fmt.Errorf("no non-zero memory usage in %v", r)
}

func ctrStepKill(e *containerdEnv) error {
	id, err := e.start(nil, "kill", "sh", "-c", "trap 'echo got-term > /dev/null; exit 42' TERM; while true; do sleep 0.2; done")
	if err != nil {
		return err
	}
	defer e.remove(id)
	_, pid, _ := e.taskStatus(id)
	if r := e.ctr(nil, "task", "kill", id); r.err != nil { // default SIGTERM
		return fmt.Errorf("%v", r)
	}
	if _, _, err := e.waitStatus(id, "STOPPED", 10*time.Second); err != nil {
		return err
	}
	if procAlive(pid) {
		return fmt.Errorf("pid %d still alive after SIGTERM", pid)
	}
	// The exit status from the trap reaches containerd.
	r := e.ctr(nil, "task", "delete", id)
	// ctr 1.6's task delete warns "exit with non-zero exit code N".
	if !strings.Contains(r.stderr, "exit code 42") {
		return fmt.Errorf("task delete does not report exit status 42: %v", r)
	}
	return nil
}

// procAlive reports whether pid exists and is not a zombie.
func procAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	st := procState(pid)
	return st != "" && !strings.HasPrefix(st, "Z")
}

func ctrStepKillAll(e *containerdEnv) error {
	id, err := e.start(nil, "killall", "sleep", "100000")
	if err != nil {
		return err
	}
	defer e.remove(id)
	_, pid, _ := e.taskStatus(id)
	xid := e.execID("bg")
	if r := e.exec(id, []string{"--exec-id", xid, "--detach"}, "sleep", "4343"); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	var xpid int
	deadline := time.Now().Add(5 * time.Second)
	for xpid == 0 {
		r := e.ctr(nil, "task", "ps", id)
		for _, l := range strings.Split(r.stdout, "\n") {
			f := strings.Fields(l)
			if len(f) > 0 {
				if p, _ := strconv.Atoi(f[0]); p > 0 && p != pid {
					xpid = p
				}
			}
		}
		if xpid == 0 && time.Now().After(deadline) {
			return fmt.Errorf("exec'd sleep not in task ps: %v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// sleep as pid 1 ignores SIGTERM; SIGKILL reaches every process.
	if r := e.ctr(nil, "task", "kill", "--all", "--signal", "SIGKILL", id); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if _, _, err := e.waitStatus(id, "STOPPED", 10*time.Second); err != nil {
		return err
	}
	deadline = time.Now().Add(5 * time.Second)
	for procAlive(xpid) || procAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("after kill --all: init %d alive %v, exec'd %d alive %v", pid, procAlive(pid), xpid, procAlive(xpid))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

func ctrStepDelete(e *containerdEnv) error {
	id, err := e.start(nil, "delete", "sleep", "100000")
	if err != nil {
		return err
	}
	defer e.remove(id)
	if len(e.cgroupDirs(id)) == 0 {
		return fmt.Errorf("no cgroup while running")
	}
	bundle := filepath.Join(e.dir, "state", "io.containerd.runtime.v2.task", e.ns, id)
	if _, err := os.Stat(filepath.Join(bundle, "config.json")); err != nil {
		return fmt.Errorf("bundle not where expected: %v", err)
	}
	if r := e.ctr(nil, "task", "kill", "--signal", "SIGKILL", id); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if _, _, err := e.waitStatus(id, "STOPPED", 10*time.Second); err != nil {
		return err
	}
	if r := e.ctr(nil, "task", "delete", id); r.code != 137 && r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if r := e.ctr(nil, "container", "delete", id); r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if _, _, ok := e.taskStatus(id); ok {
		return fmt.Errorf("task %s still listed", id)
	}
	if r := e.ctr(nil, "container", "ls", "-q"); containsLine(r.stdout, id) {
		return fmt.Errorf("container %s still listed", id)
	}
	if d := e.cgroupDirs(id); len(d) > 0 {
		return fmt.Errorf("cgroup dirs left: %v", d)
	}
	if _, err := os.Stat(bundle); err == nil {
		return fmt.Errorf("bundle dir %s left", bundle)
	}
	if st, err := os.Stat(filepath.Join(e.dir, "runc-root", e.ns, id)); err == nil {
		return fmt.Errorf("runtime state %s left (%v)", filepath.Join(e.dir, "runc-root", e.ns, id), st.Mode())
	}
	return nil
}

func containsLine(out, s string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == s {
			return true
		}
	}
	return false
}

// events runs `ctr events` in the background until stop is called.
func (e *containerdEnv) events() (stop func() string) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ctrBin, "--address", e.sock, "--namespace", e.ns, "events")
	var buf bytes.Buffer
	var mu sync.Mutex
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	done := make(chan struct{})
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := pr.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				close(done)
				return
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		cancel()
		pw.Close()
		return func() string { return "ctr events: " + err.Error() }
	}
	time.Sleep(300 * time.Millisecond) // subscribed before the step acts
	return func() string {
		time.Sleep(500 * time.Millisecond)
		cancel()
		cmd.Wait()
		pw.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

func ctrStepOOM(e *containerdEnv) error {
	stop := e.events()
	// tail buffers a line without end: /dev/zero grows it without bound.
	r, id := e.run([]string{"--memory-limit", strconv.Itoa(32 << 20)}, "oom", "tail", "/dev/zero")
	ev := stop()
	if r.code != 137 {
		return fmt.Errorf("want exit 137 from the OOM kill: %v", r)
	}
	if !strings.Contains(ev, "/tasks/oom") {
		return fmt.Errorf("no /tasks/oom event for %s in ctr events: %q", id, trim(ev))
	}
	return nil
}

func ctrStepCPUQuota(e *containerdEnv) error {
	id, err := e.start([]string{"--cpu-quota", "25000", "--cpu-period", "50000"}, "cpu", "sleep", "100000")
	if err != nil {
		return err
	}
	defer e.remove(id)
	q, err1 := e.cgroupFile("cpu", id, "cpu.cfs_quota_us")
	p, err2 := e.cgroupFile("cpu", id, "cpu.cfs_period_us")
	if err1 != nil || err2 != nil {
		if max, err := e.cgroupFile("unified", id, "cpu.max"); err == nil {
			if max != "25000 50000" {
				return fmt.Errorf("cpu.max %q, want \"25000 50000\"", max)
			}
			return nil
		}
		return fmt.Errorf("reading the task's cpu cgroup: %v %v", err1, err2)
	}
	if q != "25000" || p != "50000" {
		return fmt.Errorf("host cgroup: cfs_quota_us %s cfs_period_us %s, want 25000 50000", q, p)
	}
	// ctr 1.6's default spec mounts no /sys/fs/cgroup: check instead that
	// the container's processes are in the cgroup read above.
	r := e.exec(id, []string{"--exec-id", e.execID("cpu")}, "cat", "/proc/self/cgroup")
	want := "/" + e.ns + "/" + id
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.SplitN(l, ":", 3); len(f) == 3 && (f[1] == "cpu" || strings.HasPrefix(f[1], "cpu,") || strings.Contains(f[1], ",cpu,") || strings.HasSuffix(f[1], ",cpu")) {
			if f[2] != want {
				return fmt.Errorf("exec'd process in cpu cgroup %s, want %s", f[2], want)
			}
			return nil
		}
	}
	return fmt.Errorf("no cpu cgroup in /proc/self/cgroup: %v", r)
}

func ctrStepReadOnly(e *containerdEnv) error {
	r, _ := e.run([]string{"--read-only"}, "ro", "sh", "-c", "if echo x > /written; then echo WROTE; else echo refused; fi; grep ' / / ' /proc/self/mountinfo")
	if r.err != nil || !strings.Contains(r.stdout, "refused") || strings.Contains(r.stdout, "WROTE") {
		return fmt.Errorf("want the write to / refused: %v", r)
	}
	if !strings.Contains(r.stdout, " ro,") && !strings.Contains(r.stdout, " ro ") {
		return fmt.Errorf("/ is not mounted ro: %q", r.stdout)
	}
	// A writable container can write (the check above means something).
	r, _ = e.run(nil, "rw", "sh", "-c", "echo x > /written && echo WROTE")
	if !strings.Contains(r.stdout, "WROTE") {
		return fmt.Errorf("without --read-only: %v", r)
	}
	return nil
}

func ctrStepMounts(e *containerdEnv) error {
	ro, rw := filepath.Join(e.dir, "share-ro"), filepath.Join(e.dir, "share-rw")
	for _, d := range []string{ro, rw} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(ro, "f"), []byte("host-data\n"), 0o644); err != nil {
		return err
	}
	out, err := e.runOK([]string{
		"--mount", "type=bind,src=" + ro + ",dst=/ro,options=rbind:ro",
		"--mount", "type=bind,src=" + rw + ",dst=/rw,options=rbind:rw",
	}, "mounts", "sh", "-c", "cat /ro/f; if touch /ro/x 2>/dev/null; then echo ro-writable; fi; echo from-container > /rw/out")
	if err != nil {
		return err
	}
	if !strings.Contains(out, "host-data") || strings.Contains(out, "ro-writable") {
		return fmt.Errorf("ro bind: output %q", out)
	}
	if _, err := os.Stat(filepath.Join(ro, "x")); err == nil {
		return fmt.Errorf("write through the ro bind reached the host")
	}
	if data, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(data) != "from-container\n" {
		return fmt.Errorf("rw bind: host sees %q (%v)", data, err)
	}
	return nil
}

// netDevs lists the interfaces of /proc/net/dev output (lines "name:
// counters..."; anything else in out is ignored).
func netDevs(out string) []string {
	var devs []string
	for _, l := range strings.Split(out, "\n") {
		i := strings.Index(l, ":")
		if i <= 0 {
			continue
		}
		f := strings.Fields(l[i+1:])
		if len(f) < 16 {
			continue
		}
		if _, err := strconv.ParseUint(f[0], 10, 64); err != nil {
			continue
		}
		devs = append(devs, strings.TrimSpace(l[:i]))
	}
	sort.Strings(devs)
	return devs
}

func hostNetDevs() []string {
	data, _ := os.ReadFile("/proc/net/dev")
	return netDevs(string(data))
}

func ctrStepNetHost(e *containerdEnv) error {
	before := hostNetDevs()
	out, err := e.runOK([]string{"--net-host"}, "nethost", "cat", "/proc/net/dev")
	if err != nil {
		return err
	}
	// Other clients may add or remove host interfaces meanwhile: require
	// the ones present before and after.
	got, after := netDevs(out), hostNetDevs()
	have := map[string]bool{}
	for _, d := range got {
		have[d] = true
	}
	stable := 0
	for _, d := range before {
		if containsLine(strings.Join(after, "\n"), d) {
			stable++
			if !have[d] {
				return fmt.Errorf("--net-host sees %v, lacks the host's %s", got, d)
			}
		}
	}
	if stable < 2 {
		return Skip("the host has no interface besides lo: %v", before)
	}
	return nil
}

func ctrStepNetPrivate(e *containerdEnv) error {
	out, err := e.runOK(nil, "netpriv", "sh", "-c", "cat /proc/net/dev; readlink /proc/self/ns/net")
	if err != nil {
		return err
	}
	if got := netDevs(out); strings.Join(got, " ") != "lo" {
		return fmt.Errorf("default network sees %v, want only lo", got)
	}
	host, _ := os.Readlink("/proc/self/ns/net")
	if strings.Contains(out, host) {
		return fmt.Errorf("container shares the host network namespace %s", host)
	}
	return nil
}

// statusField returns a field of /proc/<pid>/status text.
func statusField(status, field string) string {
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, field+":") {
			return strings.TrimSpace(strings.TrimPrefix(l, field+":"))
		}
	}
	return ""
}

func capMask(status, field string) (uint64, error) {
	return strconv.ParseUint(statusField(status, field), 16, 64)
}

func ctrStepCaps(e *containerdEnv) error {
	out, err := e.runOK(nil, "caps", "cat", "/proc/self/status")
	if err != nil {
		return err
	}
	for _, f := range []string{"CapEff", "CapPrm", "CapBnd"} {
		if m, err := capMask(out, f); err != nil || m != ctrDefaultCaps {
			return fmt.Errorf("default %s %s, want %016x", f, statusField(out, f), ctrDefaultCaps)
		}
	}
	out, err = e.runOK([]string{"--cap-add", "CAP_SYS_ADMIN", "--cap-drop", "CAP_CHOWN"}, "capadd", "cat", "/proc/self/status")
	if err != nil {
		return err
	}
	want := (ctrDefaultCaps | 1<<unix.CAP_SYS_ADMIN) &^ (1 << unix.CAP_CHOWN)
	for _, f := range []string{"CapEff", "CapBnd"} {
		if m, err := capMask(out, f); err != nil || m != want {
			return fmt.Errorf("with --cap-add CAP_SYS_ADMIN --cap-drop CAP_CHOWN: %s %s, want %016x", f, statusField(out, f), want)
		}
	}
	return nil
}

func ctrStepPrivileged(e *containerdEnv) error {
	r, _ := e.run([]string{"--privileged"}, "priv", "sh", "-c", "cat /proc/self/status; ls /dev | wc -l")
	self, _ := os.ReadFile("/proc/self/status")
	hostBnd, _ := capMask(string(self), "CapBnd")
	if r.err != nil {
		// Privileged asks for every capability the kernel knows; a host
		// whose root lacks some cannot grant them, on any runtime.
		last, _ := os.ReadFile("/proc/sys/kernel/cap_last_cap")
		n, _ := strconv.Atoi(strings.TrimSpace(string(last)))
		all := uint64(1)<<(n+1) - 1
		if hostEff, _ := capMask(string(self), "CapEff"); hostEff != all {
			return Skip("host root has CapEff %016x, not all %016x (no CAP_SYS_RESOURCE?): --privileged cannot be granted: %s", hostEff, all, trim(r.stderr))
		}
		return fmt.Errorf("%v", r)
	}
	if m, err := capMask(r.stdout, "CapEff"); err != nil || m != hostBnd {
		return fmt.Errorf("privileged CapEff %s, want the host's bounding set %016x", statusField(r.stdout, "CapEff"), hostBnd)
	}
	// Privileged also gets the host's devices.
	if dev := hostBlockDevice(); dev != "" {
		r, _ = e.run([]string{"--privileged"}, "privdev", "sh", "-c", "test -b "+dev+" && echo has-dev")
		if !strings.Contains(r.stdout, "has-dev") {
			return fmt.Errorf("privileged container lacks the host's %s: %v", dev, r)
		}
	}
	return nil
}

// hostBlockDevice returns a /dev path of a host block device (not a loop
// or ram device), "" if none.
func hostBlockDevice() string {
	ents, _ := os.ReadDir("/sys/block")
	for _, ent := range ents {
		n := ent.Name()
		if strings.HasPrefix(n, "loop") || strings.HasPrefix(n, "ram") || strings.HasPrefix(n, "zram") {
			continue
		}
		if fi, err := os.Stat("/dev/" + n); err == nil && fi.Mode()&os.ModeDevice != 0 {
			return "/dev/" + n
		}
	}
	return ""
}

func ctrStepSeccomp(e *containerdEnv) error {
	const probe = "cat /proc/self/status; if unshare -U true 2>/dev/null; then echo USERNS-OK; else echo USERNS-DENIED; fi"
	with, err := e.runOK([]string{"--seccomp"}, "seccomp", "sh", "-c", probe)
	if err != nil {
		return err
	}
	if s := statusField(with, "Seccomp"); s != "2" {
		return fmt.Errorf("with --seccomp: Seccomp %q, want 2", s)
	}
	without, err := e.runOK(nil, "noseccomp", "sh", "-c", probe)
	if err != nil {
		return err
	}
	if s := statusField(without, "Seccomp"); s != "0" {
		return fmt.Errorf("without --seccomp: Seccomp %q, want 0", s)
	}
	// The profile is enforced: it denies unshare(CLONE_NEWUSER) without
	// CAP_SYS_ADMIN (checked when the host allows it unfiltered).
	if strings.Contains(without, "USERNS-OK") && !strings.Contains(with, "USERNS-DENIED") {
		return fmt.Errorf("with --seccomp, unshare -U still succeeds")
	}
	return nil
}

func ctrStepMasked(e *containerdEnv) error {
	r, _ := e.run(nil, "masked", "sh", "-c",
		"echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c); if echo x > /proc/sys/kernel/domainname 2>/dev/null; then echo SYSRW; else echo sys-ro; fi; ls /proc/acpi 2>/dev/null | wc -l")
	if r.err != nil {
		return fmt.Errorf("%v", r)
	}
	if !strings.Contains(r.stdout, "kcore=0") {
		return fmt.Errorf("/proc/kcore is readable: %q", r.stdout)
	}
	if !strings.Contains(r.stdout, "sys-ro") {
		return fmt.Errorf("/proc/sys is writable: %q", r.stdout)
	}
	return nil
}

func ctrStepNoLeak(e *containerdEnv) error {
	if e.main != "" {
		e.remove(e.main)
		e.main = ""
	}
	var problems []string
	if r := e.ctr(nil, "task", "ls", "-q"); strings.TrimSpace(r.stdout) != "" {
		problems = append(problems, "tasks: "+trim(r.stdout))
	}
	if r := e.ctr(nil, "container", "ls", "-q"); strings.TrimSpace(r.stdout) != "" {
		problems = append(problems, "containers: "+trim(r.stdout))
	}
	e.mu.Lock()
	ids := append([]string(nil), e.ids...)
	e.mu.Unlock()
	for _, id := range ids {
		if d := e.cgroupDirs(id); len(d) > 0 {
			problems = append(problems, fmt.Sprintf("cgroups of %s: %v", id, d))
		}
	}
	// The only mounts of the instance: none once every task is deleted
	// (snapshots are mounted for a task's lifetime).
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if m := mountsUnder(string(mi), e.dir); len(m) > 0 {
		problems = append(problems, fmt.Sprintf("mounts: %v", m))
	}
	for _, id := range ids {
		if _, err := os.Stat(shimSocket(e.sock, e.ns, id)); err == nil {
			problems = append(problems, "shim socket of "+id)
		}
		if _, err := os.Stat(filepath.Join(e.dir, "runc-root", e.ns, id)); err == nil {
			problems = append(problems, "runtime state of "+id)
		}
	}
	// Exactly no shims: every task is gone.
	if p := shimPids(e.sock); len(p) > 0 {
		problems = append(problems, fmt.Sprintf("shims: %v", p))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// ---- image ----

// busyboxLayer is a tar of a minimal busybox rootfs: busybox, a symlink
// per applet, the directories a container expects and /etc files.
func busyboxLayer(busybox []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mt := time.Unix(0, 0)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: mt})
	}
	for _, d := range []string{"bin", "dev", "proc", "sys", "etc", "root", "run", "var"} {
		if err := dir(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := dir("tmp", 0o1777); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(busybox)), ModTime: mt}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(busybox); err != nil {
		return nil, err
	}
	seen := map[string]bool{"busybox": true}
	for _, a := range applets {
		if a == "" || seen[a] || strings.Contains(a, "/") {
			continue
		}
		seen[a] = true
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: mt}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "sbin", Linkname: "bin", Mode: 0o777, ModTime: mt}); err != nil {
		return nil, err
	}
	files := []struct{ name, content string }{
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"},
		{"etc/group", "root:x:0:\nnobody:x:65534:\n"},
		{"etc/hosts", "127.0.0.1 localhost\n"},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.content)), ModTime: mt}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeBusyboxImage writes a docker-archive of a busybox image named
// ctrImage to path.
func writeBusyboxImage(path string) error {
	var bb string
	for _, c := range busyboxCandidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			bb = c
			break
		}
	}
	if bb == "" {
		return fmt.Errorf("no static busybox in %v", busyboxCandidates)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		return err
	}
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	layerTar, err := busyboxLayer(data, strings.Split(strings.TrimSpace(string(list)), "\n"))
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = goruntime.GOARCH, "linux"
	cf.Config = v1.Config{Cmd: []string{"sh"}, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, WorkingDir: "/"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag(ctrImage)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(path, ref, img)
}

// ---- teardown ----

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder returns the mount points in mountinfo text at or under dir,
// deepest first (the order to unmount them in).
func mountsUnder(mountinfo, dir string) []string {
	dir = filepath.Clean(dir)
	var out []string
	for _, l := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sortDeepestFirst(out)
	return out
}

// sortDeepestFirst orders paths so that children come before parents.
func sortDeepestFirst(paths []string) {
	sort.SliceStable(paths, func(i, j int) bool {
		di, dj := strings.Count(paths[i], "/"), strings.Count(paths[j], "/")
		if di != dj {
			return di > dj
		}
		return paths[i] > paths[j]
	})
}

// shimPids lists the containerd shims serving the containerd at address
// (their command line names it: -address <sock>).
func shimPids(address string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if isShimOf(strings.Split(string(data), "\x00"), address) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isShimOf reports whether argv is a containerd shim of address.
func isShimOf(argv []string, address string) bool {
	if len(argv) == 0 || !strings.Contains(filepath.Base(argv[0]), "containerd-shim") {
		return false
	}
	for _, a := range argv[1:] {
		if a == address || strings.HasSuffix(a, "="+address) {
			return true
		}
	}
	return false
}

// shimSocket is where containerd 1.6 puts the shim socket of a task.
func shimSocket(address, ns, id string) string {
	d := sha256.Sum256([]byte(filepath.Join(address, ns, id)))
	return filepath.Join(shimSocketRoot, "s", hex.EncodeToString(d[:]))
}

// Close removes everything the env made; it returns the first problem
// it could not fix.
func (e *containerdEnv) Close() error {
	var errs []error
	daemonUp := e.daemon != nil && e.daemon.Process != nil && !e.exited()
	if daemonUp {
		r := e.ctr(nil, "container", "ls", "-q")
		ids := strings.Fields(r.stdout)
		r = e.ctr(nil, "task", "ls", "-q")
		for _, id := range strings.Fields(r.stdout) {
			if !containsLine(strings.Join(ids, "\n"), id) {
				ids = append(ids, id)
			}
		}
		for _, id := range ids {
			e.remove(id)
		}
		e.ctr(nil, "images", "rm", ctrImage)
		for _, sn := range []string{e.snapshot, "overlayfs", "native"} {
			if sn == "" {
				continue
			}
			r := e.ctr(nil, "snapshots", "--snapshotter", sn, "ls")
			for i, l := range strings.Split(r.stdout, "\n") {
				if f := strings.Fields(l); i > 0 && len(f) > 0 {
					e.ctr(nil, "snapshots", "--snapshotter", sn, "rm", f[0])
				}
			}
		}
		e.ctr(nil, "namespaces", "rm", e.ns)
	}
	if e.daemon != nil && e.daemon.Process != nil {
		if !e.exited() {
			e.daemon.Process.Signal(syscall.SIGTERM)
			select {
			case <-e.waitErr:
			case <-time.After(10 * time.Second):
				e.daemon.Process.Kill()
				<-e.waitErr
			}
		}
	}
	// Shims of this instance (they outlive containerd by design).
	for _, pid := range shimPids(e.sock) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(5 * time.Second); len(shimPids(e.sock)) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if p := shimPids(e.sock); len(p) > 0 {
		errs = append(errs, fmt.Errorf("shims still alive: %v", p))
	}
	// Container processes a dead shim left: whatever is in our cgroups.
	e.killCgroupProcs()
	time.Sleep(100 * time.Millisecond)
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, mp := range mountsUnder(string(mi), e.dir) {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("umount %s: %w", mp, err))
		}
	}
	if err := e.removeCgroups(); err != nil {
		errs = append(errs, err)
	}
	e.mu.Lock()
	ids := append([]string(nil), e.ids...)
	e.mu.Unlock()
	for _, id := range ids {
		os.Remove(shimSocket(e.sock, e.ns, id))
	}
	if e.madeRun {
		os.Remove(filepath.Join(shimSocketRoot, "s"))
		os.Remove(shimSocketRoot)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e *containerdEnv) exited() bool {
	select {
	case err := <-e.waitErr:
		e.waitErr <- err
		return true
	default:
		return false
	}
}

// nsCgroupDirs lists the cgroup dirs of the namespace on every hierarchy,
// deepest first.
func (e *containerdEnv) nsCgroupDirs() []string {
	var dirs []string
	hs, _ := os.ReadDir(cgroupRoot)
	for _, h := range hs {
		root := filepath.Join(cgroupRoot, h.Name(), e.ns)
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sortDeepestFirst(dirs)
	return dirs
}

func (e *containerdEnv) killCgroupProcs() {
	for _, d := range e.nsCgroupDirs() {
		if data, err := os.ReadFile(filepath.Join(d, "freezer.state")); err == nil && strings.TrimSpace(string(data)) != "THAWED" {
			os.WriteFile(filepath.Join(d, "freezer.state"), []byte("THAWED"), 0o644)
		}
		data, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		for _, s := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(s); err == nil && pid > 1 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

func (e *containerdEnv) removeCgroups() error {
	var errs []error
	for _, d := range e.nsCgroupDirs() {
		var err error
		for i := 0; i < 20; i++ {
			if err = os.Remove(d); err == nil || os.IsNotExist(err) {
				err = nil
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
