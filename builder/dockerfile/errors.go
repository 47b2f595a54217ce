package dockerfile

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Error is a problem found at one place in a Dockerfile.
type Error struct {
	Path        string // the Dockerfile's path as the user gave it
	Line        int    // 1-based; 0 when the error is not tied to a line
	Instruction string // e.g. "RUN"; empty when unknown
	Err         error
}

func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	if e.Instruction != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Instruction, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// lineOf digs the first source line out of a buildkit error, or returns 0.
func lineOf(err error) int {
	var le *parser.LocationError
	if errors.As(err, &le) {
		for _, rs := range le.Locations {
			for _, r := range rs {
				if r.Start.Line > 0 {
					return r.Start.Line
				}
			}
		}
	}
	return 0
}

// innermost strips buildkit's location and "parse error on line" wrappers so
// our own prefix is not repeated.
func innermost(err error) error {
	for {
		var le *parser.LocationError
		if errors.As(err, &le) && le.Unwrap() != nil {
			err = le.Unwrap()
			continue
		}
		return err
	}
}
