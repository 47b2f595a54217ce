package libcontainer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hull-project/hull/libcontainer/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSubCgroupPaths(t *testing.T) {
	base := t.TempDir()
	paths := map[string]string{"memory": filepath.Join(base, "memory"), "pids": filepath.Join(base, "pids")}
	for _, d := range []string{"memory/sub", "pids/sub", "pids/other"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args    []string
		want    map[string]string
		wantErr string
	}{
		{nil, paths, ""},
		{[]string{"sub"}, map[string]string{"memory": paths["memory"] + "/sub", "pids": paths["pids"] + "/sub"}, ""},
		{[]string{"pids:other"}, map[string]string{"memory": paths["memory"], "pids": paths["pids"] + "/other"}, ""},
		{[]string{"memory,pids:sub"}, map[string]string{"memory": paths["memory"] + "/sub", "pids": paths["pids"] + "/sub"}, ""},
		{[]string{"other"}, nil, "not an existing cgroup"},
		{[]string{"cpu:sub"}, nil, `no "cpu" cgroup controller`},
		{[]string{"../x"}, nil, "relative path inside"},
		{[]string{"/abs"}, nil, "relative path inside"},
		{[]string{"a/../../x"}, nil, "relative path inside"},
	}
	for _, tt := range tests {
		got, err := subCgroupPaths(paths, tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("subCgroupPaths(%q) error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("subCgroupPaths(%q) = %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
}

// An exec'd process takes what it leaves unset from the container's own.
func TestExecProcessDefaults(t *testing.T) {
	base := &specs.Process{
		Capabilities:    &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}},
		ApparmorProfile: "prof",
		SelinuxLabel:    "label",
		Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 10}},
	}
	c := &Container{st: &state.State{Process: base}}
	got := c.execProcess(&specs.Process{Args: []string{"sh"}})
	if !reflect.DeepEqual(got.Capabilities, base.Capabilities) || got.ApparmorProfile != "prof" ||
		got.SelinuxLabel != "label" || !reflect.DeepEqual(got.Rlimits, base.Rlimits) {
		t.Errorf("defaults not taken: %+v", got)
	}
	own := &specs.Process{Args: []string{"sh"}, Capabilities: &specs.LinuxCapabilities{}, ApparmorProfile: "mine"}
	got = c.execProcess(own)
	if len(got.Capabilities.Bounding) != 0 || got.ApparmorProfile != "mine" {
		t.Errorf("the process's own settings were replaced: %+v", got)
	}
	// The copy from Process() is deep: changing it leaves the state alone.
	p := c.Process()
	p.Capabilities.Bounding[0] = "CAP_CHANGED"
	if base.Capabilities.Bounding[0] != "CAP_KILL" {
		t.Error("Process() shares slices with the saved state")
	}
}
