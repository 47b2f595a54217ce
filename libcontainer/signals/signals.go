// Package signals turns the signal names users type (hull kill, the spec's
// stopSignal) into signal numbers, with the same spellings runc's kill accepts.
package signals

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Parse accepts a signal as a number ("9"), a name with or without the SIG
// prefix in any case ("KILL", "SIGKILL", "sigterm") or a real-time offset
// ("RTMIN+3", "SIGRTMAX-1").
func Parse(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > sigRTMax {
			return 0, fmt.Errorf("signal %q: number out of range 1-%d", s, sigRTMax)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(strings.TrimSpace(s))
	name = strings.TrimPrefix(name, "SIG")
	if sig, ok := parseRealtime(name); ok {
		if sig < sigRTMin || sig > sigRTMax {
			return 0, fmt.Errorf("signal %q: real-time signal out of range %d-%d", s, sigRTMin, sigRTMax)
		}
		return unix.Signal(sig), nil
	}
	if sig := unix.SignalNum("SIG" + name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("signal %q: unknown signal name", s)
}

// The kernel's real-time range is 32-64, but glibc reserves 32 and 33 for
// threads, so userspace (kill(1), runc) counts RTMIN from 34.
const (
	sigRTMin = 34
	sigRTMax = 64
)

// parseRealtime reads RTMIN, RTMAX, RTMIN+n and RTMAX-n.
func parseRealtime(name string) (int, bool) {
	for _, base := range []struct {
		prefix string
		value  int
		sign   byte
	}{{"RTMIN", sigRTMin, '+'}, {"RTMAX", sigRTMax, '-'}} {
		rest, ok := strings.CutPrefix(name, base.prefix)
		if !ok {
			continue
		}
		if rest == "" {
			return base.value, true
		}
		if rest[0] != base.sign {
			return -1, true
		}
		n, err := strconv.Atoi(rest[1:])
		if err != nil || n < 0 {
			return -1, true
		}
		if base.sign == '+' {
			return base.value + n, true
		}
		return base.value - n, true
	}
	return 0, false
}
