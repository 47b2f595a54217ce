package dockerfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func TestParseTrigger(t *testing.T) {
	tests := []struct {
		expr, want, err string
	}{
		{expr: "RUN echo hi", want: "RUN shell=true"},
		{expr: "COPY a /b", want: `COPY from="" chown="" chmod="" link=false src=["a"] dest="/b"`},
		{expr: "NOPE x", err: "unknown instruction"},
		{expr: "RUN a\nRUN b", err: "is not one instruction"},
	}
	for _, tt := range tests {
		c, err := ParseTrigger("base", tt.expr)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "base: ONBUILD") {
				t.Errorf("ParseTrigger(%q) error %v, want %q", tt.expr, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseTrigger(%q): %v", tt.expr, err)
		}
		if got := Describe(c); !strings.HasPrefix(got, tt.want) {
			t.Errorf("ParseTrigger(%q) = %s, want prefix %s", tt.expr, got, tt.want)
		}
	}
}

func TestErrorPositions(t *testing.T) {
	f, err := Parse("dir/Dockerfile", []byte("FROM a AS first\n\nRUN true\nFROM b\n"))
	if err != nil {
		t.Fatal(err)
	}
	inner := errors.New("boom")
	got := f.At(f.Stages[0].Commands[0], inner)
	if got.Error() != "dir/Dockerfile:3: RUN: boom" || !errors.Is(got, inner) {
		t.Errorf("At = %v", got)
	}
	if got := f.AtStage(&f.Stages[1], inner); got.Error() != "dir/Dockerfile:4: FROM: boom" {
		t.Errorf("AtStage = %v", got)
	}
	// An error that already carries a position keeps it.
	if again := f.At(f.Stages[0].Commands[0], got); again != got {
		t.Errorf("At rewrapped a positioned error: %v", again)
	}
	if Line(&instructions.EnvCommand{}) != 0 {
		t.Error("Line of a command without location is not 0")
	}
}
