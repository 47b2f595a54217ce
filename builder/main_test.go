package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseOutput(t *testing.T) {
	tests := []struct {
		in, kind, dest, err string
	}{
		{in: "", kind: ""},
		{in: "type=oci,dest=/tmp/x", kind: "oci", dest: "/tmp/x"},
		{in: "dest=f.tar,type=docker-archive", kind: "docker-archive", dest: "f.tar"},
		{in: "type=oci-archive,dest=a", kind: "oci-archive", dest: "a"},
		{in: "type=tar,dest=a", err: `type="tar"`},
		{in: "type=oci", err: "dest= is required"},
		{in: "type=oci,dest=a,compression=zstd", err: `unknown key "compression"`},
	}
	for _, tt := range tests {
		got, err := parseOutput(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseOutput(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseOutput(%q): %v", tt.in, err)
			continue
		}
		if tt.kind == "" {
			if got != nil {
				t.Errorf("parseOutput(%q) = %+v, want nil", tt.in, got)
			}
			continue
		}
		if got.kind != tt.kind || got.dest != tt.dest {
			t.Errorf("parseOutput(%q) = %+v", tt.in, got)
		}
	}
}

func TestParseBuildArgs(t *testing.T) {
	t.Setenv("FROM_ENV", "env-value")
	got, err := parseBuildArgs([]string{"A=1", "B=x=y", "FROM_ENV", "UNSET_HULL_ARG", "EMPTY="})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "x=y", "FROM_ENV": "env-value", "EMPTY": ""}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := parseBuildArgs([]string{"=v"}); err == nil {
		t.Error("accepted a build arg without a name")
	}
}

func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "100")
	got, err := sourceDateEpoch(nil)
	if err != nil || got == nil || !got.Equal(time.Unix(100, 0)) {
		t.Errorf("from env: %v, %v", got, err)
	}
	got, err = sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": "5"})
	if err != nil || got == nil || !got.Equal(time.Unix(5, 0)) {
		t.Errorf("build arg must win over env: %v, %v", got, err)
	}
	if _, err := sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}); err == nil {
		t.Error("accepted a non-numeric SOURCE_DATE_EPOCH")
	}
}

func TestRunUsage(t *testing.T) {
	err := run(t.Context(), []string{"frobnicate"})
	if _, ok := err.(usageError); !ok {
		t.Errorf("unknown command: %v, want a usage error", err)
	}
	err = run(t.Context(), []string{"tag", "--root", t.TempDir(), "only-one"})
	if _, ok := err.(usageError); !ok {
		t.Errorf("wrong arg count: %v, want a usage error", err)
	}
}
