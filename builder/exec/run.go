package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Step is one process to run in a mounted rootfs.
type Step struct {
	Runtime string // OCI runtime binary (path or name on PATH)
	ID      string // container id, unique on this host
	Spec    SpecOptions
	Stdout  io.Writer
	Stderr  io.Writer
}

// Run runs the step's process to completion in Spec.Rootfs (already mounted,
// writable) and returns an error naming the exit code when it fails. Mountpoints
// the runtime had to create in the rootfs are removed again afterwards so they
// do not end up in the layer; creating them copied their parent directories up
// into the upper dir, and Run returns those parents (absolute paths inside the
// rootfs) for PruneCopyUps once the overlay is unmounted.
func Run(ctx context.Context, st Step) ([]string, error) {
	bundle, err := os.MkdirTemp("", "hull-build-bundle-")
	if err != nil {
		return nil, fmt.Errorf("bundle dir: %w", err)
	}
	defer os.RemoveAll(bundle)
	if err := ensureDir(st.Spec.Rootfs, st.Spec.Cwd); err != nil {
		return nil, err
	}
	spec := Spec(st.Spec)
	created, err := missingMountpoints(st.Spec.Rootfs, spec.Mounts)
	if err != nil {
		return nil, err
	}
	defer removeMountpoints(st.Spec.Rootfs, created)
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("marshal config.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o600); err != nil {
		return nil, fmt.Errorf("write config.json: %w", err)
	}
	return copiedUpParents(st.Spec.Rootfs, created), runRuntime(ctx, st, bundle)
}

// copiedUpParents lists the existing directories the mountpoints were made in.
func copiedUpParents(rootfs string, list []created) []string {
	var out []string
	for _, c := range list {
		for p := filepath.Dir(c.top); within(rootfs, p) && p != rootfs; p = filepath.Dir(p) {
			out = append(out, "/"+strings.TrimPrefix(p, rootfs+"/"))
		}
	}
	return out
}

func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// runRuntime runs `RUNTIME --root STATE run --bundle B ID` in the foreground
// and always deletes the container afterwards, even on cancellation.
func runRuntime(ctx context.Context, st Step, bundle string) error {
	state := filepath.Join(bundle, "state")
	cmd := osexec.CommandContext(ctx, st.Runtime, "--root", state, "run", "--bundle", bundle, st.ID)
	cmd.Stdout, cmd.Stderr = st.Stdout, st.Stderr
	cmd.Cancel = func() error {
		// Kill the container, not only the runtime, or its processes would linger.
		_ = osexec.Command(st.Runtime, "--root", state, "kill", st.ID, "KILL").Run()
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	_ = osexec.Command(st.Runtime, "--root", state, "delete", "-f", st.ID).Run()
	if ctx.Err() != nil {
		return fmt.Errorf("step cancelled: %w", ctx.Err())
	}
	var ee *osexec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("process %q exited with code %d", strings.Join(st.Spec.Args, " "), ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", st.Runtime, err)
	}
	return nil
}

// ensureDir creates the working directory inside rootfs if the image lacks it
// (docker does the same for WORKDIR).
func ensureDir(rootfs, dir string) error {
	if dir == "" {
		return nil
	}
	p, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return fmt.Errorf("resolve working dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("create working dir %s: %w", dir, err)
	}
	return nil
}

// created is a mountpoint the runtime will create: top is its first missing
// ancestor (what must go again), path the destination itself.
type created struct{ top, path string }

func missingMountpoints(rootfs string, mounts []specs.Mount) ([]created, error) {
	var out []created
	for _, m := range mounts {
		dest := filepath.Clean("/" + m.Destination)
		top := ""
		for p := dest; p != "/"; p = filepath.Dir(p) {
			full, err := securejoin.SecureJoin(rootfs, p)
			if err != nil {
				return nil, fmt.Errorf("resolve mountpoint %s: %w", p, err)
			}
			if _, err := os.Lstat(full); errors.Is(err, fs.ErrNotExist) {
				top = full
			} else {
				break
			}
		}
		if top != "" {
			full, _ := securejoin.SecureJoin(rootfs, dest)
			out = append(out, created{top: top, path: full})
		}
	}
	return out, nil
}

// removeMountpoints deletes, through the merged view (so no whiteout is
// made: the entries never existed below), mountpoints the runtime created,
// as long as they are still empty: the step may have written there on purpose.
func removeMountpoints(rootfs string, list []created) {
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		for p := c.path; ; p = filepath.Dir(p) {
			if !removeIfEmpty(p) || p == c.top || len(p) <= len(rootfs) {
				break
			}
		}
	}
}

func removeIfEmpty(p string) bool {
	fi, err := os.Lstat(p)
	if err != nil {
		return false
	}
	if fi.Mode().IsRegular() && fi.Size() != 0 {
		return false
	}
	return os.Remove(p) == nil // fails on non-empty dirs, as wanted
}
