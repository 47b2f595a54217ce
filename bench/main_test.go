package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/hull-project/hull/conformance/cgroupv1ns"
	"github.com/hull-project/hull/internal/testutil"
)

// TestMain re-executes the test binary in a private mount namespace where
// the host's cgroup2 mount is hidden: crun 1.8 refuses this host's hybrid
// layout, and every runtime must run under the same conditions. It also
// makes the process a child subreaper so the container process can be
// waited for. Unprivileged runs stay as they are: the benchmarks skip.
func TestMain(m *testing.M) {
	if os.Geteuid() == 0 {
		if err := enterV1Namespace(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(2)
		}
		if err := BecomeSubreaper(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(2)
		}
	}
	code := m.Run()
	removeBuiltHull()
	testutil.Cleanup()
	printResults()
	os.Exit(code)
}

// enterV1Namespace returns in the re-executed child; the parent exits with
// the child's code.
func enterV1Namespace() error {
	if cgroupv1ns.Inside() {
		return cgroupv1ns.HideUnified()
	}
	if !cgroupv1ns.Needed() {
		return nil
	}
	code, err := cgroupv1ns.Reexec(os.Args[1:])
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}
