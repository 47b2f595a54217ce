package clients

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The docker scenario starts a private dockerd (Debian's docker.io 20.10)
// per runtime with its own data and exec roots, socket, bridge, containerd
// namespaces and cgroup parent, makes the runtime its default, imports a
// busybox image and drives the docker and docker-compose clients through
// the everyday commands.

const (
	dockerBin        = "/usr/bin/docker" // the 20.10 client (not /usr/local/bin's 28.x)
	dockerdBin       = "/usr/sbin/dockerd"
	dockerComposeBin = "/usr/bin/docker-compose"
	dockerImage      = "hulltest/busybox:latest"
	// dockerUDPEchoEnv turns the running binary into a UDP echo server (the
	// busybox image has no UDP listener): the scenario copies its own
	// executable into the image and runs it with this variable set to the
	// address to listen on.
	dockerUDPEchoEnv  = "HULL_CLIENTS_UDP_ECHO"
	dockerUDPEchoPath = "/bin/hull-udp-echo"
)

func init() {
	if addr := os.Getenv(dockerUDPEchoEnv); addr != "" {
		os.Exit(dockerUDPEcho(addr))
	}
	register(dockerScenario())
}

// dockerUDPEcho answers every datagram with "echo:" and its payload.
func dockerUDPEcho(addr string) int {
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("listening")
	buf := make([]byte, 2048)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		c.WriteTo(append([]byte("echo:"), buf[:n]...), from)
	}
}

type dockerEnv struct {
	rt       Runtime
	rtName   string // the name dockerd knows the runtime by
	dir      string
	tag      string // unique per run: names, namespaces, netdevs
	sock     string
	dataRoot string
	execRoot string
	cgParent string // cgroup parent of every container ("/hull-docker-<tag>")
	bridge   string
	nets     netip.Prefix // a /22: .0/24 bridge, .1 user net, .2 macvlan, .3 compose
	veth     string       // macvlan parent (its peer is veth+"p")
	iptables bool
	daemon   *exec.Cmd
	exited   chan struct{}
	logPath  string
	seq      int
	target   string // the long-running container the exec steps share
	// What dockerd creates on the host outside dir, and whether it was
	// there before: Close removes what was not.
	hadChains, hadKey, hadRunDir, hadShimDir bool
	daemonStarted                            bool
}

const (
	dockerKeyPath = "/etc/docker/key.json" // dockerd 20.10's trust key, whatever --data-root
	dockerRunDir  = "/run/docker"          // it makes /run/docker/plugins
	dockerShimDir = "/run/containerd"      // the v2 shims' sockets: /run/containerd/s
)

func dockerScenario() Scenario[*dockerEnv] {
	return Scenario[*dockerEnv]{
		Name:  "docker",
		Setup: dockerSetup,
		Steps: []Step[*dockerEnv]{
			{"runtime in use", (*dockerEnv).stepRuntimeInUse},
			{"run: exit code", (*dockerEnv).stepRunExitCode},
			{"run: output", (*dockerEnv).stepRunOutput},
			{"run -i: stdin", (*dockerEnv).stepRunStdin},
			{"run -t: tty", (*dockerEnv).stepRunTTY},
			{"run -d + logs", (*dockerEnv).stepRunDetachedLogs},
			{"run -e: env", (*dockerEnv).stepRunEnv},
			{"run -w: workdir", (*dockerEnv).stepRunWorkdir},
			{"run -u: user", (*dockerEnv).stepRunUser},
			{"run -h: hostname", (*dockerEnv).stepRunHostname},
			{"run --read-only", (*dockerEnv).stepRunReadOnly},
			{"HOME from /etc/passwd", (*dockerEnv).stepHome},
			{"stop", (*dockerEnv).stepStop},
			{"kill", (*dockerEnv).stepKill},
			{"restart", (*dockerEnv).stepRestart},
			{"pause/unpause", (*dockerEnv).stepPause},
			{"top", (*dockerEnv).stepTop},
			{"stats --no-stream", (*dockerEnv).stepStats},
			{"update --memory", (*dockerEnv).stepUpdate},
			{"exec: output", (*dockerEnv).stepExecOutput},
			{"exec: exit code", (*dockerEnv).stepExecExitCode},
			{"exec -t", (*dockerEnv).stepExecTTY},
			{"exec -u", (*dockerEnv).stepExecUser},
			{"exec -e", (*dockerEnv).stepExecEnv},
			{"exec -w", (*dockerEnv).stepExecWorkdir},
			{"--memory: OOMKilled", (*dockerEnv).stepOOM},
			{"--cpus", (*dockerEnv).stepCPUs},
			{"--pids-limit", (*dockerEnv).stepPidsLimit},
			{"--ulimit nofile", (*dockerEnv).stepUlimit},
			{"--cap-drop/--cap-add", (*dockerEnv).stepCaps},
			{"no-new-privileges", (*dockerEnv).stepNoNewPrivs},
			{"default seccomp", (*dockerEnv).stepSeccomp},
			{"masked paths", (*dockerEnv).stepMaskedPaths},
			{"named volume", (*dockerEnv).stepNamedVolume},
			{"bind mount rw", (*dockerEnv).stepBindRW},
			{"bind mount ro", (*dockerEnv).stepBindRO},
			{"--tmpfs", (*dockerEnv).stepTmpfs},
			{"cp in/out", (*dockerEnv).stepCp},
			{"network: default bridge", (*dockerEnv).stepBridge},
			{"network: user-defined DNS", (*dockerEnv).stepUserNet},
			{"network: none", (*dockerEnv).stepNetNone},
			{"network: host", (*dockerEnv).stepNetHost},
			{"network: container:<name>", (*dockerEnv).stepNetContainer},
			{"network: macvlan", (*dockerEnv).stepMacvlan},
			{"-p hostport:port", (*dockerEnv).stepPublish},
			{"-p port (random)", (*dockerEnv).stepPublishRandom},
			{"-p 127.0.0.1:hostport:port", (*dockerEnv).stepPublishLoopback},
			{"-p hostport:port/udp", (*dockerEnv).stepPublishUDP},
			{"docker-compose", (*dockerEnv).stepCompose},
		},
	}
}

// ---- setup and teardown ----

// dockerReservedRuntimes are names dockerd refuses in "runtimes".
var dockerReservedRuntimes = map[string]bool{"runc": true, "io.containerd.runc.v2": true, "io.containerd.runtime.v1.linux": true}

// dockerRuntimeName is the name rt is registered under in daemon.json:
// its own, unless dockerd reserves it ("runc").
func dockerRuntimeName(rt Runtime) string {
	if dockerReservedRuntimes[rt.Name] {
		return rt.Name + "-ref"
	}
	return rt.Name
}

// dockerDaemonConfig is the daemon.json making rt the default runtime.
func dockerDaemonConfig(rtName, rtPath, storageDriver, cgroupParent string) ([]byte, error) {
	cfg := map[string]any{
		"runtimes":        map[string]any{rtName: map[string]string{"path": rtPath}},
		"default-runtime": rtName,
		"storage-driver":  storageDriver,
		"cgroup-parent":   cgroupParent,
		"log-driver":      "json-file",
	}
	return json.MarshalIndent(cfg, "", "\t")
}

// dockerPickNets chooses a /22 in 10.0.0.0/8 overlapping none of used,
// trying the candidates rnd gives.
func dockerPickNets(used []netip.Prefix, rnd func() uint32) (netip.Prefix, error) {
	for i := 0; i < 200; i++ {
		r := rnd()
		b := byte(200 + (r&0xff)%50)
		c := byte((r>>8&0xff)%64) * 4
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, b, c, 0}), 22)
		free := true
		for _, u := range used {
			if u.Overlaps(p) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free 10.x.y.0/22")
}

// dockerSubnet is the i'th /24 of the env's /22; host is the last octet
// (0 for the network itself).
func dockerSubnet(p netip.Prefix, i, host int) string {
	a := p.Addr().As4()
	a[2] += byte(i)
	a[3] = byte(host)
	if host == 0 {
		return netip.PrefixFrom(netip.AddrFrom4(a), 24).String()
	}
	return netip.AddrFrom4(a).String()
}

// dockerHostPrefixes lists the host's addresses and routes.
func dockerHostPrefixes() []netip.Prefix {
	var out []netip.Prefix
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, p.Masked())
			}
		}
	}
	if b, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output(); err == nil {
		out = append(out, dockerParseRoutes(string(b))...)
	}
	return out
}

// dockerParseRoutes reads the destinations of "ip -4 route" lines.
func dockerParseRoutes(s string) []netip.Prefix {
	var out []netip.Prefix
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		dst := f[0]
		switch dst {
		case "default", "broadcast", "local", "unreachable", "blackhole", "prohibit", "throw", "unicast", "multicast":
			if dst == "default" || len(f) < 2 {
				continue
			}
			dst = f[1]
		}
		if !strings.Contains(dst, "/") {
			dst += "/32"
		}
		if p, err := netip.ParsePrefix(dst); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

func dockerRandTag() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func dockerRand32() uint32 {
	b := make([]byte, 4)
	rand.Read(b)
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func dockerSetup(rt Runtime, dir string) (*dockerEnv, error) {
	e := &dockerEnv{
		rt:       rt,
		rtName:   dockerRuntimeName(rt),
		dir:      dir,
		tag:      dockerRandTag(),
		sock:     filepath.Join(dir, "docker.sock"),
		dataRoot: filepath.Join(dir, "data"),
		execRoot: filepath.Join(dir, "exec"),
		logPath:  filepath.Join(dir, "dockerd.log"),
	}
	e.cgParent = "/hull-docker-" + e.tag
	e.bridge = "hullbr" + e.tag
	e.veth = "hullmv" + e.tag
	if err := e.setup(); err != nil {
		if cerr := e.Close(); cerr != nil {
			err = fmt.Errorf("%w (teardown: %v)", err, cerr)
		}
		return nil, err
	}
	return e, nil
}

func (e *dockerEnv) setup() error {
	for _, bin := range []string{dockerBin, dockerdBin} {
		if _, err := os.Stat(bin); err != nil {
			return err
		}
	}
	_, err := exec.LookPath("iptables")
	e.iptables = err == nil
	if e.iptables {
		e.hadChains = exec.Command("iptables", "-w", "-S", "DOCKER-USER").Run() == nil
	}
	_, err = os.Stat(dockerKeyPath)
	e.hadKey = err == nil
	_, err = os.Stat(dockerRunDir)
	e.hadRunDir = err == nil
	_, err = os.Stat(dockerShimDir)
	e.hadShimDir = err == nil
	if e.nets, err = dockerPickNets(dockerHostPrefixes(), dockerRand32); err != nil {
		return err
	}
	// The default bridge: docker takes its subnet from the address on it.
	for _, args := range [][]string{
		{"link", "add", e.bridge, "type", "bridge"},
		{"addr", "add", dockerSubnet(e.nets, 0, 1) + "/24", "dev", e.bridge},
		{"link", "set", e.bridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	if err := e.makeImageTar(); err != nil {
		return fmt.Errorf("image rootfs: %w", err)
	}
	err = e.startDaemon("overlay2")
	if err != nil {
		log, _ := os.ReadFile(e.logPath)
		if !bytes.Contains(log, []byte("overlay")) {
			return err
		}
		e.stopDaemon()
		os.RemoveAll(e.dataRoot)
		if err2 := e.startDaemon("vfs"); err2 != nil {
			return fmt.Errorf("overlay2: %v; vfs: %w", err, err2)
		}
	}
	out, err := e.run("", dockerBin, "-H", "unix://"+e.sock, "import", "--change", `CMD ["sh"]`, filepath.Join(e.dir, "rootfs.tar"), dockerImage)
	if err != nil {
		return fmt.Errorf("docker import: %w", err)
	}
	_ = out
	return nil
}

// makeImageTar builds dir/rootfs.tar: a busybox rootfs (as
// internal/testutil.MakeBusyboxRootfs) plus this executable, with its
// shared libraries, as the UDP echo server.
func (e *dockerEnv) makeImageTar() error {
	root := filepath.Join(e.dir, "rootfs")
	bb, err := exec.LookPath("busybox")
	if err != nil {
		bb = "/bin/busybox"
	}
	for _, d := range []string{"bin", "dev", "proc", "sys", "etc", "tmp", "root", "run", "var", "home/user"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := dockerCopyFile(bb, filepath.Join(root, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	list, err := exec.Command(bb, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, name := range strings.Fields(string(list)) {
		if name == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(root, "bin", name)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	if err := os.Symlink("bin", filepath.Join(root, "sbin")); err != nil {
		return err
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":  "root:x:0:\nuser:x:1000:\nnobody:x:65534:\n",
		"etc/hosts":  "127.0.0.1 localhost\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := os.Chown(filepath.Join(root, "home/user"), 1000, 1000); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := dockerCopyFile(self, filepath.Join(root, dockerUDPEchoPath), 0o755); err != nil {
		return err
	}
	libs, err := dockerSharedLibs(self)
	if err != nil {
		return err
	}
	for _, lib := range libs {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(lib)), 0o755); err != nil {
			return err
		}
		if err := dockerCopyFile(lib, filepath.Join(root, lib), 0o755); err != nil {
			return err
		}
	}
	if out, err := exec.Command("tar", "-C", root, "-cf", filepath.Join(e.dir, "rootfs.tar"), ".").CombinedOutput(); err != nil {
		return fmt.Errorf("tar: %v: %s", err, out)
	}
	return os.RemoveAll(root)
}

func dockerCopyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// dockerSharedLibs lists the absolute paths ldd prints for bin (none for
// a static binary).
func dockerSharedLibs(bin string) ([]string, error) {
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "not a dynamic executable") {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %v: %s", bin, err, out)
	}
	return dockerParseLdd(string(out)), nil
}

// dockerParseLdd reads the library paths of ldd's output.
func dockerParseLdd(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func (e *dockerEnv) startDaemon(driver string) error {
	cfg, err := dockerDaemonConfig(e.rtName, e.rt.Path, driver, e.cgParent)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(e.dir, "daemon.json")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return err
	}
	logf, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{
		"--config-file", cfgPath,
		"--data-root", e.dataRoot,
		"--exec-root", e.execRoot,
		"--pidfile", filepath.Join(e.dir, "docker.pid"),
		"-H", "unix://" + e.sock,
		"--bridge", e.bridge,
		"--containerd-namespace", "hull-" + e.tag,
		"--containerd-plugins-namespace", "hull-" + e.tag + "-plugins",
		// No host sysctl or FORWARD policy change: nothing here routes
		// off the host.
		"--ip-forward=false",
		"--iptables=" + strconv.FormatBool(e.iptables),
	}
	cmd := exec.Command(dockerdBin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = e.dir
	if err := cmd.Start(); err != nil {
		return err
	}
	e.daemon = cmd
	e.daemonStarted = true
	e.exited = make(chan struct{})
	go func() { cmd.Wait(); close(e.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-e.exited:
			return fmt.Errorf("dockerd exited: %s", e.logTail())
		default:
		}
		if _, err := e.run("", dockerBin, "-H", "unix://"+e.sock, "info", "--format", "{{.ServerVersion}}"); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd not answering after 60s: %s", e.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *dockerEnv) logTail() string {
	b, _ := os.ReadFile(e.logPath)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}

// stopDaemon stops dockerd: SIGTERM, 20 s, SIGKILL.
func (e *dockerEnv) stopDaemon() error {
	if e.daemon == nil {
		return nil
	}
	defer func() { e.daemon = nil }()
	e.daemon.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
		return nil
	case <-time.After(20 * time.Second):
	}
	e.daemon.Process.Kill()
	<-e.exited
	return errors.New("dockerd ignored SIGTERM for 20s: killed")
}

// Close removes the containers, stops dockerd, kills whatever of it is
// left (containerd, shims, proxies, container processes), unmounts what is
// mounted under dir, deletes the netdevs, iptables rules and cgroups and
// the directory.
func (e *dockerEnv) Close() error {
	var errs []error
	if e.daemon != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if out, err := e.dockerCtx(ctx, "", "ps", "-aq"); err == nil && strings.TrimSpace(out) != "" {
			if _, err := e.dockerCtx(ctx, "", append([]string{"rm", "-f", "-v"}, strings.Fields(out)...)...); err != nil {
				errs = append(errs, err)
			}
		}
		cancel()
	}
	procs := dockerFindProcs(e.dir, e.daemonPid())
	if err := e.stopDaemon(); err != nil {
		errs = append(errs, err)
	}
	// containerd, shims, docker-proxy and container processes still there.
	left := 0
	for _, p := range append(procs, dockerFindProcs(e.dir, 0)...) {
		if p.alive() {
			left++
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
	left += dockerKillCgroup(e.cgParent)
	if left > 0 {
		errs = append(errs, fmt.Errorf("killed %d leftover processes", left))
	}
	// Wait for them to be gone, zombies included: the shims are reparented
	// to PID 1, which reaps them when it gets to it.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range append(procs, dockerFindProcs(e.dir, 0)...) {
		for p.present() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if mi, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, m := range dockerMountsUnder(string(mi), e.dir) {
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("umount %s: %w", m, err))
			}
		}
	}
	for _, dev := range []string{e.bridge, e.veth} {
		if _, err := net.InterfaceByName(dev); err == nil {
			if out, err := exec.Command("ip", "link", "del", dev).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("ip link del %s: %v: %s", dev, err, out))
			}
		}
	}
	if e.iptables && e.nets.IsValid() {
		if err := e.cleanIptables(); err != nil {
			errs = append(errs, err)
		}
	}
	if e.iptables && e.daemonStarted && !e.hadChains {
		if err := dockerIptablesRun(dockerIptablesResidue); err != nil {
			errs = append(errs, err)
		}
	}
	if err := dockerRemoveCgroups(e.cgParent); err != nil {
		errs = append(errs, err)
	}
	if e.daemonStarted {
		if !e.hadKey {
			os.Remove(dockerKeyPath)
		}
		if !e.hadRunDir {
			os.Remove(filepath.Join(dockerRunDir, "plugins"))
			os.Remove(dockerRunDir)
		}
		if !e.hadShimDir { // only if empty: a containerd of the host's may have come up meanwhile
			os.Remove(filepath.Join(dockerShimDir, "s"))
			os.Remove(dockerShimDir)
		}
	}
	if mi, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		if left := dockerMountsUnder(string(mi), e.dir); len(left) > 0 {
			// Never RemoveAll through a mount.
			errs = append(errs, fmt.Errorf("still mounted: %v", left))
			return errors.Join(errs...)
		}
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e *dockerEnv) daemonPid() int {
	if e.daemon == nil || e.daemon.Process == nil {
		return 0
	}
	return e.daemon.Process.Pid
}

type dockerProc struct {
	pid   int
	start string // /proc/pid/stat starttime: tells a reused pid apart
}

// dockerProcStat reads a process's start time, parent and whether it is
// a zombie; ok is false when it is gone.
func dockerProcStat(pid int) (start string, ppid int, zombie, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", 0, false, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is state (field 3), ppid is field 4, starttime field 22.
	if len(f) < 20 {
		return "", 0, false, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return f[19], ppid, f[0] == "Z", true
}

// present: still in /proc, a zombie too.
func (p dockerProc) present() bool {
	start, _, _, ok := dockerProcStat(p.pid)
	return ok && start == p.start
}

// alive: present and not a zombie.
func (p dockerProc) alive() bool {
	start, _, zombie, ok := dockerProcStat(p.pid)
	return ok && !zombie && start == p.start
}

// dockerFindProcs lists the processes whose command line names dir
// (dockerd, containerd, the shims) and all their descendants, and the
// descendants of root (dockerd's docker-proxy processes).
func dockerFindProcs(dir string, root int) []dockerProc {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	starts := map[int]string{}
	var seeds []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		start, ppid, _, ok := dockerProcStat(pid)
		if !ok {
			continue
		}
		starts[pid] = start
		children[ppid] = append(children[ppid], pid)
		if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && bytes.Contains(cmd, []byte(dir)) {
			seeds = append(seeds, pid)
		}
	}
	if root > 0 {
		seeds = append(seeds, root)
	}
	seen := map[int]bool{}
	var out []dockerProc
	for len(seeds) > 0 {
		pid := seeds[0]
		seeds = seeds[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if s, ok := starts[pid]; ok {
			out = append(out, dockerProc{pid, s})
		}
		seeds = append(seeds, children[pid]...)
	}
	return out
}

// dockerCgroupDirs lists parent's directory in every v1 hierarchy (and
// the unified one).
func dockerCgroupDirs(parent string) []string {
	ents, _ := os.ReadDir("/sys/fs/cgroup")
	var out []string
	for _, ent := range ents {
		d := filepath.Join("/sys/fs/cgroup", ent.Name(), parent)
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	if fi, err := os.Stat(filepath.Join("/sys/fs/cgroup", parent, "cgroup.procs")); err == nil && !fi.IsDir() {
		out = append(out, filepath.Join("/sys/fs/cgroup", parent))
	}
	return out
}

// dockerKillCgroup SIGKILLs every process left in parent's cgroups and
// says how many there were.
func dockerKillCgroup(parent string) int {
	n := 0
	for _, d := range dockerCgroupDirs(parent) {
		filepath.WalkDir(d, func(p string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() || de.Name() != "cgroup.procs" {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
					n++
				}
			}
			return nil
		})
	}
	return n
}

// dockerRemoveCgroups removes parent's cgroup trees, deepest first,
// retrying while killed processes exit.
func dockerRemoveCgroups(parent string) error {
	var last error
	for try := 0; try < 50; try++ {
		last = nil
		for _, d := range dockerCgroupDirs(parent) {
			var dirs []string
			filepath.WalkDir(d, func(p string, de os.DirEntry, err error) error {
				if err == nil && de.IsDir() {
					dirs = append(dirs, p)
				}
				return nil
			})
			sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
			for _, dd := range dirs {
				if err := syscall.Rmdir(dd); err != nil && !errors.Is(err, syscall.ENOENT) {
					last = fmt.Errorf("rmdir %s: %w", dd, err)
				}
			}
		}
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// dockerMountsUnder lists the mount points in mountinfo at or under dir,
// deepest (and, among equals, latest) first: the order to unmount them.
func dockerMountsUnder(mountinfo, dir string) []string {
	dir = filepath.Clean(dir)
	var out []string
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	// Reverse first so that, for equal paths, the later (top) mount comes
	// first; the stable sort keeps that order.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Count(out[i], "/") > strings.Count(out[j], "/")
	})
	return out
}

// cleanIptables deletes the rules naming this env's bridges or subnets
// (dockerd leaves its default bridge's rules behind on shutdown).
func (e *dockerEnv) cleanIptables() error {
	needles := []string{e.bridge, e.nets.String()}
	for i := 0; i < 4; i++ {
		needles = append(needles, dockerSubnet(e.nets, i, 0))
	}
	return dockerIptablesRun(func(rules string) [][]string { return dockerIptablesDeletes(rules, needles) })
}

// dockerIptablesRun runs, in the filter and nat tables, the commands plan
// derives from the table's iptables -S.
func dockerIptablesRun(plan func(rules string) [][]string) error {
	var errs []error
	for _, table := range []string{"filter", "nat"} {
		out, err := exec.Command("iptables", "-w", "-t", table, "-S").Output()
		if err != nil {
			errs = append(errs, fmt.Errorf("iptables -t %s -S: %w", table, err))
			continue
		}
		for _, rule := range plan(string(out)) {
			args := append([]string{"-w", "-t", table}, rule...)
			if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, out))
			}
		}
	}
	return errors.Join(errs...)
}

// dockerIptablesResidue removes dockerd's own chains (DOCKER,
// DOCKER-USER, DOCKER-ISOLATION-STAGE-*) and the jumps to them when they
// hold nothing but "-j RETURN": what dockerd leaves after its last
// network is gone. Chains still in use are left alone.
func dockerIptablesResidue(rules string) [][]string {
	var chains []string
	isDocker := map[string]bool{}
	var jumps [][]string
	for _, line := range strings.Split(rules, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "-N" && strings.HasPrefix(f[1], "DOCKER") {
			chains = append(chains, f[1])
			isDocker[f[1]] = true
		}
	}
	for _, line := range strings.Split(rules, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "-A" {
			continue
		}
		if isDocker[f[1]] {
			if len(f) != 4 || f[2] != "-j" || f[3] != "RETURN" {
				return nil // in use
			}
			continue
		}
		if n := len(f); n >= 2 && f[n-2] == "-j" && isDocker[f[n-1]] {
			args, err := dockerSplitRule(line)
			if err != nil {
				return nil
			}
			args[0] = "-D"
			jumps = append(jumps, args)
		}
	}
	out := jumps
	for _, c := range chains {
		out = append(out, []string{"-F", c})
	}
	for _, c := range chains {
		out = append(out, []string{"-X", c})
	}
	return out
}

// dockerIptablesDeletes turns the "-A" rules of iptables -S output that
// mention one of needles into "-D" argument lists.
func dockerIptablesDeletes(rules string, needles []string) [][]string {
	var out [][]string
	for _, line := range strings.Split(rules, "\n") {
		if !strings.HasPrefix(line, "-A ") {
			continue
		}
		hit := false
		for _, n := range needles {
			if n != "" && strings.Contains(line, n) {
				hit = true
			}
		}
		if !hit {
			continue
		}
		args, err := dockerSplitRule(line)
		if err != nil {
			continue
		}
		args[0] = "-D"
		out = append(out, args)
	}
	return out
}

// dockerSplitRule splits an iptables -S line into arguments (it quotes
// comments with double quotes).
func dockerSplitRule(line string) ([]string, error) {
	var args []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '"':
			quoted = !quoted
			in = true
		case c == ' ' && !quoted:
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unbalanced quote")
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}

// ---- running clients ----

type dockerResult struct {
	stdout, stderr string
	code           int
}

// run runs a command with stdin, for at most 90 s; err is set when it
// did not exit 0 and then says how it ended.
func (e *dockerEnv) run(stdin string, name string, args ...string) (string, error) {
	r, err := e.runCtx(context.Background(), stdin, nil, name, args...)
	if err != nil {
		return r.stdout, err
	}
	if r.code != 0 {
		return r.stdout, fmt.Errorf("%s %s: exit %d: %s", filepath.Base(name), strings.Join(args, " "), r.code, strings.TrimSpace(r.stderr+" "+dockerShort(r.stdout)))
	}
	return r.stdout, nil
}

func dockerShort(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// runCtx runs a command and returns its outputs and exit code; err is set
// only when it could not run or timed out.
func (e *dockerEnv) runCtx(ctx context.Context, stdin string, env []string, name string, args ...string) (dockerResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := dockerResult{stdout: so.String(), stderr: se.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return r, fmt.Errorf("%s %s: timed out: %s", filepath.Base(name), strings.Join(args, " "), dockerShort(r.stderr))
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		return r, err
	}
	return r, nil
}

// docker runs the docker client against this env's daemon.
func (e *dockerEnv) docker(args ...string) (string, error) {
	return e.run("", dockerBin, append([]string{"-H", "unix://" + e.sock}, args...)...)
}

func (e *dockerEnv) dockerCtx(ctx context.Context, stdin string, args ...string) (string, error) {
	r, err := e.runCtx(ctx, stdin, nil, dockerBin, append([]string{"-H", "unix://" + e.sock}, args...)...)
	if err == nil && r.code != 0 {
		err = fmt.Errorf("docker %s: exit %d: %s", strings.Join(args, " "), r.code, strings.TrimSpace(r.stderr))
	}
	return r.stdout, err
}

// dockerCode runs the client and returns its result whatever the exit code.
func (e *dockerEnv) dockerCode(stdin string, args ...string) (dockerResult, error) {
	return e.runCtx(context.Background(), stdin, nil, dockerBin, append([]string{"-H", "unix://" + e.sock}, args...)...)
}

// name is a container (or network, volume) name unique to this env.
func (e *dockerEnv) name(what string) string {
	e.seq++
	return fmt.Sprintf("hull-%s-%s-%d", e.tag, what, e.seq)
}

// runRm runs a one-off container and returns its trimmed output.
func (e *dockerEnv) runRm(args ...string) (string, error) {
	out, err := e.docker(append([]string{"run", "--rm"}, args...)...)
	return strings.TrimSpace(out), err
}

// daemonize starts a detached container running cmd (default: sleep) and
// returns its name; rm removes it.
func (e *dockerEnv) daemonize(what string, args ...string) (string, error) {
	n := e.name(what)
	a := append([]string{"run", "-d", "--name", n}, args...)
	if _, err := e.docker(a...); err != nil {
		e.rm(n)
		return "", err
	}
	return n, nil
}

func (e *dockerEnv) rm(names ...string) {
	e.docker(append([]string{"rm", "-f", "-v"}, names...)...)
}

func (e *dockerEnv) inspect(name, format string) (string, error) {
	out, err := e.docker("inspect", "--format", format, name)
	return strings.TrimSpace(out), err
}

// dockerPoll retries f every 200 ms until it succeeds or timeout passes.
func dockerPoll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func dockerExpect(got, want string) error {
	if got != want {
		return fmt.Errorf("got %q, want %q", got, want)
	}
	return nil
}

// dockerSleeper keeps a container running.
const dockerSleeper = "sleep 100000"

// ---- steps ----

func (e *dockerEnv) stepRuntimeInUse() error {
	n, err := e.daemonize("rt", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	if rt, err := e.inspect(n, "{{.HostConfig.Runtime}}"); err != nil || rt != e.rtName {
		return fmt.Errorf("HostConfig.Runtime = %q, %v; want %q", rt, err, e.rtName)
	}
	id, err := e.inspect(n, "{{.Id}}")
	if err != nil {
		return err
	}
	// The shim runs the runtime with --root exec-root/runtime-runc/<ns>
	// (dockerd 20.10 names that root after runc whatever the runtime).
	state, _ := filepath.Glob(filepath.Join(e.execRoot, "runtime-*", "*", id))
	if len(state) != 1 {
		return fmt.Errorf("runtime state dirs for the container: %v, want one", state)
	}
	return nil
}

func (e *dockerEnv) stepRunExitCode() error {
	r, err := e.dockerCode("", "run", "--rm", dockerImage, "sh", "-c", "exit 3")
	if err != nil {
		return err
	}
	if r.code != 3 {
		return fmt.Errorf("exit %d, want 3: %s", r.code, r.stderr)
	}
	return nil
}

func (e *dockerEnv) stepRunOutput() error {
	out, err := e.runRm(dockerImage, "sh", "-c", "echo hello; echo to-stderr >&2")
	if err != nil {
		return err
	}
	return dockerExpect(out, "hello")
}

func (e *dockerEnv) stepRunStdin() error {
	out, err := e.run("line one\nline two\n", dockerBin, "-H", "unix://"+e.sock, "run", "--rm", "-i", dockerImage, "sh", "-c", "wc -l; echo done")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "2 done")
}

func (e *dockerEnv) stepRunTTY() error {
	out, err := e.runRm("-t", dockerImage, "sh", "-c", "tty; [ -t 0 ] && echo stdin-is-tty")
	if err != nil {
		return err
	}
	out = strings.ReplaceAll(out, "\r", "")
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "/dev/pts/") || !strings.Contains(out, "stdin-is-tty") {
		return fmt.Errorf("tty said %q", out)
	}
	return nil
}

func (e *dockerEnv) stepRunDetachedLogs() error {
	n, err := e.daemonize("logs", dockerImage, "sh", "-c", "echo out-line; echo err-line >&2; "+dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	return dockerPoll(10*time.Second, func() error {
		r, err := e.dockerCode("", "logs", n)
		if err != nil {
			return err
		}
		if strings.TrimSpace(r.stdout) != "out-line" || strings.TrimSpace(r.stderr) != "err-line" {
			return fmt.Errorf("logs: stdout %q stderr %q", r.stdout, r.stderr)
		}
		return nil
	})
}

func (e *dockerEnv) stepRunEnv() error {
	out, err := e.runRm("-e", "FOO=bar baz", "-e", "EMPTY=", dockerImage, "sh", "-c", `echo "$FOO|${EMPTY-unset}|$PATH"`)
	if err != nil {
		return err
	}
	return dockerExpect(out, "bar baz||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

func (e *dockerEnv) stepRunWorkdir() error {
	out, err := e.runRm("-w", "/new/dir", dockerImage, "pwd")
	if err != nil {
		return err
	}
	return dockerExpect(out, "/new/dir")
}

func (e *dockerEnv) stepRunUser() error {
	out, err := e.runRm("-u", "1000:1000", dockerImage, "id")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(out, "uid=1000(user) gid=1000(user)") {
		return fmt.Errorf("id: %q", out)
	}
	return nil
}

func (e *dockerEnv) stepRunHostname() error {
	out, err := e.runRm("-h", "hull-host", dockerImage, "sh", "-c", "hostname; grep -c hull-host /etc/hosts")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "hull-host 1")
}

func (e *dockerEnv) stepRunReadOnly() error {
	r, err := e.dockerCode("", "run", "--rm", "--read-only", dockerImage, "sh", "-c", "touch /etc/x && echo wrote; touch /tmp/x && echo wrote-tmp")
	if err != nil {
		return err
	}
	if strings.Contains(r.stdout, "wrote") || !strings.Contains(r.stderr, "Read-only file system") {
		return fmt.Errorf("writes on a read-only rootfs: stdout %q stderr %q", r.stdout, r.stderr)
	}
	return nil
}

func (e *dockerEnv) stepHome() error {
	out, err := e.runRm(dockerImage, "sh", "-c", "echo $HOME")
	if err != nil {
		return err
	}
	if err := dockerExpect(out, "/root"); err != nil {
		return fmt.Errorf("root: %w", err)
	}
	out, err = e.runRm("-u", "1000", dockerImage, "sh", "-c", "echo $HOME")
	if err != nil {
		return err
	}
	if err := dockerExpect(out, "/home/user"); err != nil {
		return fmt.Errorf("uid 1000: %w", err)
	}
	return nil
}

// state is "Status Running Paused ExitCode".
func (e *dockerEnv) state(n string) (string, error) {
	return e.inspect(n, "{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.State.ExitCode}}")
}

func (e *dockerEnv) stepStop() error {
	// A trap: the exit code shows SIGTERM reached the process.
	n, err := e.daemonize("stop", dockerImage, "sh", "-c", `trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done`)
	if err != nil {
		return err
	}
	defer e.rm(n)
	if err := e.waitLog(n, "ready"); err != nil {
		return err
	}
	start := time.Now()
	if _, err := e.docker("stop", "-t", "20", n); err != nil {
		return err
	}
	st, err := e.state(n)
	if err != nil {
		return err
	}
	if err := dockerExpect(st, "exited false false 42"); err != nil {
		return err
	}
	if d := time.Since(start); d > 15*time.Second {
		return fmt.Errorf("stop took %s: SIGTERM not delivered", d)
	}
	return e.waitLog(n, "got-term")
}

func (e *dockerEnv) waitLog(n, want string) error {
	return dockerPoll(10*time.Second, func() error {
		out, err := e.docker("logs", n)
		if err != nil {
			return err
		}
		if !strings.Contains(out, want) {
			return fmt.Errorf("logs %q lack %q", out, want)
		}
		return nil
	})
}

func (e *dockerEnv) stepKill() error {
	n, err := e.daemonize("kill", dockerImage, "sh", "-c", `trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done`)
	if err != nil {
		return err
	}
	defer e.rm(n)
	if err := e.waitLog(n, "ready"); err != nil {
		return err
	}
	if _, err := e.docker("kill", "-s", "USR1", n); err != nil {
		return err
	}
	if err := e.waitLog(n, "got-usr1"); err != nil {
		return err
	}
	if st, err := e.state(n); err != nil || st != "running true false 0" {
		return fmt.Errorf("after SIGUSR1: %q %v", st, err)
	}
	if _, err := e.docker("kill", n); err != nil {
		return err
	}
	return dockerPoll(10*time.Second, func() error {
		st, err := e.state(n)
		if err != nil {
			return err
		}
		return dockerExpect(st, "exited false false 137")
	})
}

func (e *dockerEnv) stepRestart() error {
	n, err := e.daemonize("restart", dockerImage, "sh", "-c", "echo started; "+dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	pid1, err := e.inspect(n, "{{.State.Pid}}")
	if err != nil {
		return err
	}
	if _, err := e.docker("restart", "-t", "1", n); err != nil {
		return err
	}
	pid2, err := e.inspect(n, "{{.State.Pid}}")
	if err != nil {
		return err
	}
	st, err := e.state(n)
	if err != nil {
		return err
	}
	if st != "running true false 0" || pid1 == pid2 || pid2 == "0" {
		return fmt.Errorf("after restart: state %q, pid %s -> %s", st, pid1, pid2)
	}
	return dockerPoll(10*time.Second, func() error {
		out, err := e.docker("logs", n)
		if err != nil {
			return err
		}
		if c := strings.Count(out, "started"); c != 2 {
			return fmt.Errorf("logs %q: %d starts, want 2", out, c)
		}
		return nil
	})
}

func (e *dockerEnv) cgroupFile(n, controller, file string) (string, error) {
	id, err := e.inspect(n, "{{.Id}}")
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", controller, e.cgParent, id, file))
	return strings.TrimSpace(string(b)), err
}

func (e *dockerEnv) stepPause() error {
	n, err := e.daemonize("pause", dockerImage, "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done")
	if err != nil {
		return err
	}
	defer e.rm(n)
	if _, err := e.docker("pause", n); err != nil {
		return err
	}
	if st, err := e.state(n); err != nil || st != "paused true true 0" {
		return fmt.Errorf("after pause: %q %v", st, err)
	}
	if fs, err := e.cgroupFile(n, "freezer", "freezer.state"); err != nil || fs != "FROZEN" {
		return fmt.Errorf("freezer.state %q %v, want FROZEN", fs, err)
	}
	if r, err := e.dockerCode("", "exec", n, "true"); err != nil || r.code == 0 || !strings.Contains(r.stderr, "paused") {
		return fmt.Errorf("exec in a paused container: %+v %v", r, err)
	}
	if _, err := e.docker("unpause", n); err != nil {
		return err
	}
	if st, err := e.state(n); err != nil || st != "running true false 0" {
		return fmt.Errorf("after unpause: %q %v", st, err)
	}
	// The loop runs again.
	a, err := e.docker("exec", n, "cat", "/tmp/count")
	if err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)
	b, err := e.docker("exec", n, "cat", "/tmp/count")
	if err != nil {
		return err
	}
	if a == b {
		return fmt.Errorf("counter stuck at %s after unpause", strings.TrimSpace(a))
	}
	return nil
}

func (e *dockerEnv) stepTop() error {
	n, err := e.daemonize("top", dockerImage, "sleep", "424242")
	if err != nil {
		return err
	}
	defer e.rm(n)
	out, err := e.docker("top", n)
	if err != nil {
		return err
	}
	if !strings.Contains(out, "sleep 424242") {
		return fmt.Errorf("top lacks the process: %q", out)
	}
	return nil
}

func (e *dockerEnv) stepStats() error {
	n, err := e.daemonize("stats", "-m", "64m", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	out, err := e.docker("stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDs}}", n)
	if err != nil {
		return err
	}
	out = strings.TrimSpace(out)
	// e.g. "412KiB / 64MiB|1"
	parts := strings.Split(out, "|")
	if len(parts) != 2 || !strings.HasSuffix(parts[0], "/ 64MiB") || strings.HasPrefix(parts[0], "0B") || parts[1] == "0" {
		return fmt.Errorf("stats: %q", out)
	}
	return nil
}

func (e *dockerEnv) stepUpdate() error {
	n, err := e.daemonize("update", "-m", "64m", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	if _, err := e.docker("update", "--memory", "48m", "--memory-swap", "96m", n); err != nil {
		return err
	}
	out, err := e.docker("exec", n, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
	if err != nil {
		return err
	}
	if err := dockerExpect(strings.TrimSpace(out), strconv.Itoa(48<<20)); err != nil {
		return fmt.Errorf("memory.limit_in_bytes: %w", err)
	}
	if m, err := e.inspect(n, "{{.HostConfig.Memory}}"); err != nil || m != strconv.Itoa(48<<20) {
		return fmt.Errorf("HostConfig.Memory %q %v", m, err)
	}
	return nil
}

// execTarget is the running container the exec steps share.
func (e *dockerEnv) execTarget() (string, error) {
	if e.target != "" {
		if st, err := e.state(e.target); err == nil && st == "running true false 0" {
			return e.target, nil
		}
		e.rm(e.target)
	}
	n, err := e.daemonize("exec", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return "", err
	}
	e.target = n
	return n, nil
}

func (e *dockerEnv) execOut(args ...string) (string, error) {
	n, err := e.execTarget()
	if err != nil {
		return "", err
	}
	// Options first, then the container, then the command.
	var opts, cmd []string
	for j := 0; j < len(args); j++ {
		if strings.HasPrefix(args[j], "-") && len(cmd) == 0 {
			opts = append(opts, args[j])
			if args[j] != "-t" && args[j] != "-i" {
				j++
				opts = append(opts, args[j])
			}
			continue
		}
		cmd = append(cmd, args[j])
	}
	out, err := e.docker(append(append(append([]string{"exec"}, opts...), n), cmd...)...)
	return strings.TrimSpace(out), err
}

func (e *dockerEnv) stepExecOutput() error {
	out, err := e.execOut("sh", "-c", "echo from-exec; cat /proc/1/cmdline | tr '\\0' ' '")
	if err != nil {
		return err
	}
	// busybox sh -c execs its last command: pid 1 is the sleep.
	return dockerExpect(out, "from-exec\n"+dockerSleeper)
}

func (e *dockerEnv) stepExecExitCode() error {
	n, err := e.execTarget()
	if err != nil {
		return err
	}
	r, err := e.dockerCode("", "exec", n, "sh", "-c", "exit 7")
	if err != nil {
		return err
	}
	if r.code != 7 {
		return fmt.Errorf("exit %d, want 7: %s", r.code, r.stderr)
	}
	return nil
}

func (e *dockerEnv) stepExecTTY() error {
	out, err := e.execOut("-t", "sh", "-c", "tty; [ -t 1 ] && echo stdout-is-tty")
	if err != nil {
		return err
	}
	out = strings.ReplaceAll(out, "\r", "")
	if !strings.HasPrefix(out, "/dev/pts/") || !strings.Contains(out, "stdout-is-tty") {
		return fmt.Errorf("tty said %q", out)
	}
	return nil
}

func (e *dockerEnv) stepExecUser() error {
	out, err := e.execOut("-u", "1000:1000", "sh", "-c", "id; echo $HOME")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(out, "uid=1000(user) gid=1000(user)") || !strings.HasSuffix(out, "\n/home/user") {
		return fmt.Errorf("id: %q", out)
	}
	return nil
}

func (e *dockerEnv) stepExecEnv() error {
	out, err := e.execOut("-e", "FOO=exec-env", "sh", "-c", "echo $FOO")
	if err != nil {
		return err
	}
	return dockerExpect(out, "exec-env")
}

func (e *dockerEnv) stepExecWorkdir() error {
	out, err := e.execOut("-w", "/tmp", "pwd")
	if err != nil {
		return err
	}
	return dockerExpect(out, "/tmp")
}

func (e *dockerEnv) stepOOM() error {
	n := e.name("oom")
	defer e.rm(n)
	r, err := e.dockerCode("", "run", "--name", n, "-m", "16m", "--memory-swap", "16m", dockerImage, "sh", "-c", "x=a; while true; do x=$x$x; done")
	if err != nil {
		return err
	}
	st, err := e.inspect(n, "{{.State.OOMKilled}} {{.State.ExitCode}}")
	if err != nil {
		return err
	}
	if st != "true 137" {
		return fmt.Errorf("OOMKilled, exit code = %q (client exit %d: %s)", st, r.code, dockerShort(r.stderr))
	}
	return nil
}

func (e *dockerEnv) stepCPUs() error {
	out, err := e.runRm("--cpus", "0.5", dockerImage, "sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "50000 100000")
}

func (e *dockerEnv) stepPidsLimit() error {
	out, err := e.runRm("--pids-limit", "42", dockerImage, "cat", "/sys/fs/cgroup/pids/pids.max")
	if err != nil {
		return err
	}
	return dockerExpect(out, "42")
}

func (e *dockerEnv) stepUlimit() error {
	out, err := e.runRm("--ulimit", "nofile=1024:2048", dockerImage, "sh", "-c", "ulimit -n; ulimit -Hn")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "1024 2048")
}

func (e *dockerEnv) capEff(args ...string) (string, error) {
	a := append(append([]string{}, args...), dockerImage, "grep", "^CapEff:", "/proc/self/status")
	out, err := e.runRm(a...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:")), nil
}

func (e *dockerEnv) stepCaps() error {
	// Docker's default set: chown dac_override fowner fsetid kill setgid
	// setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write
	// setfcap.
	def, err := e.capEff()
	if err != nil {
		return err
	}
	if err := dockerExpect(def, "00000000a80425fb"); err != nil {
		return fmt.Errorf("default: %w", err)
	}
	some, err := e.capEff("--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add", "NET_RAW")
	if err != nil {
		return err
	}
	if err := dockerExpect(some, "0000000000002001"); err != nil {
		return fmt.Errorf("drop ALL, add CHOWN NET_RAW: %w", err)
	}
	less, err := e.capEff("--cap-drop", "NET_RAW", "--cap-add", "SYS_TIME")
	if err != nil {
		return err
	}
	if err := dockerExpect(less, "00000000aa0405fb"); err != nil {
		return fmt.Errorf("drop NET_RAW, add SYS_TIME: %w", err)
	}
	return nil
}

func (e *dockerEnv) stepNoNewPrivs() error {
	out, err := e.runRm("--security-opt", "no-new-privileges", dockerImage, "grep", "^NoNewPrivs:", "/proc/self/status")
	if err != nil {
		return err
	}
	if err := dockerExpect(strings.Join(strings.Fields(out), " "), "NoNewPrivs: 1"); err != nil {
		return err
	}
	out, err = e.runRm(dockerImage, "grep", "^NoNewPrivs:", "/proc/self/status")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "NoNewPrivs: 0")
}

func (e *dockerEnv) stepSeccomp() error {
	r, err := e.dockerCode("", "run", "--rm", dockerImage, "sh", "-c", "grep ^Seccomp: /proc/self/status; unshare -U true && echo unshared")
	if err != nil {
		return err
	}
	if got := strings.Join(strings.Fields(r.stdout), " "); got != "Seccomp: 2" || !strings.Contains(r.stderr, "Operation not permitted") {
		return fmt.Errorf("default profile: stdout %q stderr %q", got, r.stderr)
	}
	out, err := e.runRm("--security-opt", "seccomp=unconfined", dockerImage, "grep", "^Seccomp:", "/proc/self/status")
	if err != nil {
		return err
	}
	return dockerExpect(strings.Join(strings.Fields(out), " "), "Seccomp: 0")
}

// dockerMaskedFiles, dockerMaskedDirs are docker's default masked paths
// (files hidden behind /dev/null, directories behind an empty read-only
// tmpfs); the step checks those this kernel has.
var (
	dockerMaskedFiles = []string{"/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug"}
	dockerMaskedDirs  = []string{"/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware"}
)

func (e *dockerEnv) stepMaskedPaths() error {
	var script []string
	var want []string
	for _, f := range dockerMaskedFiles {
		if fi, err := os.Stat(f); err == nil && !fi.IsDir() {
			script = append(script, "echo "+f+"=$(cat "+f+" | wc -c)")
			want = append(want, f+"=0")
		}
	}
	for _, d := range dockerMaskedDirs {
		if ents, err := os.ReadDir(d); err == nil && len(ents) > 0 {
			script = append(script, "echo "+d+"=$(ls -A "+d+" | wc -l)")
			want = append(want, d+"=0")
		}
	}
	if len(want) == 0 {
		return Skip("none of docker's masked paths exists on this kernel")
	}
	// And /proc/sys is read-only.
	script = append(script, "echo 1 > /proc/sys/kernel/domainname && echo wrote-proc-sys; true")
	r, err := e.dockerCode("", "run", "--rm", dockerImage, "sh", "-c", strings.Join(script, "; "))
	if err != nil {
		return err
	}
	got := strings.Join(strings.Fields(r.stdout), " ")
	if got != strings.Join(want, " ") || !strings.Contains(r.stderr, "Read-only file system") {
		return fmt.Errorf("got %q, want %q; stderr %q", got, strings.Join(want, " "), r.stderr)
	}
	return nil
}

func (e *dockerEnv) stepNamedVolume() error {
	v := e.name("vol")
	if _, err := e.docker("volume", "create", v); err != nil {
		return err
	}
	defer e.docker("volume", "rm", "-f", v)
	if _, err := e.runRm("-v", v+":/data", dockerImage, "sh", "-c", "echo persisted > /data/f"); err != nil {
		return err
	}
	out, err := e.runRm("-v", v+":/data:ro", dockerImage, "cat", "/data/f")
	if err != nil {
		return err
	}
	return dockerExpect(out, "persisted")
}

func (e *dockerEnv) stepBindRW() error {
	d, err := os.MkdirTemp(e.dir, "bindrw-")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d, "in"), []byte("from-host\n"), 0o644); err != nil {
		return err
	}
	out, err := e.runRm("-v", d+":/mnt", dockerImage, "sh", "-c", "cat /mnt/in; echo from-container > /mnt/out")
	if err != nil {
		return err
	}
	if err := dockerExpect(out, "from-host"); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(d, "out"))
	if err != nil {
		return err
	}
	return dockerExpect(strings.TrimSpace(string(b)), "from-container")
}

func (e *dockerEnv) stepBindRO() error {
	d, err := os.MkdirTemp(e.dir, "bindro-")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d, "in"), []byte("from-host\n"), 0o644); err != nil {
		return err
	}
	r, err := e.dockerCode("", "run", "--rm", "-v", d+":/mnt:ro", dockerImage, "sh", "-c", "cat /mnt/in; echo x > /mnt/out && echo wrote")
	if err != nil {
		return err
	}
	if strings.TrimSpace(r.stdout) != "from-host" || !strings.Contains(r.stderr, "Read-only file system") {
		return fmt.Errorf("ro bind: stdout %q stderr %q", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(d, "out")); err == nil {
		return errors.New("the container wrote through a read-only bind")
	}
	return nil
}

func (e *dockerEnv) stepTmpfs() error {
	out, err := e.runRm("--read-only", "--tmpfs", "/scratch:size=1m,mode=1770", dockerImage, "sh", "-c",
		"echo data > /scratch/f && cat /scratch/f; grep ' /scratch ' /proc/mounts; stat -c %a /scratch")
	if err != nil {
		return err
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 3 || lines[0] != "data" || !strings.HasPrefix(lines[1], "tmpfs /scratch tmpfs rw,") || !strings.Contains(lines[1], "size=1024k") || lines[2] != "1770" {
		return fmt.Errorf("tmpfs: %q", out)
	}
	return nil
}

func (e *dockerEnv) stepCp() error {
	n, err := e.daemonize("cp", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	d, err := os.MkdirTemp(e.dir, "cp-")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d, "in"), []byte("copied-in\n"), 0o644); err != nil {
		return err
	}
	if _, err := e.docker("cp", filepath.Join(d, "in"), n+":/tmp/in"); err != nil {
		return err
	}
	out, err := e.docker("exec", n, "sh", "-c", "cat /tmp/in; echo copied-out > /tmp/out")
	if err != nil {
		return err
	}
	if err := dockerExpect(strings.TrimSpace(out), "copied-in"); err != nil {
		return fmt.Errorf("in: %w", err)
	}
	if _, err := e.docker("cp", n+":/tmp/out", filepath.Join(d, "out")); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(d, "out"))
	if err != nil {
		return err
	}
	return dockerExpect(strings.TrimSpace(string(b)), "copied-out")
}

// dockerWeb is the run arguments (opts, image, command) of a container
// serving "body" on port 80 with busybox httpd.
func dockerWeb(body string, opts ...string) []string {
	return append(opts, dockerImage, "sh", "-c", "mkdir -p /www && echo "+body+" > /www/index.html && exec httpd -f -p 80 -h /www")
}

// dockerHTTPCmd fetches http://host/ with busybox nc (busybox-static's
// wget crashes in getaddrinfo) and prints the body's last line.
func dockerHTTPCmd(host string) string {
	return `printf 'GET / HTTP/1.0\r\nHost: x\r\n\r\n' | nc -w 3 ` + host + ` 80 | tail -n 1`
}

// httpFrom fetches http://host/ from a one-off container with netArgs,
// retrying while the server starts.
func (e *dockerEnv) httpFrom(host string, netArgs ...string) (string, error) {
	var out string
	err := dockerPoll(10*time.Second, func() error {
		var err error
		a := append(append([]string{}, netArgs...), dockerImage, "sh", "-c", dockerHTTPCmd(host))
		if out, err = e.runRm(a...); err == nil && out == "" {
			err = fmt.Errorf("no answer from %s", host)
		}
		return err
	})
	return out, err
}

func (e *dockerEnv) stepBridge() error {
	n, err := e.daemonize("web", dockerWeb("bridge-ok")...)
	if err != nil {
		return err
	}
	defer e.rm(n)
	ip, err := e.inspect(n, "{{.NetworkSettings.IPAddress}}")
	if err != nil {
		return err
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !netip.MustParsePrefix(dockerSubnet(e.nets, 0, 0)).Contains(a) {
		return fmt.Errorf("address %q not in the bridge's %s", ip, dockerSubnet(e.nets, 0, 0))
	}
	out, err := e.httpFrom(ip)
	if err != nil {
		return err
	}
	if err := dockerExpect(out, "bridge-ok"); err != nil {
		return fmt.Errorf("container to container: %w", err)
	}
	// And from the host, through the bridge.
	got, err := dockerHTTPGet("http://" + ip + "/")
	if err != nil {
		return fmt.Errorf("host to container: %w", err)
	}
	return dockerExpect(got, "bridge-ok")
}

func (e *dockerEnv) stepUserNet() error {
	nw := e.name("net")
	if _, err := e.docker("network", "create", "--subnet", dockerSubnet(e.nets, 1, 0), nw); err != nil {
		return err
	}
	defer e.docker("network", "rm", nw)
	n, err := e.daemonize("named", dockerWeb("dns-ok", "--network", nw, "--network-alias", "webalias")...)
	if err != nil {
		return err
	}
	defer e.rm(n)
	for _, host := range []string{n, "webalias"} {
		out, err := e.httpFrom(host, "--network", nw)
		if err != nil {
			return err
		}
		if err := dockerExpect(out, "dns-ok"); err != nil {
			return fmt.Errorf("by name %s: %w", host, err)
		}
	}
	return nil
}

func (e *dockerEnv) stepNetNone() error {
	out, err := e.runRm("--network", "none", dockerImage, "sh", "-c", "ip -o link | awk '{print $2}'")
	if err != nil {
		return err
	}
	return dockerExpect(out, "lo:")
}

func (e *dockerEnv) stepNetHost() error {
	out, err := e.runRm("--network", "host", dockerImage, "sh", "-c", "ip -o link; hostname")
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	if !strings.Contains(out, " "+e.bridge+":") || !strings.HasSuffix(out, "\n"+host) {
		return fmt.Errorf("host network: the container does not see %s or hostname %s: %q", e.bridge, host, out)
	}
	return nil
}

func (e *dockerEnv) stepNetContainer() error {
	n, err := e.daemonize("netowner", dockerImage, "sh", "-c", dockerSleeper)
	if err != nil {
		return err
	}
	defer e.rm(n)
	ip, err := e.inspect(n, "{{.NetworkSettings.IPAddress}}")
	if err != nil {
		return err
	}
	ns1, err := e.docker("exec", n, "readlink", "/proc/self/ns/net")
	if err != nil {
		return err
	}
	out, err := e.runRm("--network", "container:"+n, dockerImage, "sh", "-c", "readlink /proc/self/ns/net; ip -4 -o addr show eth0")
	if err != nil {
		return err
	}
	lines := strings.Split(out, "\n")
	if lines[0] != strings.TrimSpace(ns1) || !strings.Contains(out, " "+ip+"/") {
		return fmt.Errorf("owner %s %s; joiner %q", strings.TrimSpace(ns1), ip, out)
	}
	return nil
}

func (e *dockerEnv) stepMacvlan() error {
	peer := e.veth + "p"
	gw := dockerSubnet(e.nets, 2, 1)
	for _, args := range [][]string{
		{"link", "add", e.veth, "type", "veth", "peer", "name", peer},
		{"addr", "add", gw + "/24", "dev", peer},
		{"link", "set", peer, "up"},
		{"link", "set", e.veth, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			if strings.Contains(string(out), "Operation not supported") {
				return Skip("no veth: %s", out)
			}
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	defer exec.Command("ip", "link", "del", e.veth).Run()
	nw := e.name("macvlan")
	if out, err := e.docker("network", "create", "-d", "macvlan", "-o", "parent="+e.veth, "--subnet", dockerSubnet(e.nets, 2, 0), "--gateway", gw, nw); err != nil {
		if strings.Contains(out+err.Error(), "not supported") {
			return Skip("no macvlan: %v", err)
		}
		return err
	}
	defer e.docker("network", "rm", nw)
	want := dockerSubnet(e.nets, 2, 2)
	out, err := e.runRm("--network", nw, "--ip", want, dockerImage, "sh", "-c", "ip -4 -o addr show eth0; ip -o link show eth0; ping -c1 -W3 "+gw+" >/dev/null && echo reached-gw")
	if err != nil {
		return err
	}
	// A macvlan in another namespace shows its parent's ifindex: eth0@ifN.
	parent, err := net.InterfaceByName(e.veth)
	if err != nil {
		return err
	}
	if !strings.Contains(out, " "+want+"/24") || !strings.Contains(out, fmt.Sprintf(" eth0@if%d:", parent.Index)) || !strings.HasSuffix(out, "reached-gw") {
		return fmt.Errorf("macvlan container (parent %s is if%d): %q", e.veth, parent.Index, out)
	}
	return nil
}

// dockerFreePort asks the kernel for a free port ("tcp" or "udp").
func dockerFreePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "0.0.0.0:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dockerHTTPGet(url string) (string, error) {
	var body string
	err := dockerPoll(10*time.Second, func() error {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		body = strings.TrimSpace(string(b))
		return nil
	})
	return body, err
}

func (e *dockerEnv) needIptables() error {
	if !e.iptables {
		return Skip("no iptables: dockerd runs with --iptables=false, no port mapping")
	}
	return nil
}

// dockerHostAddr is an address of the host other than loopback and the
// env's own netdevs (to show a loopback-only publish is not reachable on it).
func (e *dockerEnv) hostAddr() string {
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 || ifc.Flags&net.FlagUp == 0 || strings.HasPrefix(ifc.Name, "hull") {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() {
				return p.Addr().String()
			}
		}
	}
	return ""
}

func (e *dockerEnv) stepPublish() error {
	if err := e.needIptables(); err != nil {
		return err
	}
	hp, err := dockerFreePort("tcp")
	if err != nil {
		return err
	}
	n, err := e.daemonize("pub", dockerWeb("published-ok", "-p", fmt.Sprintf("%d:80", hp))...)
	if err != nil {
		return err
	}
	defer e.rm(n)
	got, err := dockerHTTPGet(fmt.Sprintf("http://127.0.0.1:%d/", hp))
	if err != nil {
		return err
	}
	return dockerExpect(got, "published-ok")
}

func (e *dockerEnv) stepPublishRandom() error {
	if err := e.needIptables(); err != nil {
		return err
	}
	n, err := e.daemonize("pubr", dockerWeb("random-ok", "-p", "80")...)
	if err != nil {
		return err
	}
	defer e.rm(n)
	out, err := e.docker("port", n, "80/tcp")
	if err != nil {
		return err
	}
	first := strings.Fields(out)
	if len(first) == 0 {
		return fmt.Errorf("docker port: %q", out)
	}
	_, port, err := net.SplitHostPort(first[0])
	if err != nil {
		return fmt.Errorf("docker port: %q: %v", out, err)
	}
	got, err := dockerHTTPGet("http://127.0.0.1:" + port + "/")
	if err != nil {
		return err
	}
	return dockerExpect(got, "random-ok")
}

func (e *dockerEnv) stepPublishLoopback() error {
	if err := e.needIptables(); err != nil {
		return err
	}
	hp, err := dockerFreePort("tcp")
	if err != nil {
		return err
	}
	n, err := e.daemonize("publo", dockerWeb("loopback-ok", "-p", fmt.Sprintf("127.0.0.1:%d:80", hp))...)
	if err != nil {
		return err
	}
	defer e.rm(n)
	got, err := dockerHTTPGet(fmt.Sprintf("http://127.0.0.1:%d/", hp))
	if err != nil {
		return err
	}
	if err := dockerExpect(got, "loopback-ok"); err != nil {
		return err
	}
	if out, err := e.docker("port", n, "80/tcp"); err != nil || strings.TrimSpace(out) != fmt.Sprintf("127.0.0.1:%d", hp) {
		return fmt.Errorf("docker port: %q %v", out, err)
	}
	if a := e.hostAddr(); a != "" {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(a, strconv.Itoa(hp)), 2*time.Second)
		if err == nil {
			c.Close()
			return fmt.Errorf("published on 127.0.0.1 only, but %s:%d answers", a, hp)
		}
	}
	return nil
}

func (e *dockerEnv) stepPublishUDP() error {
	if err := e.needIptables(); err != nil {
		return err
	}
	hp, err := dockerFreePort("udp")
	if err != nil {
		return err
	}
	n, err := e.daemonize("pubu", "-p", fmt.Sprintf("%d:5353/udp", hp), "-e", dockerUDPEchoEnv+"=:5353", dockerImage, dockerUDPEchoPath)
	if err != nil {
		return err
	}
	defer e.rm(n)
	if err := e.waitLog(n, "listening"); err != nil {
		return err
	}
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", hp))
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 512)
	return dockerPoll(10*time.Second, func() error {
		if _, err := c.Write([]byte("udp-ping")); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		k, err := c.Read(buf)
		if err != nil {
			return err
		}
		return dockerExpect(string(buf[:k]), "echo:udp-ping")
	})
}

// dockerComposeFile is a version 2.4 compose file: web serves a page,
// client reaches it by service name, both on runtime rt, on a network
// with the given subnet.
func dockerComposeFile(image, rt, subnet string) string {
	return fmt.Sprintf(`version: "2.4"
services:
  web:
    image: %[1]s
    runtime: %[2]s
    command: ["sh", "-c", "mkdir -p /www && echo compose-ok > /www/index.html && exec httpd -f -p 80 -h /www"]
  client:
    image: %[1]s
    runtime: %[2]s
    depends_on: [web]
    command: ["sh", "-c", "exec sleep 100000"]
networks:
  default:
    ipam:
      config:
        - subnet: %[3]s
`, image, rt, subnet)
}

func (e *dockerEnv) stepCompose() error {
	if _, err := os.Stat(dockerComposeBin); err != nil {
		return Skip("no %s", dockerComposeBin)
	}
	d := filepath.Join(e.dir, "compose")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	file := filepath.Join(d, "docker-compose.yml")
	if err := os.WriteFile(file, []byte(dockerComposeFile(dockerImage, e.rtName, dockerSubnet(e.nets, 3, 0))), 0o644); err != nil {
		return err
	}
	project := "hull" + e.tag
	env := []string{"DOCKER_HOST=unix://" + e.sock, "COMPOSE_PROJECT_NAME=" + project}
	compose := func(args ...string) (string, error) {
		r, err := e.runCtx(context.Background(), "", env, dockerComposeBin, append([]string{"-f", file}, args...)...)
		if err != nil {
			return "", err
		}
		if r.code != 0 {
			return r.stdout, fmt.Errorf("docker-compose %s: exit %d: %s", strings.Join(args, " "), r.code, dockerShort(r.stderr))
		}
		return r.stdout, nil
	}
	if _, err := compose("up", "-d"); err != nil {
		compose("down", "-v", "-t", "1")
		return err
	}
	err := func() error {
		for _, svc := range []string{"web", "client"} {
			rt, err := e.inspect(project+"_"+svc+"_1", "{{.HostConfig.Runtime}} {{.State.Running}}")
			if err != nil {
				return err
			}
			if err := dockerExpect(rt, e.rtName+" true"); err != nil {
				return fmt.Errorf("%s: runtime, running: %w", svc, err)
			}
		}
		return dockerPoll(15*time.Second, func() error {
			out, err := compose("exec", "-T", "client", "sh", "-c", dockerHTTPCmd("web"))
			if err != nil {
				return err
			}
			return dockerExpect(strings.TrimSpace(out), "compose-ok")
		})
	}()
	if _, derr := compose("down", "-v", "-t", "1"); derr != nil && err == nil {
		err = derr
	}
	if err != nil {
		return err
	}
	out, err := e.docker("ps", "-aq", "--filter", "label=com.docker.compose.project="+project)
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "" {
		return fmt.Errorf("containers left after down: %q", out)
	}
	return nil
}
