package integration

// `exec`, run side by side on hull (which must pass) and runc (reported),
// with the escape suite's runner: every check looks at the process as it
// runs (its output, namespaces, cgroup, capabilities, filter), not at an
// exit code alone.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runningContainer starts a detached container sleeping until the test ends.
func runningContainer(r *rtEnv, mutate func(s *specs.Spec)) string {
	r.t.Helper()
	b := r.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "1000"}
		if mutate != nil {
			mutate(s)
		}
	})
	id := r.id()
	r.setup(r.do("run", "-d", "--bundle", b, id), "run -d")
	r.waitStatus(id, "running")
	return id
}

// expect checks a foreground exec's exit code and output.
func expect(r *rtEnv, what string, res result, code int, stdout string) {
	r.t.Helper()
	if res.code != code || strings.TrimSpace(res.stdout) != stdout {
		r.fail("%s: exit %d, stdout %q (stderr %q); want exit %d, stdout %q",
			what, res.code, strings.TrimSpace(res.stdout), strings.TrimSpace(res.stderr), code, stdout)
	}
}

func TestExecCommandLine(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		id := runningContainer(r, nil)
		expect(r, "plain", r.do("exec", id, "sh", "-c", "echo hi; exit 3"), 3, "hi")
		expect(r, "killed by SIGTERM", r.do("exec", id, "sh", "-c", "kill -TERM $$"), 143, "")
		expect(r, "user, gids, cwd, env",
			r.do("exec", "--user", "1000:1001", "-g", "5", "--cwd", "/tmp", "-e", "FOO=bar", id,
				"sh", "-c", `echo "$(id -u) $(id -g) $(id -G) $(pwd) $FOO"`),
			0, "1000 1001 1001 5 /tmp bar")
		// Every namespace is init's.
		nsScript := `for n in mnt pid net ipc uts cgroup; do [ "$(readlink /proc/1/ns/$n)" = "$(readlink /proc/self/ns/$n)" ] || echo "$n differs"; done; echo done`
		expect(r, "namespaces", r.do("exec", id, "sh", "-c", nsScript), 0, "done")
		// The container's capabilities (the default spec's set), and --cap
		// adds one (CAP_SYS_TIME, bit 25).
		capScript := `grep -E '^Cap(Eff|Bnd)' /proc/self/status | tr -s '\t' ' '`
		expect(r, "capabilities", r.do("exec", id, "sh", "-c", capScript), 0,
			"CapEff: 0000000020000420\nCapBnd: 0000000020000420")
		expect(r, "--cap", r.do("exec", "--cap", "CAP_SYS_TIME", id, "sh", "-c", capScript), 0,
			"CapEff: 0000000022000420\nCapBnd: 0000000022000420")
		expect(r, "no_new_privs", r.do("exec", id, "sh", "-c", `grep NoNewPrivs /proc/self/status | tr -s '\t' ' '`), 0, "NoNewPrivs: 1")
		// --process: a runtime-spec process object.
		pf := filepath.Join(r.base, "process.json")
		testutil.WriteJSON(t, pf, &specs.Process{
			Args: []string{"sh", "-c", `echo "from-file $(id -u) $(pwd) $X"`},
			Env:  []string{"PATH=/bin:/usr/bin", "X=y"},
			Cwd:  "/etc", User: specs.User{UID: 2, GID: 2},
		})
		expect(r, "--process", r.do("exec", "--process", pf, id), 0, "from-file 2 /etc y")
		expect(r, "missing program", r.do("exec", id, "no-such-program"), 255, "")
	})
}

// TestExecDetached: exec -d writes the pid file; the process sits in the
// container's cgroup, `ps` lists it, `kill --all` reaches it, and `delete
// --force` of another container kills its exec'd process.
func TestExecDetached(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		id := runningContainer(r, nil)
		pidFile := filepath.Join(r.base, "exec.pid")
		r.setup(r.do("exec", "-d", "--pid-file", pidFile, id, "sleep", "999"), "exec -d")
		pid := readPid(t, pidFile)
		init := r.state(id).Pid
		if a, b := procCgroup(t, pid), procCgroup(t, init); a != b {
			r.fail("exec'd process in cgroup %q, init in %q", a, b)
		}
		if ps := r.do("ps", "--format", "json", id); !strings.Contains(ps.stdout, strconv.Itoa(pid)) {
			r.fail("ps does not list the exec'd process %d: %s", pid, ps.stdout)
		}
		r.setup(r.do("kill", "--all", id, "KILL"), "kill --all")
		if !exited(pid, 5*time.Second) {
			r.fail("kill --all left the exec'd process %d running", pid)
		}

		id2 := runningContainer(r, nil)
		r.setup(r.do("exec", "-d", "--pid-file", pidFile, id2, "sleep", "998"), "exec -d")
		pid2 := readPid(t, pidFile)
		r.setup(r.do("delete", "--force", id2), "delete --force")
		if !exited(pid2, 5*time.Second) {
			r.fail("delete --force left the exec'd process %d running", pid2)
		}
	})
}

// TestExecRefused: a stopped or paused container takes no new process, and
// says why.
func TestExecRefused(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		b := r.bundle(nil) // runs true
		stopped := r.id()
		r.setup(r.do("run", "-d", "--bundle", b, stopped), "run -d")
		r.waitStatus(stopped, "stopped")
		if res := r.do("exec", stopped, "true"); res.code == 0 || !strings.Contains(res.stderr, "stopped") {
			r.fail("exec into a stopped container: exit %d, %q; want an error saying it is stopped", res.code, res.stderr)
		}
		paused := runningContainer(r, nil)
		r.setup(r.do("pause", paused), "pause")
		if res := r.do("exec", paused, "true"); res.code == 0 || !strings.Contains(res.stderr, "paused") {
			r.fail("exec into a paused container: exit %d, %q; want an error saying it is paused", res.code, res.stderr)
		}
		r.setup(r.do("resume", paused), "resume")
		if res := r.do("exec", "no-such-container-"+strconv.Itoa(os.Getpid()), "true"); res.code == 0 {
			r.fail("exec into a missing container succeeded")
		}
	})
}

// TestExecSeccomp: the container's filter applies to exec'd processes too.
func TestExecSeccomp(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		id := runningContainer(r, func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Architectures: nativeArches(),
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: ptrUint(1),
				}},
			}
		})
		res := r.do("exec", id, "sh", "-c", `grep '^Seccomp:' /proc/self/status | tr -s '\t' ' '; mkdir /tmp/x 2>&1 | grep -o 'Operation not permitted'`)
		expect(r, "seccomp", res, 0, "Seccomp: 2\nOperation not permitted")
	})
}

// TestExecTerminal: exec -t sends a pty master to --console-socket; the
// process has it as its controlling terminal and stdio. Detached, as the
// shims run it (runc refuses a console socket in the foreground).
func TestExecTerminal(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		id := runningContainer(r, nil)
		sock, got := receiveConsole(t, r.base)
		res := r.do("exec", "-d", "-t", "--console-socket", sock, id, "sh", "-c", "tty; readlink /proc/self/fd/1")
		if res.code != 0 {
			r.fail("exec -t: exit %d: %s", res.code, res.stderr)
			return
		}
		select {
		case out := <-got:
			if strings.Count(out, "/dev/pts/") != 2 {
				r.fail("exec -t: terminal output %q, want the pty twice", out)
			}
		case <-time.After(10 * time.Second):
			r.fail("exec -t: no terminal output")
		}
	})
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %s: %q", path, data)
	}
	return pid
}

func procCgroup(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func ptrUint(v uint) *uint { return &v }
