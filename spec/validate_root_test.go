package spec

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// netnsHolder starts a process in a new network namespace and returns the
// path of that namespace; the process is killed when the test ends.
func netnsHolder(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	cmd := exec.Command(testutil.BusyboxPath, "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a process in a new netns: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)
}

// A net.* sysctl is allowed in a network namespace joined by path, as long
// as it is not the one hull runs in.
func TestValidateSysctlJoinedNetns(t *testing.T) {
	path := netnsHolder(t)
	bundle, s := validBundle(t)
	s.Linux.Namespaces[1].Path = path
	s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	if err := Validate(s, bundle); err != nil {
		t.Fatalf("joined netns %s: %v", path, err)
	}
	// The same namespace given as another type is refused.
	s.Linux.Namespaces[2].Path = path
	errs := fieldErrors(t, Validate(s, bundle))
	if len(errs) != 1 || errs[0].Field != "linux.namespaces[2].path" {
		t.Fatalf("net namespace joined as ipc: got %v", errs)
	}
}
