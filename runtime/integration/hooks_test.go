package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Every hook appends "<kind> <status>" (from the state on its stdin) to a
// log file; the order and statuses must follow the runtime-spec.
func TestHooksOrderAndState(t *testing.T) {
	e := newEnv(t)
	logDir := t.TempDir()
	log := filepath.Join(logDir, "hooks.log")
	hook := func(kind string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", `st=$(cat); s=${st#*\"status\":\"}; echo "` + kind + ` ${s%%\"*}" >> ` + log}}
	}
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"true"}
		s.Hooks = &specs.Hooks{
			//lint:ignore SA1019 prestart is deprecated but runtimes still run it.
			Prestart:      []specs.Hook{hook("prestart")},
			CreateRuntime: []specs.Hook{hook("createRuntime")},
			Poststart:     []specs.Hook{hook("poststart")},
			Poststop:      []specs.Hook{hook("poststop")},
		}
	})
	// createContainer and startContainer run in the container's mount
	// namespace: give them the log dir through a bind mount.
	var s specs.Spec
	data, _ := os.ReadFile(filepath.Join(b, "config.json"))
	json.Unmarshal(data, &s)
	s.Mounts = append(s.Mounts, specs.Mount{Destination: logDir, Type: "bind", Source: logDir, Options: []string{"rbind"}})
	s.Hooks.CreateContainer = []specs.Hook{hook("createContainer")}
	s.Hooks.StartContainer = []specs.Hook{hook("startContainer")}
	out, _ := json.Marshal(&s)
	os.WriteFile(filepath.Join(b, "config.json"), out, 0o644)

	must(t, e.hull("run", "--bundle", b, e.id()), "run with hooks")
	got, _ := os.ReadFile(log)
	want := "prestart creating\ncreateRuntime creating\ncreateContainer creating\nstartContainer created\npoststart running\npoststop stopped\n"
	if string(got) != want {
		t.Fatalf("hook log:\n%s\nwant:\n%s", got, want)
	}
}

func TestFailingPrestartHookAbortsCreate(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		//lint:ignore SA1019 prestart is deprecated but runtimes still run it.
		s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo hook-broke >&2; exit 7"}}}}
	})
	id := e.id()
	r := e.hull("create", "--bundle", b, id)
	if r.code == 0 || !strings.Contains(r.stderr, "hook-broke") {
		t.Fatalf("create with failing prestart hook: exit %d %q", r.code, r.stderr)
	}
	assertNoLeftovers(t, e.root, id)
}

func TestPoststartFailureIsOnlyAWarning(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "exit 5"}
		s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/false", Args: []string{"false"}}}}
	})
	r := e.hull("run", "--bundle", b, e.id())
	if r.code != 5 || !strings.Contains(r.stderr, "warning") {
		t.Fatalf("run: exit %d %q; want the container's 5 and a warning", r.code, r.stderr)
	}
}
