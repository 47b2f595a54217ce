// Package hooks runs the spec's lifecycle hooks (createRuntime, poststart, ...)
// the way the runtime spec and runc do: each hook is executed directly (no
// shell), gets the container state as JSON on stdin, and must exit 0.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// waitDelay bounds how long Run waits for a hook's output pipes to close after
// the hook itself exited or was killed: a hook that leaves a daemon behind
// holding its stderr must not hang the runtime.
const waitDelay = 2 * time.Second

// maxStderr is how much of a failing hook's stderr goes into the error.
const maxStderr = 4096

// Run runs hooks in order and stops at the first failure. Each hook gets the
// state JSON on stdin, its Path, Args (argv including argv[0], as execve) and
// Env; a nil Env inherits hull's environment, as in runc. A hook with a
// Timeout (seconds) is killed, with everything it started, when it runs longer.
// The error names the hook kind, index and path and includes the hook's
// trimmed stderr.
func Run(kind string, hs []specs.Hook, state *specs.State) error {
	if len(hs) == 0 {
		return nil
	}
	if state == nil {
		return fmt.Errorf("%s hooks: no container state to pass", kind)
	}
	stateJSON, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s hooks: encode state: %w", kind, err)
	}
	for i, h := range hs {
		if err := runOne(h, stateJSON); err != nil {
			return fmt.Errorf("%s hook #%d (%s): %w", kind, i, h.Path, err)
		}
	}
	return nil
}

func runOne(h specs.Hook, stateJSON []byte) error {
	if !filepath.IsAbs(h.Path) {
		return errors.New("path must be absolute")
	}
	ctx := context.Background()
	var timeout time.Duration
	if h.Timeout != nil {
		if *h.Timeout <= 0 {
			return fmt.Errorf("timeout must be a positive number of seconds, got %d", *h.Timeout)
		}
		timeout = time.Duration(*h.Timeout) * time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := command(ctx, h, stateJSON)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		// The hook succeeded; only something it left running still holds its output.
		return nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("killed after exceeding its timeout of %s%s", timeout, stderrSuffix(&stderr))
	}
	if err != nil {
		return fmt.Errorf("%w%s", err, stderrSuffix(&stderr))
	}
	return nil
}

// command builds the hook's exec.Cmd. The hook runs in its own process group
// so that a timeout kills the processes it started too.
func command(ctx context.Context, h specs.Hook, stateJSON []byte) *exec.Cmd {
	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = h.Args
	if len(cmd.Args) == 0 {
		cmd.Args = []string{h.Path}
	}
	cmd.Env = h.Env
	cmd.Stdin = bytes.NewReader(stateJSON)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
	}
	cmd.WaitDelay = waitDelay
	return cmd
}

func stderrSuffix(b *bytes.Buffer) string {
	s := strings.TrimSpace(b.String())
	if s == "" {
		return ""
	}
	if len(s) > maxStderr {
		s = "..." + s[len(s)-maxStderr:]
	}
	return ": stderr: " + s
}
