package tap

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   Result
		points int
	}{
		{
			name: "mixed",
			in:   "TAP version 13\nok 1 - a\nnot ok 2 - b\nok 3 # SKIP no cgroup\nok 4 # skip lower case\n1..4\n",
			want: Result{Passed: 1, Failed: 1, Skipped: 2, Plan: 4, Failures: []string{"b"}},
		},
		{
			name: "nested TAP in YAML is not counted",
			in:   "TAP version 13\nok 1 - outer\n  ---\n  stdout: |\n    ok 1 - inner\n    not ok 2 - inner\n  ...\n1..1\n",
			want: Result{Passed: 1, Plan: 1},
		},
		{
			name: "hook program failure: YAML before any point",
			in:   "TAP version 13\n  ---\n  {\n    \"error\": \"Hooks MUST be called\"\n  }\n  ...\n1..0\n",
			want: Result{Plan: 0, TopLevelYAML: true},
		},
		{
			name: "todo failure counts as skipped",
			in:   "not ok 1 # TODO later\n",
			want: Result{Skipped: 1, Plan: -1},
		},
		{
			name: "empty output",
			in:   "",
			want: Result{Plan: -1},
		},
		{
			name: "hash inside description is not a directive",
			in:   "ok 1 - checks c 10:229 # of devices\nnot ok 2 - has #hash\n",
			want: Result{Passed: 1, Failed: 1, Plan: -1, Failures: []string{"has #hash"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got.Passed != tt.want.Passed || got.Failed != tt.want.Failed || got.Skipped != tt.want.Skipped ||
				got.Plan != tt.want.Plan || got.TopLevelYAML != tt.want.TopLevelYAML ||
				strings.Join(got.Failures, "|") != strings.Join(tt.want.Failures, "|") {
				t.Errorf("Parse() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
