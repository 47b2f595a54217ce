package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	"golang.org/x/sys/unix"
)

// startRaceHelperEnv switches the test binary into the subreaper helper of
// TestStartRaceWithReapingSubreaper; its value is the helper's JSON config.
const startRaceHelperEnv = "HULL_TEST_STARTRACE_HELPER"

// The count. On two CPUs the 500 take about 30 s (a container's
// create, start and delete cost some 100 ms); hull with the old order
// failed 38 to 45 of them (86 with four workers).
const startRaceContainers = 500

// startRaceWorkers run create/start/delete side by side, one per CPU: the
// load lets the scheduler preempt a start between its syscalls, and more
// workers than CPUs only made the run slower.
func startRaceWorkers() int { return max(2, runtime.NumCPU()) }

type startRaceConfig struct {
	Hull    string   `json:"hull"`
	Root    string   `json:"root"`
	Bundles []string `json:"bundles"` // one per worker
	Prefix  string   `json:"prefix"`  // container ids are <prefix>-<n>
	Count   int      `json:"count"`
	TmpDir  string   `json:"tmp_dir"`
}

type startRaceReport struct {
	Created        int      `json:"created"`
	Started        int      `json:"started"`
	StartFailures  []string `json:"start_failures"`
	NoSuchProcess  int      `json:"no_such_process"`
	OtherFailures  []string `json:"other_failures"`
	OrphansReaped  int      `json:"orphans_reaped"`
	ElapsedSeconds float64  `json:"elapsed_seconds"`
}

func init() {
	if cfg := os.Getenv(startRaceHelperEnv); cfg != "" {
		os.Exit(startRaceHelper(cfg))
	}
}

// Under Docker, containerd's shim is a subreaper that reaps every child the
// moment it exits. `hull start` used to open the exec fifo, which lets init
// exec, before it opened init's pidfd: a process as short as `true` could
// exit and be reaped in between, and start failed with "no such process"
// although the container had run. A subreaper that reaps at once, as the
// shim does, runs short-lived containers here; every start must succeed.
func TestStartRaceWithReapingSubreaper(t *testing.T) {
	e := newEnv(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg := startRaceConfig{
		Hull: hullBin, Root: e.root, Prefix: testutil.UniqueID("hullrace"),
		Count: startRaceContainers, TmpDir: t.TempDir(),
	}
	for range startRaceWorkers() {
		cfg.Bundles = append(cfg.Bundles, e.bundle(nil)) // busybox true
	}
	t.Cleanup(func() { cleanupStartRace(e, cfg.Prefix) })
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), startRaceHelperEnv+"="+string(data))
	// Its own process group, so that a helper that fails or hangs takes
	// its hull commands down with it before the cleanup deletes the rest.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("subreaper helper: %v\n%s", err, stderr.String())
	}
	var rep startRaceReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("helper report %q: %v\n%s", out, err, stderr.String())
	}
	t.Logf("%d containers in %.1f s: %d created, %d started, %d start failures (%d \"no such process\"), %d inits reaped by the subreaper",
		cfg.Count, rep.ElapsedSeconds, rep.Created, rep.Started, len(rep.StartFailures), rep.NoSuchProcess, rep.OrphansReaped)
	for i, f := range rep.StartFailures {
		if i == 10 {
			t.Logf("... and %d more", len(rep.StartFailures)-i)
			break
		}
		t.Logf("start failure: %s", f)
	}
	if len(rep.OtherFailures) > 0 {
		t.Errorf("%d create/delete failures, first: %s", len(rep.OtherFailures), rep.OtherFailures[0])
	}
	if n := len(rep.StartFailures); n > 0 {
		t.Errorf("%d of %d starts failed (%d with \"no such process\")", n, rep.Created, rep.NoSuchProcess)
	}
	if rep.Created != cfg.Count {
		t.Errorf("only %d of %d containers were created", rep.Created, cfg.Count)
	}
	// The inits must have been the helper's to reap, or the test did not
	// reproduce the shim's situation.
	if rep.OrphansReaped != rep.Created {
		t.Errorf("the subreaper reaped %d inits of %d containers", rep.OrphansReaped, rep.Created)
	}
}

// cleanupStartRace force-deletes whatever container of the run is left, even
// after the helper died half-way (a killed create may leave a state dir
// without state.json, which list would not show), and checks that nothing
// outlived them.
func cleanupStartRace(e *env, prefix string) {
	entries, _ := os.ReadDir(e.root)
	for _, ent := range entries {
		if !strings.HasPrefix(ent.Name(), prefix) {
			continue
		}
		if r := e.hull("delete", "--force", ent.Name()); r.code != 0 {
			e.t.Errorf("cleanup: delete --force %s: %s", ent.Name(), r.stderr)
		}
		if _, err := os.Stat(filepath.Join(e.root, ent.Name())); err == nil {
			e.t.Errorf("state dir %s left behind", ent.Name())
		}
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), prefix) || strings.Contains(string(mi), e.root) {
		e.t.Errorf("mounts of %s-* left behind", prefix)
	}
	_ = filepath.WalkDir("/sys/fs/cgroup", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			e.t.Errorf("cgroup %s left behind", path)
			return filepath.SkipDir
		}
		return nil
	})
}

// startRaceHelper is the subreaper: it runs create, start and delete --force
// for each container, while a goroutine reaps every child, its own commands
// and the containers' inits reparented to it, as soon as it exits.
func startRaceHelper(cfgJSON string) int {
	var cfg startRaceConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", err)
		return 2
	}
	r := newReaper()
	go r.loop()
	began := time.Now()
	var (
		mu   sync.Mutex
		rep  startRaceReport
		next int
		wg   sync.WaitGroup
	)
	for w, bundle := range cfg.Bundles {
		errPath := filepath.Join(cfg.TmpDir, fmt.Sprintf("stderr-%d", w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				n := next
				next++
				mu.Unlock()
				if n >= cfg.Count {
					return
				}
				id := fmt.Sprintf("%s-%d", cfg.Prefix, n)
				created, started := false, false
				var startErr, other string
				if code, msg := r.run(errPath, cfg.Hull, "--root", cfg.Root, "create", "--bundle", bundle, id); code != 0 {
					other = fmt.Sprintf("create %s: exit %d: %s", id, code, msg)
				} else {
					created = true
					if code, msg := r.run(errPath, cfg.Hull, "--root", cfg.Root, "start", id); code != 0 {
						startErr = fmt.Sprintf("start %s: exit %d: %s", id, code, msg)
					} else {
						started = true
					}
				}
				code, msg := r.run(errPath, cfg.Hull, "--root", cfg.Root, "delete", "--force", id)
				mu.Lock()
				if created {
					rep.Created++
				}
				if started {
					rep.Started++
				}
				if startErr != "" {
					rep.StartFailures = append(rep.StartFailures, startErr)
					if strings.Contains(startErr, "no such process") {
						rep.NoSuchProcess++
					}
				}
				if other != "" {
					rep.OtherFailures = append(rep.OtherFailures, other)
				}
				if code != 0 {
					rep.OtherFailures = append(rep.OtherFailures, fmt.Sprintf("delete --force %s: exit %d: %s", id, code, msg))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.ElapsedSeconds = time.Since(began).Seconds()
	// delete waits for init's exit, not for its reaping: give the reaper
	// a moment for the last ones.
	for deadline := time.Now().Add(5 * time.Second); r.orphanCount() < rep.Created && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	rep.OrphansReaped = r.orphanCount()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// reaper waits for any child, as containerd's shim does, and hands the exit
// of a command it started to that command's waiter. Exits of other children
// (orphaned container inits) are only counted.
type reaper struct {
	mu      sync.Mutex
	waiting map[int]chan unix.WaitStatus
	orphans int
	kick    chan struct{}
}

func newReaper() *reaper {
	return &reaper{waiting: map[int]chan unix.WaitStatus{}, kick: make(chan struct{}, 1)}
}

// loop blocks in wait4(-1), so a child is reaped the moment it exits. With
// no child at all it waits for run to start one.
func (r *reaper) loop() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			<-r.kick
			continue
		case err != nil:
			fmt.Fprintln(os.Stderr, "wait4:", err)
			os.Exit(2)
		}
		r.mu.Lock()
		ch, ok := r.waiting[pid]
		delete(r.waiting, pid)
		if !ok {
			r.orphans++
		}
		r.mu.Unlock()
		if ok {
			ch <- ws
		}
	}
}

func (r *reaper) orphanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.orphans
}

// run runs a command with stdout on /dev/null and stderr in errPath, and
// returns its exit code and stderr. The fork and the registration of its
// pid share the lock the reaper takes, so an exit cannot get ahead of its
// waiter.
func (r *reaper) run(errPath string, argv ...string) (int, string) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return -1, err.Error()
	}
	defer null.Close()
	errf, err := os.Create(errPath)
	if err != nil {
		return -1, err.Error()
	}
	defer errf.Close()
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, startRaceHelperEnv+"=") {
			env = append(env, kv)
		}
	}
	ch := make(chan unix.WaitStatus, 1)
	r.mu.Lock()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{null.Fd(), null.Fd(), errf.Fd()},
	})
	if err == nil {
		r.waiting[pid] = ch
	}
	r.mu.Unlock()
	if err != nil {
		return -1, err.Error()
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
	ws := <-ch
	msg, _ := os.ReadFile(errPath)
	code := ws.ExitStatus()
	if ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	return code, strings.TrimSpace(string(msg))
}
