package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/hull-project/hull/conformance"
	"github.com/hull-project/hull/conformance/suite"
)

func outcome(name string, c suite.Counts) suite.Outcome {
	return suite.Outcome{Program: name, Counts: c}
}

func TestRegressions(t *testing.T) {
	hull := Run{Runtime: "hull", Outcomes: []suite.Outcome{
		outcome("a", suite.Counts{Passed: 1}),
		outcome("b", suite.Counts{Failed: 1}),
		outcome("c", suite.Counts{Failed: 2}),
		outcome("d", suite.Counts{Failed: 1}),
	}}
	runc := Run{Runtime: "runc", Outcomes: []suite.Outcome{
		outcome("a", suite.Counts{Passed: 1}),
		outcome("b", suite.Counts{Passed: 1}),
		outcome("c", suite.Counts{Failed: 1}),
		// d not run on runc: not a regression
	}}
	if got := Regressions(hull, runc); !slices.Equal(got, []string{"b"}) {
		t.Errorf("Regressions = %v, want [b]", got)
	}
}

func TestBlockingAndTotals(t *testing.T) {
	exp := conformance.Expectations{
		Known:        map[string]conformance.Note{"k": {Program: "k", Kind: "host", Reason: "no AppArmor"}},
		ExpectedPass: map[string]bool{"a": true, "b": true, "k": true},
	}
	run := Run{Runtime: "hull", Outcomes: []suite.Outcome{
		outcome("a", suite.Counts{Passed: 3, Skipped: 1}),
		outcome("b", suite.Counts{Passed: 1, Failed: 1}),
		outcome("k", suite.Counts{Failed: 1}), // known: never blocks
		outcome("x", suite.Counts{Failed: 1}), // not expected to pass yet
	}}
	if got := Blocking(run, exp); !slices.Equal(got, []string{"b"}) {
		t.Errorf("Blocking = %v, want [b]", got)
	}
	if got := run.Totals().String(); got != "4 passed, 3 failed, 1 skipped" {
		t.Errorf("Totals = %q", got)
	}
	var buf bytes.Buffer
	Table(&buf, run, exp)
	for _, want := range []string{"known (host/suite)", "host: no AppArmor", "FAIL"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}
