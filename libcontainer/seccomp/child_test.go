package seccomp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// childEnv makes the test binary a child that loads a filter (TestMain
// checks it): a filter cannot be taken off again, so it is loaded in a
// process of its own. The value is the path of a childConfig.
const childEnv = "HULL_SECCOMP_TEST_CHILD"

// childConfig is what the child does.
type childConfig struct {
	Program *Program
	NoNNP   bool // load without no_new_privs (needs CAP_SYS_ADMIN)
	DropCap bool // drop CAP_SYS_ADMIN from the effective set first
	// Listener is where to send the listener fd, with Metadata.
	Listener, Metadata string
	Dir                string   // a directory the probes may write to
	Probes             []string // syscalls to try after loading, "name(arg,...)"
}

// childResult is what the child reports on stdout.
type childResult struct {
	LoadErr string
	Seccomp string            // the thread's "Seccomp:" mode after loading
	Probes  map[string]string // probe -> "ok=<return value>" or the errno's name
}

// probeCalls are the syscalls a probe may name. An argument "P" is a
// pointer to a zeroed buffer, "D" the config's Dir, "N" a path in it that
// does not exist yet.
var probeCalls = map[string]uintptr{
	"mkdirat": unix.SYS_MKDIRAT, "chdir": unix.SYS_CHDIR, "getpgid": unix.SYS_GETPGID, "getsid": unix.SYS_GETSID,
	"sched_getscheduler": unix.SYS_SCHED_GETSCHEDULER, "sched_getparam": unix.SYS_SCHED_GETPARAM,
	"getpriority": unix.SYS_GETPRIORITY, "ioprio_get": unix.SYS_IOPRIO_GET,
	"sched_rr_get_interval": unix.SYS_SCHED_RR_GET_INTERVAL, "sched_get_priority_max": unix.SYS_SCHED_GET_PRIORITY_MAX,
	"getppid": unix.SYS_GETPPID, "add_key": unix.SYS_ADD_KEY, "io_pgetevents": unix.SYS_IO_PGETEVENTS,
}

// runChild is the child's whole life. It runs on the main goroutine, locked
// to its thread: the filter applies to that thread only, as in hull's init.
func runChild() int {
	runtime.LockOSThread()
	var cfg childConfig
	data, err := os.ReadFile(os.Getenv(childEnv))
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		return 1
	}
	res, err := childRun(&cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

func childRun(cfg *childConfig) (*childResult, error) {
	if !cfg.NoNNP {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("no_new_privs: %w", err)
		}
	}
	if cfg.DropCap {
		if err := dropSysAdmin(); err != nil {
			return nil, err
		}
	}
	res := &childResult{Probes: map[string]string{}}
	fd, err := Load(cfg.Program)
	if err != nil {
		res.LoadErr = err.Error()
		return res, nil
	}
	if res.Seccomp, err = threadSeccompMode(); err != nil {
		return nil, err
	}
	if cfg.Listener != "" {
		st := ProcessState(&specs.LinuxSeccomp{ListenerMetadata: cfg.Metadata}, os.Getpid(),
			specs.State{Version: specs.Version, ID: "child", Status: specs.StateCreating, Pid: os.Getpid(), Bundle: cfg.Dir})
		if err := SendListener(cfg.Listener, st, fd); err != nil {
			return nil, err
		}
		unix.Close(fd)
	}
	for _, p := range cfg.Probes {
		if res.Probes[p], err = probe(p, cfg.Dir); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// probe makes the raw syscall p describes and says how it ended.
func probe(p, dir string) (string, error) {
	name, argList, ok := strings.Cut(strings.TrimSuffix(p, ")"), "(")
	nr, known := probeCalls[name]
	if !ok || !known {
		return "", fmt.Errorf("bad probe %q", p)
	}
	var args [6]uintptr
	var buf [64]byte
	dirPath, _ := unix.BytePtrFromString(dir)
	newPath, _ := unix.BytePtrFromString(filepath.Join(dir, "made"))
	for i, a := range strings.Split(argList, ",") {
		switch a {
		case "":
		case "P":
			args[i] = uintptr(unsafe.Pointer(&buf))
		case "D":
			args[i] = uintptr(unsafe.Pointer(dirPath))
		case "N":
			args[i] = uintptr(unsafe.Pointer(newPath))
		default:
			v, err := strconv.ParseInt(a, 0, 64)
			if err != nil {
				return "", fmt.Errorf("probe %q: %w", p, err)
			}
			args[i] = uintptr(v)
		}
	}
	r, _, errno := unix.Syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5])
	runtime.KeepAlive(dirPath)
	runtime.KeepAlive(newPath)
	if errno != 0 {
		return unix.ErrnoName(errno), nil
	}
	return "ok=" + strconv.FormatInt(int64(r), 10), nil
}

// threadSeccompMode reads this thread's seccomp mode (2 is filter).
func threadSeccompMode() (string, error) {
	status, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Seccomp:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no Seccomp: line in /proc/thread-self/status")
}

// dropSysAdmin clears CAP_SYS_ADMIN from this thread's effective set.
func dropSysAdmin() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	data[unix.CAP_SYS_ADMIN/32].Effective &^= 1 << (unix.CAP_SYS_ADMIN % 32)
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// runInChild loads p in a fresh process as cfg says and returns its report.
func runInChild(t *testing.T, cfg childConfig) *childResult {
	t.Helper()
	cmd, out := childCommand(t, cfg)
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, cmd.Stderr)
	}
	var res childResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("child report %q: %v", out, err)
	}
	return &res
}

// childCommand prepares a child; its stdout lands in the returned buffer.
func childCommand(t *testing.T, cfg childConfig) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "child.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	return cmd, &out
}

// signalOf returns the signal that killed a finished child, or 0.
func signalOf(cmd *exec.Cmd) syscall.Signal {
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}
