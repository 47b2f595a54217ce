package conformance

import (
	"strings"
	"testing"
)

func TestParseNotes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]Note
		wantErr string
	}{
		{
			name: "comments, blanks and aligned columns",
			in:   "# header\n\nhooks   suite  expects \"post-start1\"  here\nlinux_x host no AppArmor\n",
			want: map[string]Note{
				"hooks":   {Program: "hooks", Kind: "suite", Reason: `expects "post-start1"  here`},
				"linux_x": {Program: "linux_x", Kind: "host", Reason: "no AppArmor"},
			},
		},
		{name: "missing reason", in: "hooks suite\n", wantErr: "known.txt:1: want"},
		{name: "bad kind", in: "# c\nhooks later why\n", wantErr: `known.txt:2: kind "later"`},
		{name: "duplicate", in: "a host x\na suite y\n", wantErr: "known.txt:2: program a listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNotes(strings.NewReader(tt.in), "known.txt", KnownKinds)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("note %s = %+v, want %+v", k, got[k], v)
				}
			}
		})
	}
}

func TestParseList(t *testing.T) {
	got, err := ParseList(strings.NewReader("# c\ncreate\n\n  state  \n"), "pass.txt")
	if err != nil || len(got) != 2 || !got["create"] || !got["state"] {
		t.Fatalf("ParseList = %v, %v", got, err)
	}
	if _, err := ParseList(strings.NewReader("create state\n"), "pass.txt"); err == nil || !strings.Contains(err.Error(), "pass.txt:1") {
		t.Fatalf("two names on a line: err = %v", err)
	}
}

// TestDefault checks the embedded lists parse and stay consistent: a
// program known to fail for every runtime cannot be expected to pass.
func TestDefault(t *testing.T) {
	exp, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Known) == 0 || len(exp.Later) == 0 {
		t.Fatalf("embedded lists are empty: %d known, %d later", len(exp.Known), len(exp.Later))
	}
	for p := range exp.ExpectedPass {
		if _, ok := exp.Known[p]; ok {
			t.Errorf("%s is both expected to pass and a known failure", p)
		}
	}
}

func TestClassifyAndLabel(t *testing.T) {
	exp := Expectations{
		Known:        map[string]Note{"k": {Kind: "host"}},
		Later:        map[string]Note{"c": {Kind: "cgroups"}, "k": {Kind: "cgroups"}},
		ExpectedPass: map[string]bool{"e": true},
	}
	tests := []struct {
		program string
		failed  bool
		want    string
	}{
		{"e", false, "pass"},
		{"e", true, "FAIL"},
		{"x", true, "fail"},
		{"k", true, "known (host/suite)"},
		{"k", false, "pass (known failure passed)"},
		{"c", true, "fail (later: cgroups)"},
		{"c", false, "pass"},
	}
	for _, tt := range tests {
		if got := exp.Label(tt.program, tt.failed); got != tt.want {
			t.Errorf("Label(%s, %v) = %q, want %q", tt.program, tt.failed, got, tt.want)
		}
	}
}
