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
	data, err := ReadConfig(bundle)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(bundle, ConfigFile)
	s, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := Validate(s, bundle); err != nil {
		return nil, prefixAll(path, err)
	}
	return s, nil
}

// MaxConfigSize bounds config.json. Real configs are kilobytes: the default
// spec (`hull spec`, as runc's) is 2.5 kB, a default seccomp profile as
// Docker or containerd write it, the largest common section, is tens of kB,
// and Kubernetes caps a pod's annotations at 256 KiB in all; 16 MiB is 64
// times the largest of them.
//
// What a config costs is several times its size, and not only once: create
// decodes it, copies it to init and into state.json (annotations, hooks),
// and every later command (state, list, kill, delete...) decodes
// state.json again. Measured with an annotation padding the file: a 63 MiB
// config made create peak at 415 MiB, init at 197 MiB and each `hull
// state` at 388 MiB; one just under 16 MiB 70, 54 and 107 MiB. The old
// 64 MiB limit let one bundle cost that much memory on every command;
// 16 MiB bounds it to about 100 MiB.
const MaxConfigSize = 16 << 20

// ReadConfig reads <bundle>/config.json, the one way hull reads it (create,
// run, and run's look at process.terminal all come here). A regular file
// over MaxConfigSize is refused after an fstat, without reading a byte of
// it; anything else (a fifo, a device, a file that grows meanwhile) is read
// through a limit and refused as soon as it goes past MaxConfigSize, into a
// buffer that never grows past MaxConfigSize bytes.
func ReadConfig(bundle string) ([]byte, error) {
	return readConfig(filepath.Join(bundle, ConfigFile))
}

func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathCause(err))
	}
	defer f.Close()
	// A regular file's size is known: refuse it unread, or read it into a
	// buffer of its size (+1: room to see EOF without growing it). The
	// size is a hint only: if the file grows after the stat, the limit
	// still holds.
	size := 4096
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > MaxConfigSize {
			return nil, errTooBig(path, fi.Size())
		}
		size = int(fi.Size()) + 1
	}
	data, over, err := readLimited(f, size, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathCause(err))
	}
	if over {
		return nil, errTooBig(path, -1)
	}
	return data, nil
}

// readLimited reads r to EOF into a buffer of initial capacity size (a hint)
// that doubles as needed but never past limit bytes; over is true, and
// nothing is returned, when r holds more than limit bytes. Unlike io.ReadAll
// it never allocates more than the limit for one buffer, so an endless
// source (a fifo, /dev/zero) costs at most about 1.5 times the limit live,
// and a regular file read with its size as the hint is never copied.
func readLimited(r io.Reader, size, limit int) (data []byte, over bool, err error) {
	buf := make([]byte, 0, min(max(size, 1), limit))
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				// Full at the limit: one more byte means over.
				var probe [1]byte
				n, err := io.ReadFull(r, probe[:])
				switch {
				case n > 0:
					return nil, true, nil
				case err == io.EOF:
					return buf, false, nil
				default:
					return nil, false, err
				}
			}
			grown := make([]byte, len(buf), min(2*cap(buf), limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
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
