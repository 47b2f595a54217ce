package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hull-project/hull/spec"
)

func TestSpecWantsTerminal(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   bool
	}{
		{`{"process": {"terminal": true}}`, true},
		{`{"process": {"terminal": false}}`, false},
		{`{}`, false},
		{`{"process": null}`, false},
		{`not json`, false},
	} {
		b := t.TempDir()
		if err := os.WriteFile(filepath.Join(b, spec.ConfigFile), []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := specWantsTerminal(b); got != tc.want {
			t.Errorf("specWantsTerminal(%s) = %v, want %v", tc.config, got, tc.want)
		}
	}
	if specWantsTerminal(t.TempDir()) {
		t.Error("specWantsTerminal of a bundle without config.json = true")
	}
}

// `run` peeks at process.terminal before create loads the spec: an
// oversized config.json must be refused unread there too, not read whole.
func TestSpecWantsTerminalOversized(t *testing.T) {
	b := t.TempDir()
	path := filepath.Join(b, spec.ConfigFile)
	if err := os.WriteFile(path, []byte(`{"process": {"terminal": true}, "pad": "`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Sparse, four times the limit.
	if err := os.Truncate(path, 4*spec.MaxConfigSize); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := specWantsTerminal(b)
	runtime.ReadMemStats(&after)
	if got {
		t.Error("specWantsTerminal of an oversized config.json = true")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("specWantsTerminal allocated %d bytes for a %d-byte config.json it must refuse unread", n, 4*spec.MaxConfigSize)
	}
}
