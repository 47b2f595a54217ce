package suite

import (
	"testing"

	"github.com/hull-project/hull/conformance/tap"
)

func TestJudge(t *testing.T) {
	tests := []struct {
		name     string
		res      tap.Result
		exitCode int
		timedOut bool
		want     Counts
		wantWhy  bool
	}{
		{"all pass", tap.Result{Passed: 3, Skipped: 1, Plan: 4}, 0, false, Counts{3, 0, 1}, false},
		{"failures only in TAP", tap.Result{Passed: 2, Failed: 1, Plan: 3}, 0, false, Counts{2, 1, 0}, false},
		{"crash adds a failure", tap.Result{Passed: 2, Plan: -1}, 1, false, Counts{2, 1, 0}, true},
		{"timeout adds a failure", tap.Result{Plan: -1}, -1, true, Counts{0, 1, 0}, true},
		{"silent success is a pass", tap.Result{Plan: -1}, 0, false, Counts{1, 0, 0}, false},
		{"error before any point", tap.Result{Plan: 0, TopLevelYAML: true}, 0, false, Counts{0, 1, 0}, true},
		{"short of plan", tap.Result{Passed: 1, Plan: 3}, 0, false, Counts{1, 1, 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := judge(tt.res, tt.exitCode, tt.timedOut)
			if got != tt.want || (why != "") != tt.wantWhy {
				t.Errorf("judge() = %+v, %q; want %+v, error %v", got, why, tt.want, tt.wantWhy)
			}
		})
	}
}
