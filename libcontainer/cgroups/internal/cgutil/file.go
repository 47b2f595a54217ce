// Package cgutil holds the small helpers that the v1 (fs) and v2 (fs2)
// managers share: reading and writing cgroup files, parsing mountinfo and
// /proc/<pid>/cgroup, moving pids and removing cgroup directories.
package cgutil

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// WriteFile writes value to the cgroup file dir/name. The file must already
// exist: on cgroupfs a missing file means the kernel lacks the feature, and
// creating a plain file there would hide that.
func WriteFile(dir, name, value string) error {
	p := filepath.Join(dir, name)
	fd, err := openFd(p, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", value, p, err)
	}
	// cgroupfs reports a rejected value from write(2), not from close(2).
	err = writeFd(fd, []byte(value))
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", value, p, err)
	}
	return nil
}

// ReadFile returns the content of dir/name without the trailing newline.
func ReadFile(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	fd, err := openFd(p, unix.O_RDONLY)
	if err != nil {
		return "", fmt.Errorf("read cgroup file: %w", err)
	}
	b, err := readFd(fd)
	unix.Close(fd)
	if err != nil {
		return "", fmt.Errorf("read cgroup file %s: %w", p, err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// Exists reports whether dir/name exists, which is how a controller's
// optional features (swap accounting, rt scheduling, bfq) are detected.
func Exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// ReadUint reads a single unsigned value; "max" reads as math.MaxUint64.
func ReadUint(dir, name string) (uint64, error) {
	s, err := ReadFile(dir, name)
	if err != nil {
		return 0, err
	}
	v, err := ParseUint(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
	}
	return v, nil
}

// ParseUint parses a cgroup number. "max" means unlimited, and negative
// values (v1 reports -1 for some unlimited settings) clamp to 0.
func ParseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err == nil {
		return v, nil
	}
	if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
		return 0, nil
	}
	// Values past uint64 (rare but seen in v1 limits) saturate.
	var ne *strconv.NumError
	if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
		return math.MaxUint64, nil
	}
	return 0, fmt.Errorf("parse cgroup value %q: %w", s, err)
}

// ReadKeyValues parses files of "key value" lines (memory.stat, cpu.stat).
func ReadKeyValues(dir, name string) (map[string]uint64, error) {
	s, err := ReadFile(dir, name)
	if err != nil {
		return nil, err
	}
	m := make(map[string]uint64)
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, err := ParseUint(v)
		if err != nil {
			return nil, fmt.Errorf("%s: line %q: %w", filepath.Join(dir, name), line, err)
		}
		m[k] = n
	}
	return m, nil
}
