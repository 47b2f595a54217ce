// Package conformance holds what hull expects of the OCI runtime-tools
// validation suite on this host: programs that fail for every runtime
// (known-failures.txt), programs that need features hull adds later
// (later.txt) and programs hull must pass (expected-pass.txt). The runner in
// cmd/validate reads them; the lists are embedded so the runner works from
// any directory, and can be overridden by flags.
package conformance

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
)

var (
	//go:embed known-failures.txt
	knownFailuresTxt string
	//go:embed later.txt
	laterTxt string
	//go:embed expected-pass.txt
	expectedPassTxt string
)

// Note is one line of a notes file: a program, a kind and why.
type Note struct {
	Program string
	Kind    string
	Reason  string
}

// Kinds allowed in each notes file.
var (
	KnownKinds = []string{"host", "suite"}
	LaterKinds = []string{"cgroups", "seccomp", "exec"}
)

// Expectations is everything the runner knows before running the suite.
type Expectations struct {
	Known        map[string]Note // fail for every runtime here (host or suite)
	Later        map[string]Note // need a hull feature not written yet
	ExpectedPass map[string]bool // must pass on hull: a failure fails the run
}

// Default parses the embedded lists.
func Default() (Expectations, error) {
	known, err := ParseNotes(strings.NewReader(knownFailuresTxt), "known-failures.txt", KnownKinds)
	if err != nil {
		return Expectations{}, err
	}
	later, err := ParseNotes(strings.NewReader(laterTxt), "later.txt", LaterKinds)
	if err != nil {
		return Expectations{}, err
	}
	pass, err := ParseList(strings.NewReader(expectedPassTxt), "expected-pass.txt")
	if err != nil {
		return Expectations{}, err
	}
	return Expectations{Known: known, Later: later, ExpectedPass: pass}, nil
}

// ParseNotes reads lines of "program kind reason...", ignoring blank lines
// and # comments. name is used in errors.
func ParseNotes(r io.Reader, name string, kinds []string) (map[string]Note, error) {
	notes := map[string]Note{}
	err := eachLine(r, name, func(line string, lineNo int) error {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return fmt.Errorf("%s:%d: want \"program kind reason\", got %q", name, lineNo, line)
		}
		if !slices.Contains(kinds, fields[1]) {
			return fmt.Errorf("%s:%d: kind %q is not one of %v", name, lineNo, fields[1], kinds)
		}
		if _, dup := notes[fields[0]]; dup {
			return fmt.Errorf("%s:%d: program %s listed twice", name, lineNo, fields[0])
		}
		reason := strings.TrimSpace(strings.SplitN(line, fields[1], 2)[1])
		notes[fields[0]] = Note{Program: fields[0], Kind: fields[1], Reason: reason}
		return nil
	})
	return notes, err
}

// ParseList reads one program name per line, ignoring blank lines and #
// comments.
func ParseList(r io.Reader, name string) (map[string]bool, error) {
	list := map[string]bool{}
	err := eachLine(r, name, func(line string, lineNo int) error {
		if strings.ContainsAny(line, " \t") {
			return fmt.Errorf("%s:%d: want one program name, got %q", name, lineNo, line)
		}
		list[line] = true
		return nil
	})
	return list, err
}

func eachLine(r io.Reader, name string, fn func(line string, lineNo int) error) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// Status is how the runner judges one program's outcome.
type Status string

const (
	StatusPass        Status = "pass"
	StatusFail        Status = "FAIL" // expected to pass on hull and failed
	StatusFailed      Status = "fail" // failed, not on the expected-pass list
	StatusKnown       Status = "known (host/suite)"
	StatusKnownPassed Status = "pass (known failure passed)"
)

// Classify judges a program's outcome. A failure is blocking (StatusFail)
// only when the program is on the expected-pass list.
func (e Expectations) Classify(program string, failed bool) Status {
	_, known := e.Known[program]
	switch {
	case !failed && known:
		return StatusKnownPassed
	case !failed:
		return StatusPass
	case known:
		return StatusKnown
	case e.ExpectedPass[program]:
		return StatusFail
	default:
		return StatusFailed
	}
}

// Label is the status plus the later-issue tag, e.g. "fail (later: cgroups)".
func (e Expectations) Label(program string, failed bool) string {
	s := string(e.Classify(program, failed))
	if n, ok := e.Later[program]; ok && failed && s != string(StatusKnown) {
		s += " (later: " + n.Kind + ")"
	}
	return s
}
