package build

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/hull-project/hull/builder/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

func TestIgnoreMatcher(t *testing.T) {
	m, err := parseIgnore([]string{"# comment", "*.log", "build/", "**/secret*", "!keep.log", "docs/*/draft"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool
	}{
		{"a.log", true},
		{"keep.log", false},
		{"sub/a.log", false}, // * does not cross directories
		{"build", true},
		{"build/out/bin", true}, // a parent is excluded
		{"secret.txt", true},
		{"deep/er/secret.key", true},
		{"docs/v1/draft", true},
		{"docs/v1/final", false},
		{"main.go", false},
	}
	for _, tt := range tests {
		if got := m.excluded(tt.path); got != tt.want {
			t.Errorf("excluded(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if _, err := parseIgnore([]string{"[abc"}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad pattern error %v, want one naming line 1", err)
	}
}

func TestRunArgs(t *testing.T) {
	st := &stage{}
	tests := []struct {
		name   string
		cmd    instructions.ShellDependantCmdLine
		shell  []string
		want   []string
		script bool
	}{
		{"exec form", instructions.ShellDependantCmdLine{CmdLine: []string{"a", "b"}}, nil, []string{"a", "b"}, false},
		{"shell form", instructions.ShellDependantCmdLine{CmdLine: []string{"echo hi"}, PrependShell: true}, nil, []string{"/bin/sh", "-c", "echo hi"}, false},
		{"custom shell", instructions.ShellDependantCmdLine{CmdLine: []string{"x"}, PrependShell: true}, []string{"/bin/bash", "-ec"}, []string{"/bin/bash", "-ec", "x"}, false},
		{"bare heredoc", instructions.ShellDependantCmdLine{CmdLine: []string{"<<EOT"}, PrependShell: true,
			Files: []instructions.ShellInlineFile{{Name: "EOT", Data: "echo a\necho b\n"}}}, nil, []string{"/bin/sh", "-c", "echo a\necho b\n"}, false},
		{"shebang heredoc", instructions.ShellDependantCmdLine{CmdLine: []string{"<<'EOT'"}, PrependShell: true,
			Files: []instructions.ShellInlineFile{{Name: "EOT", Data: "#!/bin/awk -f\nBEGIN{}\n"}}}, nil, []string{heredocPath}, true},
		{"heredoc as stdin", instructions.ShellDependantCmdLine{CmdLine: []string{"cat <<EOT > /f"}, PrependShell: true,
			Files: []instructions.ShellInlineFile{{Name: "EOT", Data: "x\n"}}}, nil, []string{"/bin/sh", "-c", "cat <<EOT > /f\nx\nEOT\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st.cfg = dockerspec.DockerOCIImage{}
			st.cfg.Config.Shell = tt.shell
			args, script, err := st.runArgs(&instructions.RunCommand{ShellDependantCmdLine: tt.cmd})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(args, "|") != strings.Join(tt.want, "|") {
				t.Errorf("args %q, want %q", args, tt.want)
			}
			if (script != nil) != tt.script {
				t.Errorf("script %v, want %v", script, tt.script)
			}
		})
	}
}

func TestNormalizePort(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"80", "80/tcp", ""},
		{"53/UDP", "53/udp", ""},
		{"9/sctp", "9/sctp", ""},
		{"0", "", "not a port"},
		{"70000", "", "not a port"},
		{"80/icmp", "", "protocol"},
		{"http", "", "not a port"},
	}
	for _, tt := range tests {
		got, err := normalizePort(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("normalizePort(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("normalizePort(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseChmod(t *testing.T) {
	tests := []struct {
		in   string
		want fs.FileMode
		err  bool
	}{
		{"644", 0o644, false},
		{"0755", 0o755, false},
		{"4755", 0o755 | fs.ModeSetuid, false},
		{"1777", 0o777 | fs.ModeSticky, false},
		{"u+x", 0, true},
		{"99", 0, true},
		{"17777", 0, true},
	}
	for _, tt := range tests {
		got, err := parseChmod(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("parseChmod(%q) accepted", tt.in)
			}
			continue
		}
		if err != nil || *got != tt.want {
			t.Errorf("parseChmod(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct{ wd, p, want string }{
		{"", "a", "/a"},
		{"/app", "b/c", "/app/b/c"},
		{"/app", "/abs", "/abs"},
		{"/app", "../up", "/up"},
		{"/app", ".", "/app"},
	}
	for _, tt := range tests {
		if got := resolvePath(tt.wd, tt.p); got != tt.want {
			t.Errorf("resolvePath(%q, %q) = %q, want %q", tt.wd, tt.p, got, tt.want)
		}
	}
	for dest, want := range map[string]bool{"/a/": true, ".": true, "x/.": true, "/a": false, "file": false} {
		if got := isDirDest(dest); got != want {
			t.Errorf("isDirDest(%q) = %v, want %v", dest, got, want)
		}
	}
}

func TestSetEnv(t *testing.T) {
	env := setEnv([]string{"A=1", "B=2"}, "A", "3")
	env = setEnv(env, "C", "4=5")
	if got := strings.Join(env, ","); got != "A=3,B=2,C=4=5" {
		t.Errorf("env %s", got)
	}
	if v, ok := lookupEnv(env, "C"); !ok || v != "4=5" {
		t.Errorf("lookupEnv C = %q, %v", v, ok)
	}
}

// TestMetadataInstructions applies config-only instructions to a bare stage.
func TestMetadataInstructions(t *testing.T) {
	st := &stage{b: &builder{}}
	st.cfg.Config.Cmd = []string{"inherited"}
	shellForm := func(s string) instructions.ShellDependantCmdLine {
		return instructions.ShellDependantCmdLine{CmdLine: []string{s}, PrependShell: true}
	}
	steps := []instruction{
		&shellInstr{&instructions.ShellCommand{Shell: []string{"/bin/ash", "-c"}}},
		&entrypointInstr{&instructions.EntrypointCommand{ShellDependantCmdLine: shellForm("serve")}},
		&workdirNoFS{"/a"}, &workdirNoFS{"b"},
		&exposeInstr{&instructions.ExposeCommand{Ports: []string{"80", "53/udp"}}},
		&volumeInstr{&instructions.VolumeCommand{Volumes: []string{"data"}}},
		&labelInstr{&instructions.LabelCommand{Labels: instructions.KeyValuePairs{{Key: "k", Value: "v"}}}},
		&envInstr{&instructions.EnvCommand{Env: instructions.KeyValuePairs{{Key: "X", Value: "1"}, {Key: "X", Value: "2"}}}},
		&stopSignalInstr{&instructions.StopSignalCommand{Signal: "SIGINT"}},
		&onbuildInstr{&instructions.OnbuildCommand{Expression: "RUN x"}},
	}
	for _, in := range steps {
		if err := in.apply(t.Context(), st, nil); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
	}
	c := st.cfg.Config
	if c.Cmd != nil {
		t.Errorf("ENTRYPOINT kept the inherited CMD %q", c.Cmd)
	}
	if got := strings.Join(c.Entrypoint, "|"); got != "/bin/ash|-c|serve" {
		t.Errorf("Entrypoint %q, want the SHELL-prefixed form", got)
	}
	if c.WorkingDir != "/a/b" {
		t.Errorf("WorkingDir %q", c.WorkingDir)
	}
	if _, ok := c.Volumes["/a/b/data"]; !ok {
		t.Errorf("Volumes %v: relative VOLUME not resolved against WORKDIR", c.Volumes)
	}
	if len(c.ExposedPorts) != 2 || c.Labels["k"] != "v" || strings.Join(c.Env, ",") != "X=2" ||
		c.StopSignal != "SIGINT" || len(c.OnBuild) != 1 {
		t.Errorf("config %+v", c)
	}
	if len(st.cfg.History) != len(steps) {
		t.Errorf("%d history entries for %d instructions", len(st.cfg.History), len(steps))
	}
	// CMD after ENTRYPOINT in the same stage stays.
	if err := (&cmdInstr{&instructions.CmdCommand{ShellDependantCmdLine: instructions.ShellDependantCmdLine{CmdLine: []string{"a"}}}}).apply(t.Context(), st, nil); err != nil {
		t.Fatal(err)
	}
	if err := (&entrypointInstr{&instructions.EntrypointCommand{ShellDependantCmdLine: shellForm("again")}}).apply(t.Context(), st, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.cfg.Config.Cmd, "") != "a" {
		t.Errorf("ENTRYPOINT dropped a CMD set in this stage")
	}
}

// workdirNoFS sets WORKDIR on the config only: the real instruction needs a
// rootfs to create the directory in.
type workdirNoFS struct{ p string }

func (w *workdirNoFS) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.WorkingDir = resolvePath(st.cfg.Config.WorkingDir, w.p)
	st.history("WORKDIR", true)
	return nil
}

func TestUnusedBuildArgs(t *testing.T) {
	f, err := dockerfile.Parse("Dockerfile", []byte("ARG GLOBAL\nFROM x AS a\nARG INA\nFROM y AS b\nARG INB\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.Plan("a", nil)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]string{"GLOBAL": "", "INA": "", "INB": "", "HTTP_PROXY": "", "TYPO": ""}
	// INB belongs to a stage the target does not build.
	if got := strings.Join(unusedBuildArgs(plan, args), ","); got != "INB,TYPO" {
		t.Errorf("unused = %s, want INB,TYPO", got)
	}
}
