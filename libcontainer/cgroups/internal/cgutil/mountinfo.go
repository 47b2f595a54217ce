package cgutil

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Mount is one cgroup or cgroup2 mount from /proc/self/mountinfo.
type Mount struct {
	Point string
	Root  string // the cgroup shown at Point ("/" unless namespaced or bind-mounted)
	V2    bool
	// Subsystems are the v1 controllers (and "name=X" named hierarchies)
	// mounted here; empty for cgroup2.
	Subsystems []string
}

// Mounts reads the cgroup mounts of the calling process.
func Mounts() ([]Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cgroup mounts: %w", err)
	}
	defer f.Close()
	return ParseMounts(f)
}

// ParseMounts parses mountinfo text (proc(5)) and keeps cgroup mounts only.
func ParseMounts(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 {
			return nil, fmt.Errorf("mountinfo: malformed line %q", line)
		}
		switch qf[0] {
		case "cgroup2":
			out = append(out, Mount{Point: unescape(pf[4]), Root: unescape(pf[3]), V2: true})
		case "cgroup":
			out = append(out, Mount{Point: unescape(pf[4]), Root: unescape(pf[3]), Subsystems: v1Subsystems(qf[2])})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

// v1Subsystems picks the controller names out of the super options
// ("rw,cpu,cpuacct" or "rw,xattr,name=systemd").
func v1Subsystems(opts string) []string {
	var subs []string
	for _, o := range strings.Split(opts, ",") {
		switch {
		case strings.HasPrefix(o, "name="):
			subs = append(subs, o)
		case o == "rw" || o == "ro" || strings.Contains(o, "=") || o == "xattr" ||
			o == "noprefix" || o == "clone_children" || o == "cpuset_v2_mode" || o == "favordynmods":
		default:
			subs = append(subs, o)
		}
	}
	return subs
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			var v byte
			ok := true
			for _, c := range []byte(s[i+1 : i+4]) {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + (c - '0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
