package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ConfigFile is the name of the spec inside a bundle.
const ConfigFile = "config.json"

// Load reads <bundle>/config.json and validates it. Every error names the
// file and, for a bad value, the JSON field, so the user can fix the bundle
// without guessing.
func Load(bundle string) (*specs.Spec, error) {
	if err := checkBundle(bundle); err != nil {
		return nil, err
	}
	path := filepath.Join(bundle, ConfigFile)
	data, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	s, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := Validate(s, bundle); err != nil {
		return nil, prefixAll(path, err)
	}
	return s, nil
}

// MaxConfigSize bounds config.json. Real configs are kilobytes; a huge one
// would be read whole, decoded and copied into state.json (100 MB cost
// about 600 MB of memory), so it is refused before it is read.
const MaxConfigSize = 64 << 20

// readConfig reads config.json, refusing one over MaxConfigSize without
// reading more than that (the size is checked while reading, not trusted
// from a stat: the file may be a pipe or grow meanwhile).
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathCause(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxConfigSize {
		return nil, errTooBig(path, fi.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathCause(err))
	}
	if len(data) > MaxConfigSize {
		return nil, errTooBig(path, -1)
	}
	return data, nil
}

func errTooBig(path string, size int64) error {
	if size < 0 {
		return fmt.Errorf("%s: larger than the %d MiB limit: refused", path, MaxConfigSize>>20)
	}
	return fmt.Errorf("%s: %d bytes is larger than the %d MiB limit: refused", path, size, MaxConfigSize>>20)
}

func checkBundle(bundle string) error {
	fi, err := os.Stat(bundle)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fs.PathError{Op: "bundle", Path: bundle, Err: errNoSuchDir{}}
	case err != nil:
		return fmt.Errorf("bundle %s: %w", bundle, pathCause(err))
	case !fi.IsDir():
		return fmt.Errorf("bundle %s: not a directory", bundle)
	}
	return nil
}

// errNoSuchDir reads better than ENOENT for a bundle and still matches
// fs.ErrNotExist.
type errNoSuchDir struct{}

func (errNoSuchDir) Error() string { return "no such directory" }

func (errNoSuchDir) Is(target error) bool { return target == fs.ErrNotExist }

// pathCause drops the "open /x/config.json" prefix of a *fs.PathError
// because the caller already names the file.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// prefixAll puts the file name in front of every joined problem, so each
// line of a multi-problem error still says where it comes from.
func prefixAll(path string, err error) error {
	multi, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s: %w", path, err)
	}
	var out []error
	for _, e := range multi.Unwrap() {
		out = append(out, fmt.Errorf("%s: %w", path, e))
	}
	return errors.Join(out...)
}

// RootfsPath returns the absolute path of root.path: a relative path is
// resolved against the bundle directory, as the runtime spec requires.
func RootfsPath(s *specs.Spec, bundle string) string {
	if s == nil || s.Root == nil {
		return ""
	}
	p := s.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}
