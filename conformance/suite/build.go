// Package suite builds the OCI runtime-tools validation programs, prepares
// the files they expect in their working directory and runs each one
// against a runtime, cleaning up what it leaves behind.
package suite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// ToolsModule is the module holding the validation programs; its version
// is the one pinned in hull's go.mod.
const ToolsModule = "github.com/opencontainers/runtime-tools"

// Build compiles the validation programs whose name want accepts into
// binDir (one binary per program, named after it) plus runtimetest, the
// checker the programs copy into each container. moduleDir is hull's module
// root. It returns the program names, sorted.
func Build(ctx context.Context, moduleDir, binDir string, want func(name string) bool) ([]string, error) {
	all, err := mainPackages(ctx, moduleDir)
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for _, p := range all {
		if want(filepath.Base(p)) {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no validation program selected (of %d)", len(all))
	}
	// One go build for all programs shares the compile work; -o DIR/ names
	// each binary after its package.
	args := append([]string{"build", "-trimpath", "-o", binDir + "/"}, pkgs...)
	if _, err := goCmd(ctx, moduleDir, nil, args...); err != nil {
		return nil, fmt.Errorf("build validation programs: %w", err)
	}
	if err := buildRuntimetest(ctx, moduleDir, binDir); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	return names, nil
}

// mainPackages lists the validation programs (main packages under
// validation/, which also holds the util library).
func mainPackages(ctx context.Context, moduleDir string) ([]string, error) {
	out, err := goCmd(ctx, moduleDir, nil, "list", "-f", "{{.Name}} {{.ImportPath}}", ToolsModule+"/validation/...")
	if err != nil {
		return nil, fmt.Errorf("list validation programs: %w", err)
	}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, path, ok := strings.Cut(line, " ")
		if ok && name == "main" {
			pkgs = append(pkgs, path)
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no validation programs found in %s", ToolsModule)
	}
	return pkgs, nil
}

// buildRuntimetest builds runtimetest inside the runtime-tools module
// itself (its directory in the module cache, with its own go.mod), not in
// hull's module: hull's build graph selects opencontainers/selinux v1.15
// (through buildkit), which dropped label.FileLabel that runtimetest uses.
// It must be static: it runs inside the busybox rootfs.
func buildRuntimetest(ctx context.Context, moduleDir, binDir string) error {
	out, err := goCmd(ctx, moduleDir, nil, "list", "-m", "-f", "{{.Dir}}", ToolsModule)
	if err != nil {
		return fmt.Errorf("find %s source: %w", ToolsModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return fmt.Errorf("find %s source: module not downloaded (run go mod download %s)", ToolsModule, ToolsModule)
	}
	env := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	dst := filepath.Join(binDir, "runtimetest")
	if _, err := goCmd(ctx, dir, env, "build", "-trimpath", "-o", dst, "./cmd/runtimetest"); err != nil {
		return fmt.Errorf("build runtimetest: %w", err)
	}
	return nil
}

// goCmd runs the go tool in dir with CGO disabled (static binaries) and
// returns its stdout; errors carry its stderr.
func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// ModuleRoot finds the root of the Go module containing dir.
func ModuleRoot(ctx context.Context, dir string) (string, error) {
	out, err := goCmd(ctx, dir, nil, "env", "GOMOD")
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("%s is not inside a Go module (run from hull's checkout or pass --module)", dir)
	}
	return filepath.Dir(gomod), nil
}

// Programs lists the validation programs already built in binDir: every
// executable file except runtimetest.
func Programs(binDir string) ([]string, error) {
	entries, err := os.ReadDir(binDir)
	if err != nil {
		return nil, fmt.Errorf("read --bin-dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode()&0o111 == 0 || e.Name() == "runtimetest" {
			continue
		}
		names = append(names, e.Name())
	}
	if _, err := os.Stat(filepath.Join(binDir, "runtimetest")); err != nil {
		return nil, fmt.Errorf("--bin-dir %s has no runtimetest: %w", binDir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--bin-dir %s holds no validation programs", binDir)
	}
	return names, nil
}
