package spec

import "fmt"

// FieldError is one problem in a spec, named by its JSON path
// (e.g. "linux.namespaces[2].path") so the user can find it in config.json.
type FieldError struct {
	Field string
	Msg   string
	// Err is the underlying cause when there is one (e.g. fs.ErrNotExist
	// from a namespace path), so callers can test it with errors.Is.
	Err error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns the cause, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// problems collects FieldErrors while a spec is walked, so Validate can
// report every problem at once instead of making the user fix them one by one.
type problems []error

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) addErr(field string, err error, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: err})
}
