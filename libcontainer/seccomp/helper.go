package seccomp

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/hull-project/hull/internal/helperbin"
)

// HelperName is the helper's file name; `make install` puts it beside hull.
const HelperName = "hull-seccomp"

// EnvHelper overrides where hull looks for the helper.
const EnvHelper = "HULL_SECCOMP"

// helperTimeout bounds one compile: Docker's default profile takes
// milliseconds, so a helper still running after this is stuck, and create
// must not hang with it.
const helperTimeout = 30 * time.Second

// FindHelper returns the helper's path: $HULL_SECCOMP, else hull-seccomp
// beside the running hull binary, else on $PATH.
func FindHelper() (string, error) {
	return helperbin.Find(HelperName, EnvHelper, "linux.seccomp (to compile the profile)")
}

// runHelper compiles profile (JSON) with the helper at path; see the
// protocol in doc.go.
func runHelper(path string, profile []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Stdin = bytes.NewReader(profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("compile seccomp profile: %s", msg)
		}
		return nil, fmt.Errorf("compile seccomp profile: %s: %w", path, err)
	}
	return stdout.Bytes(), nil
}
