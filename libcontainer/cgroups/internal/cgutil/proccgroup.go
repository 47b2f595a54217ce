package cgutil

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// OwnCgroups returns the calling process's cgroup per subsystem.
func OwnCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("own cgroup: %w", err)
	}
	defer f.Close()
	return ParseProcCgroup(f)
}

// ParseProcCgroup parses /proc/<pid>/cgroup ("4:cpu,cpuacct:/a/b") into a
// map from subsystem ("cpu", "cpuacct", "name=systemd") to cgroup path; the
// cgroup2 entry ("0::/x") has the key "".
func ParseProcCgroup(r io.Reader) (map[string]string, error) {
	m := make(map[string]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("/proc/self/cgroup: malformed line %q", line)
		}
		if parts[1] == "" {
			m[""] = parts[2]
			continue
		}
		for _, sub := range strings.Split(parts[1], ",") {
			m[sub] = parts[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("/proc/self/cgroup: %w", err)
	}
	return m, nil
}
