// Package helperbin finds the small helper programs hull runs beside
// itself (hull-nsenter, hull-seccomp): one lookup, so every helper is
// found, overridden and reported the same way.
package helperbin

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Find returns the path of the helper called name: the file $env names
// when env is set, else name beside the running binary, else name on
// $PATH. need says what the helper is for, for the error when it is
// missing.
func Find(name, env, need string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s: %w", env, err)
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("%s needs %s: install it beside hull (make install does)", need, name)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}
