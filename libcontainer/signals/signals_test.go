package signals

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want unix.Signal
	}{
		{"KILL", unix.SIGKILL},
		{"SIGKILL", unix.SIGKILL},
		{"9", unix.SIGKILL},
		{"sigterm", unix.SIGTERM},
		{"term", unix.SIGTERM},
		{"SigHup", unix.SIGHUP},
		{"15", unix.SIGTERM},
		{"USR1", unix.SIGUSR1},
		{"SIGWINCH", unix.SIGWINCH},
		{"RTMIN", 34},
		{"RTMIN+3", 37},
		{"SIGRTMIN+3", 37},
		{"rtmin+0", 34},
		{"RTMAX", 64},
		{"RTMAX-2", 62},
		{"64", 64},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", "unknown signal name"},
		{"NOPE", "unknown signal name"},
		{"SIG", "unknown signal name"},
		{"0", "out of range"},
		{"-9", "out of range"},
		{"65", "out of range"},
		{"RTMIN+31", "real-time signal out of range"},
		{"RTMAX+1", "real-time signal out of range"},
		{"RTMIN-1", "real-time signal out of range"},
		{"RTMIN+x", "real-time signal out of range"},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %d, want error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("Parse(%q) error %q, want it to name the input and contain %q", tc.in, err, tc.wantErr)
		}
	}
}
