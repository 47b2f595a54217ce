package clients

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type fakeEnv struct{ closed *int }

func (f fakeEnv) Close() error { *f.closed++; return nil }

func TestRunAndSummary(t *testing.T) {
	closed := 0
	sc := Scenario[fakeEnv]{
		Name: "fake",
		Setup: func(rt Runtime, dir string) (fakeEnv, error) {
			if rt.Name == "broken" {
				return fakeEnv{}, errors.New("no daemon")
			}
			return fakeEnv{&closed}, nil
		},
		Steps: []Step[fakeEnv]{
			{"ok", func(fakeEnv) error { return nil }},
			{"fails on test", func(fakeEnv) error { return errors.New("boom") }},
			{"host limit", func(fakeEnv) error { return Skip("no macvlan") }},
		},
	}
	var w bytes.Buffer
	outs := Run(&w, sc, []Runtime{{Name: "hull"}, {Name: "runc"}, {Name: "broken"}})
	if len(outs) != 9 || closed != 2 {
		t.Fatalf("%d outcomes, %d closes; want 9, 2", len(outs), closed)
	}
	for _, want := range []string{"PASS fake/hull: ok", "FAIL fake/hull: fails on test: boom", "SKIP fake/runc: host limit", "FAIL fake/broken: ok: setup: no daemon"} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, w.String())
		}
	}
	// Make the reference pass the step hull fails: a regression.
	for i := range outs {
		if outs[i].Runtime == "runc" && outs[i].Step == "fails on test" {
			outs[i].Err = nil
		}
	}
	w.Reset()
	reg := Summary(&w, outs, "hull", "runc")
	if len(reg) != 1 || reg[0] != "fails on test" {
		t.Errorf("regressions = %v", reg)
	}
	if !strings.Contains(w.String(), "hull: 1 passed, 1 failed, 1 skipped") {
		t.Errorf("summary:\n%s", w.String())
	}
}
