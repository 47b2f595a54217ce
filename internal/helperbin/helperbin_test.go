package helperbin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindFromEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h")
	if err := os.WriteFile(p, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HULLTEST_HELPER", p)
	got, err := Find("hulltest-no-such-helper", "HULLTEST_HELPER", "the test")
	if err != nil || got != p {
		t.Fatalf("Find = %q, %v; want %q", got, err, p)
	}
}

func TestFindEnvNamesMissingFile(t *testing.T) {
	t.Setenv("HULLTEST_HELPER", filepath.Join(t.TempDir(), "none"))
	_, err := Find("hulltest-no-such-helper", "HULLTEST_HELPER", "the test")
	if err == nil || !strings.Contains(err.Error(), "$HULLTEST_HELPER") {
		t.Fatalf("err = %v, want one naming $HULLTEST_HELPER", err)
	}
}

func TestFindOnPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hulltest-helper")
	if err := os.WriteFile(p, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HULLTEST_HELPER", "")
	t.Setenv("PATH", dir)
	got, err := Find("hulltest-helper", "HULLTEST_HELPER", "the test")
	if err != nil || got != p {
		t.Fatalf("Find = %q, %v; want %q", got, err, p)
	}
}

func TestFindMissingSaysWhatNeedsIt(t *testing.T) {
	t.Setenv("HULLTEST_HELPER", "")
	t.Setenv("PATH", t.TempDir())
	_, err := Find("hulltest-helper", "HULLTEST_HELPER", "the test")
	if err == nil || !strings.Contains(err.Error(), "the test needs hulltest-helper") {
		t.Fatalf("err = %v, want it to say what needs the helper", err)
	}
}
