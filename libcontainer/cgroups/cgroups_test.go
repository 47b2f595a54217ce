package cgroups

import (
	"strings"
	"testing"

	"github.com/hull-project/hull/libcontainer/cgroups/fs"
	"github.com/hull-project/hull/libcontainer/cgroups/fs2"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		v2   map[string]bool
		want Mode
	}{
		{map[string]bool{mountRoot: true}, Unified},
		{map[string]bool{hybridMount: true}, Hybrid},
		{map[string]bool{}, Legacy},
	} {
		got := detect(func(p string) bool { return c.v2[p] })
		if got != c.want {
			t.Errorf("detect(%v) = %v, want %v", c.v2, got, c.want)
		}
	}
}

func TestLoadPicksManager(t *testing.T) {
	dir := t.TempDir()
	m, err := Load(map[string]string{"": dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*fs2.Manager); !ok {
		t.Errorf("Load({\"\"}) = %T, want *fs2.Manager", m)
	}
	m, err = Load(map[string]string{"devices": dir, "": dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*fs.Manager); !ok {
		t.Errorf("Load(v1 + hybrid) = %T, want *fs.Manager", m)
	}
	if _, err := Load(nil); err == nil {
		t.Error("Load(nil) must fail")
	}
}

func TestNewNeedsAName(t *testing.T) {
	_, err := New("", "", false)
	if err == nil || !strings.Contains(err.Error(), "container id") {
		t.Fatalf("New with no path and no id = %v", err)
	}
}

// The interface is what the runtime holds; both managers must satisfy it.
var (
	_ Manager = (*fs.Manager)(nil)
	_ Manager = (*fs2.Manager)(nil)
)
