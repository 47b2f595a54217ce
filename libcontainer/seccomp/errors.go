package seccomp

import (
	"errors"
	"fmt"
)

// FieldError is one problem in a profile, named by its path in config.json
// (e.g. "linux.seccomp.syscalls[3].action") so the user can find it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// problems collects every FieldError of a profile, so the user sees them all
// at once instead of fixing them one run at a time.
type problems []*FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil, the single *FieldError, or all of them joined.
func (p problems) err() error {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errors.Join(errs...)
}
