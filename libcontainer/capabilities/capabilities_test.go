package capabilities

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil"
)

func TestNewMasks(t *testing.T) {
	last, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		in          *specs.LinuxCapabilities
		bounding    uint64
		ambient     uint64
		wantUnknown []string
	}{
		{name: "nil means none", in: nil},
		{
			name:     "known names",
			in:       &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_KILL"}, Ambient: []string{"CAP_NET_RAW"}},
			bounding: 1<<unix.CAP_CHOWN | 1<<unix.CAP_KILL,
			ambient:  1 << unix.CAP_NET_RAW,
		},
		{
			name:        "unknown dropped and listed once",
			in:          &specs.LinuxCapabilities{Bounding: []string{"CAP_FOO", "CAP_KILL"}, Effective: []string{"CAP_FOO", "cap_kill"}},
			bounding:    1 << unix.CAP_KILL,
			wantUnknown: []string{"CAP_FOO", "cap_kill"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.last != last {
				t.Errorf("last = %d, want %d", c.last, last)
			}
			if c.bounding != tc.bounding || c.ambient != tc.ambient {
				t.Errorf("bounding %#x ambient %#x, want %#x %#x", c.bounding, c.ambient, tc.bounding, tc.ambient)
			}
			if !slices.Equal(c.Unknown(), tc.wantUnknown) {
				t.Errorf("Unknown() = %q, want %q", c.Unknown(), tc.wantUnknown)
			}
		})
	}
}

func TestNamesComplete(t *testing.T) {
	if len(capNames) != unix.CAP_LAST_CAP+1 {
		t.Errorf("%d names, want %d (every capability golang.org/x/sys knows)", len(capNames), unix.CAP_LAST_CAP+1)
	}
	for n, name := range capNames {
		if got, ok := capNumber(name); !ok || got != n || !strings.HasPrefix(name, "CAP_") {
			t.Errorf("capability %d named %q maps back to %d, %t", n, name, got, ok)
		}
	}
	if _, ok := capNumber(""); ok {
		t.Error(`capNumber("") found a capability`)
	}
	if got := capName(99); got != "capability 99" {
		t.Errorf("capName(99) = %q", got)
	}
}

// TestNewSkipsCapsBeyondKernel pretends the kernel stops at CAP_SYS_ADMIN.
func TestNewSkipsCapsBeyondKernel(t *testing.T) {
	c := &Caps{last: unix.CAP_SYS_ADMIN}
	mask := c.resolve([]string{"CAP_SYS_ADMIN", "CAP_BPF"}, map[string]bool{})
	if mask != 1<<unix.CAP_SYS_ADMIN {
		t.Errorf("mask %#x, want only CAP_SYS_ADMIN", mask)
	}
	if !slices.Equal(c.unknown, []string{"CAP_BPF"}) {
		t.Errorf("unknown %q, want [CAP_BPF]", c.unknown)
	}
}

// childEnv carries the request to the re-executed test binary.
const childEnv = "_HULL_CAPS_TEST_CHILD"

type childRequest struct {
	Caps *specs.LinuxCapabilities
	UID  int
	Exec bool // exec busybox to show the sets the user's process gets
	// BoundingAgain applies the bounding set once more after ApplyCaps,
	// when CAP_SETPCAP is gone: dropping what is already dropped must pass.
	BoundingAgain bool
}

func TestMain(m *testing.M) {
	if req := os.Getenv(childEnv); req != "" {
		runChild(req)
	}
	os.Exit(m.Run())
}

// runChild applies the sets in the same order hull's init does and prints the
// Cap* lines of its own thread (or of the program it execs).
func runChild(reqJSON string) {
	runtime.LockOSThread()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var req childRequest
	if err := json.Unmarshal([]byte(reqJSON), &req); err != nil {
		fail(err)
	}
	c, err := New(req.Caps)
	if err != nil {
		fail(err)
	}
	if err := c.ApplyBounding(); err != nil {
		fail(err)
	}
	// As init does: every thread keeps its capabilities across the uid
	// change (Setresuid acts on every thread), then gets the final sets.
	keepCaps := func(on uintptr) {
		if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_SET_KEEPCAPS, on, 0); e != 0 {
			fail(e)
		}
	}
	keepCaps(1)
	if err := syscall.Setresuid(req.UID, req.UID, req.UID); err != nil {
		fail(err)
	}
	keepCaps(0)
	if err := c.ApplyCaps(); err != nil {
		fail(err)
	}
	if req.BoundingAgain {
		if err := c.ApplyBounding(); err != nil {
			fail(fmt.Errorf("second ApplyBounding: %w", err))
		}
	}
	if req.Exec {
		fail(unix.Exec(testutil.BusyboxPath, []string{"grep", "^Cap", "/proc/self/status"}, nil))
	}
	if err := sameCapsOnEveryThread(); err != nil {
		fail(err)
	}
	status, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		fail(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Cap") {
			fmt.Println(line)
		}
	}
	os.Exit(0)
}

// sameCapsOnEveryThread checks that no thread of the process kept other
// capabilities or ids than the calling one: a runtime thread left with
// uid 0 and every capability is what a co-tenant would attack.
func sameCapsOnEveryThread() error {
	self, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	want := credLines(string(self))
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	if len(tasks) < 2 {
		return fmt.Errorf("only %d thread: the check needs the Go runtime's others", len(tasks))
	}
	for _, task := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			return err
		}
		if got := credLines(string(data)); got != want {
			return fmt.Errorf("thread %s has\n%s\nthe exec'ing thread has\n%s", task.Name(), got, want)
		}
	}
	return nil
}

// credLines keeps the Uid, Gid, Groups, CapInh, CapPrm and CapEff lines.
func credLines(status string) string {
	var keep []string
	for _, line := range strings.Split(status, "\n") {
		for _, p := range []string{"Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:"} {
			if strings.HasPrefix(line, p) {
				keep = append(keep, line)
			}
		}
	}
	return strings.Join(keep, "\n")
}

// runCapsChild returns the child's Cap* lines as name -> hex mask.
func runCapsChild(t *testing.T, req childRequest) (map[string]string, error) {
	t.Helper()
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(data))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, ":")
		got[k] = strings.TrimSpace(v)
	}
	return got, nil
}

func hexMask(m uint64) string { return fmt.Sprintf("%016x", m) }

func TestApply(t *testing.T) {
	testutil.RequireRoot(t)
	caps := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_NOT_A_CAP"},
		Effective:   []string{"CAP_CHOWN", "CAP_NET_RAW"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"},
		Inheritable: []string{"CAP_NET_RAW"},
		Ambient:     []string{"CAP_NET_RAW"},
	}
	bnd := uint64(1<<unix.CAP_CHOWN | 1<<unix.CAP_KILL | 1<<unix.CAP_NET_RAW | 1<<unix.CAP_SYS_ADMIN)
	prm := uint64(1<<unix.CAP_CHOWN | 1<<unix.CAP_KILL | 1<<unix.CAP_NET_RAW)
	tests := []struct {
		name string
		req  childRequest
		want map[string]string
	}{
		{
			name: "root keeps the exact sets",
			req:  childRequest{Caps: caps},
			want: map[string]string{
				"CapInh": hexMask(1 << unix.CAP_NET_RAW),
				"CapPrm": hexMask(prm),
				"CapEff": hexMask(1<<unix.CAP_CHOWN | 1<<unix.CAP_NET_RAW),
				"CapBnd": hexMask(bnd),
				"CapAmb": hexMask(1 << unix.CAP_NET_RAW),
			},
		},
		{
			name: "non-root user keeps the sets across the uid change",
			req:  childRequest{Caps: caps, UID: 1000},
			want: map[string]string{
				"CapInh": hexMask(1 << unix.CAP_NET_RAW),
				"CapPrm": hexMask(prm),
				"CapEff": hexMask(1<<unix.CAP_CHOWN | 1<<unix.CAP_NET_RAW),
				"CapBnd": hexMask(bnd),
				"CapAmb": hexMask(1 << unix.CAP_NET_RAW),
			},
		},
		{
			// Only ambient capabilities survive exec for a non-root user.
			name: "non-root user's exec gets the ambient set",
			req:  childRequest{Caps: caps, UID: 1000, Exec: true},
			want: map[string]string{
				"CapInh": hexMask(1 << unix.CAP_NET_RAW),
				"CapPrm": hexMask(1 << unix.CAP_NET_RAW),
				"CapEff": hexMask(1 << unix.CAP_NET_RAW),
				"CapBnd": hexMask(bnd),
				"CapAmb": hexMask(1 << unix.CAP_NET_RAW),
			},
		},
		{
			name: "bounding again without CAP_SETPCAP",
			req:  childRequest{Caps: caps, BoundingAgain: true},
			want: map[string]string{"CapBnd": hexMask(bnd), "CapEff": hexMask(1<<unix.CAP_CHOWN | 1<<unix.CAP_NET_RAW)},
		},
		{
			name: "nil drops everything",
			req:  childRequest{Caps: nil},
			want: map[string]string{"CapInh": hexMask(0), "CapPrm": hexMask(0), "CapEff": hexMask(0), "CapBnd": hexMask(0), "CapAmb": hexMask(0)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runCapsChild(t, tc.req)
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
		})
	}
}

// An ambient capability that is not inheritable cannot be raised: like runc,
// ApplyCaps skips it (the caller warns) instead of failing the container.
func TestApplyAmbientNotInheritable(t *testing.T) {
	testutil.RequireRoot(t)
	caps := &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_NET_RAW", "CAP_KILL"},
		Permitted:   []string{"CAP_NET_RAW", "CAP_KILL"},
		Inheritable: []string{"CAP_KILL"},
		Ambient:     []string{"CAP_NET_RAW", "CAP_KILL"},
	}
	c, err := New(caps)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.UnraisableAmbient(); !slices.Equal(got, []string{"CAP_NET_RAW"}) {
		t.Errorf("UnraisableAmbient() = %q, want [CAP_NET_RAW]", got)
	}
	got, err := runCapsChild(t, childRequest{Caps: caps})
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if want := hexMask(1 << unix.CAP_KILL); got["CapAmb"] != want {
		t.Errorf("CapAmb = %s, want %s (only CAP_KILL raised)", got["CapAmb"], want)
	}
}
