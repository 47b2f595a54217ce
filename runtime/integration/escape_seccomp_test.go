package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	rtseccomp "github.com/opencontainers/runtime-tools/generate/seccomp"
)

// probeSource tries syscalls Docker's default profile refuses to a
// container without CAP_SYS_ADMIN or CAP_SYS_PTRACE, and prints name=ok or
// the error. A new user namespace and the session keyring need no
// capability, so only a seccomp filter stops them; mount (CAP_SYS_ADMIN)
// and tracing init (the kernel's ptrace access check, on runc as on hull)
// are refused with or without the profile.
const probeSource = `#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void report(const char *name, long rc) {
	printf("%s=%s\n", name, rc >= 0 ? "ok" : strerror(errno));
}

/* Attach to the container's init (the shell waiting for this probe) and
   let it go again. */
static long trace_init(void) {
	if (ptrace(PTRACE_ATTACH, 1, 0, 0) < 0)
		return -1;
	waitpid(1, NULL, __WALL);
	ptrace(PTRACE_DETACH, 1, 0, 0);
	return 0;
}

int main(void) {
	report("keyctl", syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, 0));
	report("add_key", syscall(SYS_add_key, "user", "hulltest", "x", 1, -2 /* process keyring */));
	report("unshare", unshare(CLONE_NEWUSER));
	report("ptrace", trace_init());
	report("mount", mount("none", "/proc", "tmpfs", 0, NULL));
	return 0;
}
`

// buildProbe compiles probeSource statically into dir.
func buildProbe(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler (cc) to build the syscall probe")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.c")
	if err := os.WriteFile(src, []byte(probeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "probe")
	if out, err := exec.Command("cc", "-static", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, out)
	}
	return bin
}

// 7b. Docker's default seccomp profile (runtime-tools' copy, in OCI form):
// Seccomp: 2, and what needs no capability but the profile refuses (a new
// user namespace, keyctl, add_key) fails with EPERM, as do ptrace of init
// and mount. The same probe without a profile shows the first three work,
// so those refusals are the filter's.
func TestEscapeDockerDefaultProfile(t *testing.T) {
	probe := buildProbe(t)
	data, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	blocked := []string{"keyctl", "add_key", "unshare", "ptrace", "mount"}
	// Refused without the profile too, by the kernel's own checks.
	capBlocked := map[string]bool{"mount": true, "ptrace": true}
	for _, withProfile := range []bool{true, false} {
		name := "default-profile"
		if !withProfile {
			name = "no-profile"
		}
		t.Run(name, func(t *testing.T) {
			forEachRuntime(t, func(t *testing.T, r *rtEnv) {
				b := r.bundle(func(s *specs.Spec) {
					s.Process.Args = []string{"sh", "-c", "grep '^Seccomp:' /proc/self/status; /probe"}
					if withProfile {
						s.Linux.Seccomp = rtseccomp.DefaultProfile(s)
					}
				})
				if err := os.WriteFile(filepath.Join(b, "rootfs", "probe"), data, 0o755); err != nil {
					t.Fatal(err)
				}
				res := r.setup(r.do("run", "--bundle", b, r.id()), "run the probe")
				mode := "0"
				if withProfile {
					mode = "2"
				}
				if !regexp.MustCompile(`(?m)^Seccomp:\s+` + mode + `$`).MatchString(res.stdout) {
					r.escaped("want Seccomp: %s: %q", mode, res.stdout)
				}
				for _, sc := range blocked {
					got := ""
					for _, line := range strings.Split(res.stdout, "\n") {
						if v, ok := strings.CutPrefix(line, sc+"="); ok {
							got = v
						}
					}
					switch {
					case withProfile && got != "Operation not permitted":
						r.escaped("%s under Docker's default profile: %q, want EPERM", sc, got)
					case !withProfile && capBlocked[sc] && got != "Operation not permitted":
						r.escaped("control: %s without the capability it needs: %q, want EPERM", sc, got)
					case !withProfile && !capBlocked[sc] && got != "ok":
						r.fail("control: %s without a profile: %q, want ok", sc, got)
					}
				}
			})
		})
	}
}
