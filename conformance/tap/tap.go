// Package tap reads the TAP (Test Anything Protocol) stream that each
// runtime-tools validation program prints and counts its test points.
package tap

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Result is what one TAP stream reported.
type Result struct {
	Passed  int
	Failed  int
	Skipped int
	// Plan is the N of a "1..N" line, or -1 when the stream had no plan.
	Plan int
	// TopLevelYAML is true when a YAML block appears before any test point:
	// the suite's hook programs report their failure that way, with "1..0".
	TopLevelYAML bool
	// Failures holds the description of every "not ok" line, for reports.
	Failures []string
}

// Points is the number of test points seen.
func (r Result) Points() int { return r.Passed + r.Failed + r.Skipped }

// Parse counts the test points of a TAP stream. Only lines starting in
// column 0 count: the suite nests the TAP of runtimetest (run inside the
// container) in indented YAML blocks, and those must not be counted twice.
func Parse(rd io.Reader) (Result, error) {
	res := Result{Plan: -1}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		parseLine(&res, sc.Text())
	}
	return res, sc.Err()
}

func parseLine(res *Result, line string) {
	switch {
	case strings.HasPrefix(line, "not ok"):
		desc := description(strings.TrimPrefix(line, "not ok"))
		if isDirective(desc, "TODO") || isDirective(desc, "SKIP") {
			// A TODO failure is expected by TAP's rules, not a failure.
			res.Skipped++
			return
		}
		res.Failed++
		res.Failures = append(res.Failures, desc)
	case strings.HasPrefix(line, "ok"):
		desc := description(strings.TrimPrefix(line, "ok"))
		if isDirective(desc, "SKIP") {
			res.Skipped++
			return
		}
		res.Passed++
	case strings.HasPrefix(line, "1.."):
		if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "1.."))); err == nil {
			res.Plan = n
		}
	case strings.HasPrefix(line, "  ---"):
		if res.Points() == 0 {
			res.TopLevelYAML = true
		}
	}
}

// description strips the test number and the " - " separator from the rest
// of a test line: " 12 - has expected hostname" gives "has expected hostname".
func description(rest string) string {
	rest = strings.TrimLeft(rest, " ")
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	rest = strings.TrimLeft(rest[i:], " ")
	return strings.TrimPrefix(rest, "- ")
}

// isDirective reports whether a test description carries "# SKIP" or
// "# TODO" (case-insensitive, as TAP allows).
func isDirective(desc, directive string) bool {
	i := strings.Index(desc, "#")
	if i < 0 {
		return false
	}
	d := strings.TrimSpace(desc[i+1:])
	return len(d) >= len(directive) && strings.EqualFold(d[:len(directive)], directive)
}
