package exec

import (
	"os"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
)

// TestMain removes the busybox rootfs template the tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}
