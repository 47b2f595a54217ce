package state

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hull-project/hull/spec"
)

var badIDs = []string{
	"", ".", "..", "../victim", "a/b", "x/../../victim", "victim/..",
	"../root/../victim", "/abs/victim", "a\x00b", strings.Repeat("x", 2000),
}

// sandbox is a root with a victim directory beside it that no call given a
// bad id may touch.
func sandbox(t *testing.T) (root, victim string) {
	t.Helper()
	base := t.TempDir()
	root, victim = filepath.Join(base, "root"), filepath.Join(base, "victim")
	for _, d := range []string{root, filepath.Join(victim, "root-like")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(victim, stateFile), filepath.Join(victim, cgroupFile)} {
		if err := os.WriteFile(f, []byte(`{"id":"victim"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, victim
}

func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBadIDRefusedEverywhere: every function that turns an id into a path
// refuses an invalid one with create's error (spec.ValidateID's), before
// touching the filesystem, and never with ErrNotExist (which delete --force
// would take as success).
func TestBadIDRefusedEverywhere(t *testing.T) {
	root, victim := sandbox(t)
	base := filepath.Dir(root)
	before := tree(t, base)
	calls := map[string]func(id string) error{
		"Create": func(id string) error {
			l, err := Create(root, id)
			l.Release()
			return err
		},
		"Acquire": func(id string) error {
			l, err := Acquire(root, id)
			l.Release()
			return err
		},
		"Load":               func(id string) error { _, err := Load(root, id); return err },
		"Remove":             func(id string) error { return Remove(root, id) },
		"Save":               func(id string) error { return Save(root, &State{ID: id}) },
		"SaveCreatingCgroup": func(id string) error { return SaveCreatingCgroup(root, id, &CreatingCgroup{}) },
		"LoadCreatingCgroup": func(id string) error { _, err := LoadCreatingCgroup(root, id); return err },
	}
	for _, id := range badIDs {
		want := spec.ValidateID(id)
		if want == nil {
			t.Fatalf("spec.ValidateID(%.20q) accepted a bad id", id)
		}
		for name, call := range calls {
			err := call(id)
			if err == nil || err.Error() != want.Error() {
				t.Errorf("%s(%.20q) = %v, want %v", name, id, err, want)
			}
			if errors.Is(err, ErrNotExist) {
				t.Errorf("%s(%.20q) error matches ErrNotExist", name, id)
			}
		}
	}
	if after := tree(t, base); !slices.Equal(after, before) {
		t.Errorf("files changed beside and under the root:\nbefore %v\nafter  %v", before, after)
	}
	if _, err := os.Stat(filepath.Join(victim, stateFile)); err != nil {
		t.Errorf("victim damaged: %v", err)
	}
}

func TestValidIDRoundTrip(t *testing.T) {
	root, _ := sandbox(t)
	const id = "ok_id-1.2+3"
	l, err := Create(root, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(root, &State{ID: id, Bundle: "/b"}); err != nil {
		t.Fatal(err)
	}
	l.Release()
	st, err := Load(root, id)
	if err != nil || st.ID != id || st.Bundle != "/b" {
		t.Fatalf("Load = %+v, %v", st, err)
	}
	if l, err = Acquire(root, id); err != nil {
		t.Fatal(err)
	}
	if err := Remove(root, id); err != nil {
		t.Fatal(err)
	}
	l.Release()
	if _, err := Load(root, id); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Load after Remove = %v, want ErrNotExist", err)
	}
}

// A state.json naming another container (tampered with, or copied) is
// refused: later paths are built from the id inside it.
func TestLoadRefusesMismatchedID(t *testing.T) {
	root, _ := sandbox(t)
	if err := os.Mkdir(filepath.Join(root, "c1"), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "c1", stateFile), []byte(`{"id":"../victim"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(root, "c1"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Load of a state naming another id = %v, want a corrupt-state error", err)
	}
}

func TestListSkipsInvalidNames(t *testing.T) {
	root, _ := sandbox(t)
	for _, name := range []string{"good", "bad name", "bad:colon"} {
		if err := os.Mkdir(filepath.Join(root, name), 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, stateFile), []byte(`{}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"good"}) {
		t.Fatalf("List = %q, want [good]", ids)
	}
}
