package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// eventLine is one line of `hull events`.
type eventLine struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data *struct {
		Memory struct {
			Usage memEntry `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
			Limit   uint64 `json:"limit"`
		} `json:"pids"`
	} `json:"data"`
}

type memEntry struct {
	Limit uint64 `json:"limit"`
	Max   uint64 `json:"max"`
}

func parseEvents(t *testing.T, out string) []eventLine {
	t.Helper()
	var evs []eventLine
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev eventLine
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events line %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// syncBuffer collects a command's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventsProc is a running `hull events`.
type eventsProc struct {
	cmd    *exec.Cmd
	out    syncBuffer
	stderr syncBuffer
	done   chan error
}

func (e *env) startEvents(id string, args ...string) *eventsProc {
	e.t.Helper()
	p := &eventsProc{done: make(chan error, 1)}
	p.cmd = hullCmd(e.root, append(append([]string{"events"}, args...), id)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.stderr
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	e.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitOutput waits until the output contains want.
func (p *eventsProc) waitOutput(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("events never printed %s; stdout:\n%s\nstderr:\n%s", want, p.out.String(), p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for events to exit by itself and returns its exit code.
func (p *eventsProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return exitCodeOf(err)
	case <-time.After(10 * time.Second):
		t.Fatalf("events did not end after the container stopped; stderr:\n%s", p.stderr.String())
	}
	return -1
}

func TestEventsReportsOOMKill(t *testing.T) {
	e := newEnv(t)
	const limit = 32 << 20
	l := e.startScript(`while [ ! -e /go ]; do sleep 0.01; done
dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd=$?" >/dev/shm/dd
exec sleep 1000`, func(s *specs.Spec) {
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: i64p(limit)}
		if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
			// No escape into swap on a host that has some.
			s.Linux.Resources.Memory.Swap = i64p(limit)
		}
	})
	ev := e.startEvents(l.id, "--interval", "100ms")
	// A stats line means the OOM notifier is registered: only then start
	// dd, whose 64 MiB buffer cannot fit in the 32 MiB limit.
	ev.waitOutput(t, `"type":"stats"`)
	if err := os.WriteFile(filepath.Join(l.bundle, "rootfs", "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wantEq(t, "dd's exit status", waitFile(t, l.inside("/dev/shm/dd")), "dd=137") // SIGKILL
	ev.waitOutput(t, `{"type":"oom","id":"`+l.id+`"}`)
	// The stats show the limit being hit, and the container survives (only
	// dd was killed): events goes on until it stops, then ends by itself.
	once := parseEvents(t, must(t, e.hull("events", "--stats", l.id), "events --stats").stdout)
	// The peak is the limit (failcnt would say more, but this kernel no
	// longer counts v1 failures).
	if len(once) != 1 || once[0].Data == nil || once[0].Data.Memory.Usage.Max < limit {
		t.Errorf("stats after the OOM kill do not show usage reaching the limit: %+v", once)
	}
	must(t, e.hull("kill", l.id, "KILL"), "kill")
	if code := ev.wait(t); code != 0 {
		t.Errorf("events exited %d after the container stopped: %s", code, ev.stderr.String())
	}
	for _, x := range parseEvents(t, ev.out.String()) {
		if x.ID != l.id || (x.Type != "stats" && x.Type != "oom") {
			t.Errorf("unexpected event %+v", x)
		}
		if x.Type == "stats" {
			wantEq(t, "memory limit in stats", itoa(x.Data.Memory.Usage.Limit), itoa(limit))
		}
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestEventsStatsOnce(t *testing.T) {
	e := newEnv(t)
	l := e.startScript("exec sleep 1000", func(s *specs.Spec) {
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: i64p(10)}
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: i64p(64 << 20)}
	})
	r := must(t, e.hull("events", "--stats", l.id), "events --stats")
	evs := parseEvents(t, r.stdout)
	if len(evs) != 1 || evs[0].Type != "stats" || evs[0].ID != l.id || evs[0].Data == nil {
		t.Fatalf("events --stats printed %q, want one stats line for %s", r.stdout, l.id)
	}
	d := evs[0].Data
	if d.Pids.Current != 1 || d.Pids.Limit != 10 || d.Memory.Usage.Limit != 64<<20 {
		t.Errorf("stats: pids %+v, memory limit %d; want 1 of 10 pids, limit %d", d.Pids, d.Memory.Usage.Limit, 64<<20)
	}
	if r := e.hull("events", "--interval", "0s", l.id); r.code == 0 || !strings.Contains(r.stderr, "interval") {
		t.Errorf("events --interval 0s: exit %d, stderr %q", r.code, r.stderr)
	}
	must(t, e.hull("kill", l.id, "KILL"), "kill")
	e.waitStatus(l.id, "stopped")
	if r := e.hull("events", "--stats", l.id); r.code == 0 || !strings.Contains(r.stderr, "not running") {
		t.Errorf("events on a stopped container: exit %d, stderr %q", r.code, r.stderr)
	}
}
