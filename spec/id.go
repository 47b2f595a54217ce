package spec

import (
	"errors"
	"fmt"
)

// maxIDLength bounds container ids: runc's limit, and it keeps state paths
// well below PATH_MAX.
const maxIDLength = 1024

// ValidateID applies runc's rule for container ids: ^[\w+\-\.]+$, not "." or
// "..", at most 1024 bytes. The id becomes a directory name under --root, so
// anything that could name another path is refused.
func ValidateID(id string) error {
	switch {
	case id == "":
		return errors.New("container id: must not be empty")
	case id == "." || id == "..":
		return fmt.Errorf("container id %q: not allowed", id)
	case len(id) > maxIDLength:
		return fmt.Errorf("container id: %d bytes long, the limit is %d", len(id), maxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return fmt.Errorf("container id %q: invalid character %q at %d (allowed: letters, digits, _ + - .)", id, id[i], i)
		}
	}
	return nil
}

func idByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '_' || c == '+' || c == '-' || c == '.'
}
