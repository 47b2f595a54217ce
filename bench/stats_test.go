package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, 2500 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSummarizeAndTable(t *testing.T) {
	ms := time.Millisecond
	samples := []Sample{
		{Create: 10 * ms, Start: 5 * ms, Wait: 1 * ms, Delete: 4 * ms, CPU: 8 * ms, MaxRSS: 9000},
		{Create: 12 * ms, Start: 6 * ms, Wait: 1 * ms, Delete: 5 * ms, CPU: 9 * ms, MaxRSS: 12000},
		{Create: 30 * ms, Start: 9 * ms, Wait: 2 * ms, Delete: 9 * ms, CPU: 20 * ms, MaxRSS: 10000},
	}
	s := Summarize("runc", samples)
	if s.Wall != 24*ms || s.CPU != 9*ms || s.Create != 12*ms || s.MaxRSSKiB != 12000 || s.N != 3 {
		t.Errorf("Summarize = %+v", s)
	}
	base := Summary{Name: "crun", N: 3, Wall: 12 * ms, CPU: 6 * ms}
	var buf bytes.Buffer
	PrintTable(&buf, []Summary{base, s}, "crun")
	out := buf.String()
	for _, want := range []string{"2.00x", "1.50x", "24.00", "11.7"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(3, 0); got != 0 {
		t.Errorf("Ratio(3, 0) = %v, want 0", got)
	}
	if got := Ratio(3, 2); got != 1.5 {
		t.Errorf("Ratio(3, 2) = %v, want 1.5", got)
	}
}
