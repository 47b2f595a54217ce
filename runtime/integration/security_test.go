package integration

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The CVE-2019-5736 attack keeps a handle on /proc/<init>/exe and reopens
// it for writing once init has exec'd. Init runs from a read-only bind of
// hull, so the reopen must fail and the binary stay intact.
func TestHullBinaryCannotBeOverwrittenThroughInit(t *testing.T) {
	e := newEnv(t)
	before, err := os.ReadFile(hullBin)
	if err != nil {
		t.Fatal(err)
	}
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
	id := e.id()
	must(t, e.hull("create", "--bundle", b, id), "create")
	pid := e.state(id).Pid
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/exe", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	must(t, e.hull("start", id), "start")
	e.waitStatus(id, "running")
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Flags&unix.ST_RDONLY == 0 {
		t.Fatal("init's executable is not on a read-only mount")
	}
	// EROFS, or ETXTBSY while another test's hull still runs the binary:
	// the kernel checks that first.
	w, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		unix.Close(w)
		t.Fatal("the hull binary behind a container's init could be opened for writing")
	}
	if !errors.Is(err, unix.EROFS) && !errors.Is(err, unix.ETXTBSY) {
		t.Fatalf("reopen for writing: %v, want EROFS", err)
	}
	after, _ := os.ReadFile(hullBin)
	if string(before) != string(after) {
		t.Fatal("hull binary changed")
	}
}

// `run` in the foreground with process.terminal and no --console-socket
// receives the pty itself and copies it to its own stdout, as runc does.
func TestRunTerminalWithoutConsoleSocket(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.Args = []string{"sh", "-c", "test -t 1 && echo stdout-is-tty; exit 4"}
	})
	r := e.hull("run", "--bundle", b, e.id())
	if r.code != 4 || !strings.Contains(r.stdout, "stdout-is-tty") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
