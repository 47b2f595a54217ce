package suite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeProgram writes a shell script standing in for a validation program.
func fakeProgram(t *testing.T, binDir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(binDir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerRun runs fake programs through a Runner and checks what they
// see (RUNTIME wrapper, rootfs and runtimetest in the working directory, a
// private TMPDIR) and how their outcome is judged.
func TestRunnerRun(t *testing.T) {
	binDir := t.TempDir()
	work := filepath.Join(t.TempDir(), "work")
	rootfs := filepath.Join(t.TempDir(), RootfsName)
	if err := os.WriteFile(rootfs, []byte("not really a tarball"), 0o644); err != nil {
		t.Fatal(err)
	}
	fakeProgram(t, binDir, "runtimetest", "exit 0\n")
	fakeProgram(t, binDir, "sees_env", `echo "TAP version 13"
grep -q -- "--root" "$RUNTIME" && echo "ok 1 - wrapper passes --root" || echo "not ok 1 - wrapper"
[ -f `+RootfsName+` ] && echo "ok 2 - rootfs" || echo "not ok 2 - rootfs"
[ -f runtimetest ] && [ ! -L runtimetest ] && echo "ok 3 - runtimetest copied" || echo "not ok 3 - runtimetest"
case "$TMPDIR" in */tmp/sees_env-*) echo "ok 4 - private TMPDIR";; *) echo "not ok 4 - TMPDIR $TMPDIR";; esac
echo "ok 5 # SKIP not here"
echo 1..5
`)
	fakeProgram(t, binDir, "crashes", "echo 'TAP version 13'\necho 'ok 1 - first'\nexit 3\n")
	fakeProgram(t, binDir, "hangs", "sleep 60\n")

	r, err := NewRunner("true", binDir, rootfs, work, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	tests := []struct {
		program  string
		want     Counts
		wantErr  string
		timedOut bool
	}{
		{"sees_env", Counts{Passed: 4, Skipped: 1}, "", false},
		{"crashes", Counts{Passed: 1, Failed: 1}, "exit status 3", false},
		{"hangs", Counts{Failed: 1}, "timed out", true},
	}
	for _, tt := range tests {
		t.Run(tt.program, func(t *testing.T) {
			o := r.Run(context.Background(), tt.program)
			if o.Counts != tt.want || o.ProgramError != tt.wantErr || o.TimedOut != tt.timedOut {
				t.Errorf("Run(%s) = counts %+v, error %q, timed out %v; want %+v, %q, %v\nstdout:\n%s\nstderr:\n%s",
					tt.program, o.Counts, o.ProgramError, o.TimedOut, tt.want, tt.wantErr, tt.timedOut, o.TAP, o.Stderr)
			}
			left, err := os.ReadDir(r.tmpRoot())
			if err != nil || len(left) != 0 {
				t.Errorf("program temp dirs left behind: %v (%v)", left, err)
			}
		})
	}
}

func TestNewRunnerRejectsMissingRuntime(t *testing.T) {
	_, err := NewRunner("/nonexistent/hull", t.TempDir(), "rootfs.tar.gz", t.TempDir(), time.Second)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/hull") {
		t.Fatalf("err = %v, want one naming the runtime", err)
	}
}
