package integration

import (
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

const sigterm = syscall.SIGTERM

func hullCmd(root string, args ...string) *exec.Cmd {
	return exec.Command(hullBin, append([]string{"--root", root}, args...)...)
}

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// lineWaiter closes ch once the output contains want.
type lineWaiter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	ch   chan struct{}
	done bool
}

func (w *lineWaiter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.want) {
		w.done = true
		close(w.ch)
	}
	return len(p), nil
}
