// Package devices turns the spec's linux.resources.devices list into device
// cgroup rules: the v1 devices.allow/devices.deny lines here, the v2 eBPF
// program elsewhere. It holds runc's default allow list too.
package devices

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Wildcard stands for any major or minor number.
const Wildcard int64 = -1

// Rule is one validated device cgroup entry.
type Rule struct {
	Type   byte // 'a' (all), 'c' or 'b'
	Major  int64
	Minor  int64
	Access string // subset of "rwm"
	Allow  bool
}

func i64(v int64) *int64 { return &v }

// DefaultAllowed is runc's list of devices every container may use, appended
// after the spec's own rules (runc libcontainer/specconv AllowedDevices).
var DefaultAllowed = []specs.LinuxDeviceCgroup{
	{Allow: true, Type: "c", Access: "m"},                                    // mknod of any char device
	{Allow: true, Type: "b", Access: "m"},                                    // mknod of any block device
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},    // /dev/null
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(8), Access: "rwm"},    // /dev/random
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(7), Access: "rwm"},    // /dev/full
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"},    // /dev/tty
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(5), Access: "rwm"},    // /dev/zero
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(9), Access: "rwm"},    // /dev/urandom
	{Allow: true, Type: "c", Major: i64(136), Access: "rwm"},                 // /dev/pts/*
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(2), Access: "rwm"},    // /dev/ptmx
	{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"}, // /dev/net/tun
}

// FromSpec validates the spec's rules; errors name the offending entry as
// linux.resources.devices[i].
func FromSpec(in []specs.LinuxDeviceCgroup) ([]Rule, error) {
	out := make([]Rule, 0, len(in))
	for i, d := range in {
		r, err := fromSpec(d)
		if err != nil {
			return nil, fmt.Errorf("linux.resources.devices[%d]: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func fromSpec(d specs.LinuxDeviceCgroup) (Rule, error) {
	r := Rule{Type: 'a', Major: Wildcard, Minor: Wildcard, Access: "rwm", Allow: d.Allow}
	switch d.Type {
	case "", "a":
	case "c", "b":
		r.Type = d.Type[0]
	default:
		return r, fmt.Errorf("type %q: want a, b or c", d.Type)
	}
	if d.Major != nil {
		if *d.Major < 0 && *d.Major != Wildcard {
			return r, fmt.Errorf("major %d is negative", *d.Major)
		}
		r.Major = *d.Major
	}
	if d.Minor != nil {
		if *d.Minor < 0 && *d.Minor != Wildcard {
			return r, fmt.Errorf("minor %d is negative", *d.Minor)
		}
		r.Minor = *d.Minor
	}
	if d.Access != "" {
		if strings.Trim(d.Access, "rwm") != "" {
			return r, fmt.Errorf("access %q: want letters from rwm", d.Access)
		}
		r.Access = d.Access
	}
	return r, nil
}

// Policy is what a container gets: the spec's rules in order, then the
// default allow list, read against a default of deny.
func Policy(spec []specs.LinuxDeviceCgroup) ([]Rule, error) {
	rules, err := FromSpec(spec)
	if err != nil {
		return nil, err
	}
	defaults, err := FromSpec(DefaultAllowed)
	if err != nil {
		return nil, fmt.Errorf("default device rules: %w", err)
	}
	return append(rules, defaults...), nil
}

// V1 formats the rule as devices.allow/devices.deny lines ("c 1:3 rwm").
// The kernel reads a line starting with "a" as "every device, every
// access" whatever follows, so only a full wildcard becomes "a"; a partial
// one ("a *:* r") is spelled out for char and block devices.
func (r Rule) V1() []string {
	if r.Type != 'a' {
		return []string{fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)}
	}
	if r.IsWildcard() {
		return []string{"a"}
	}
	c, b := r, r
	c.Type, b.Type = 'c', 'b'
	return append(c.V1(), b.V1()...)
}

// IsWildcard reports whether the rule covers every device and access.
func (r Rule) IsWildcard() bool {
	return r.Type == 'a' && r.Major == Wildcard && r.Minor == Wildcard && hasAll(r.Access)
}

func hasAll(access string) bool {
	return strings.Contains(access, "r") && strings.Contains(access, "w") && strings.Contains(access, "m")
}

func num(v int64) string {
	if v == Wildcard {
		return "*"
	}
	return strconv.FormatInt(v, 10)
}
