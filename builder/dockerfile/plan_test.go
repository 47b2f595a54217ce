package dockerfile

import (
	"strings"
	"testing"
)

const multi = `ARG BASE=busybox
FROM ${BASE} AS a
RUN true
FROM scratch AS b
COPY --from=a /x /x
FROM busybox AS c
RUN true
FROM b AS d
RUN --mount=type=bind,from=c,target=/c true
FROM --platform=$BUILDPLATFORM busybox AS e
`

func TestPlanStages(t *testing.T) {
	tests := []struct {
		target string
		args   map[string]string
		want   []int
		base0  string
	}{
		{target: "", want: []int{4}, base0: "busybox"},
		{target: "b", want: []int{0, 1}, base0: "busybox"},
		{target: "d", want: []int{0, 1, 2, 3}, base0: "busybox"},
		{target: "a", args: map[string]string{"BASE": "alpine"}, want: []int{0}, base0: "alpine"},
	}
	f, err := Parse("Dockerfile", []byte(multi))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			p, err := f.Plan(tt.target, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, sp := range p.Stages {
				got = append(got, sp.Index)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("stages %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("stages %v, want %v", got, tt.want)
				}
			}
			if p.Stages[0].Index == 0 && p.Stages[0].Base != tt.base0 {
				t.Errorf("base of stage 0 = %q, want %q", p.Stages[0].Base, tt.base0)
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name, file, target, want string
	}{
		{"unknown target", "FROM busybox AS a\n", "zz", `Dockerfile: target stage "zz" not found (stages: a)`},
		{"foreign platform", "FROM busybox\nFROM --platform=linux/s390x busybox\n", "", "Dockerfile:2: FROM: --platform=linux/s390x: only the host platform"},
		{"bad index", "FROM busybox\nCOPY --from=3 /a /b\n", "", "Dockerfile:2: COPY: --from=3 does not name an earlier stage"},
		{"self reference", "FROM busybox AS me\nCOPY --from=me /a /b\n", "", "Dockerfile:2: COPY: --from=me names the stage itself"},
		{"empty base", "ARG B\nFROM ${B}\n", "", "Dockerfile:2: FROM: base name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("Dockerfile", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Plan(tt.target, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExpanderCommand(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM x\nENV A=$B/c\nCOPY $SRC /d/$B\n"))
	if err != nil {
		t.Fatal(err)
	}
	ex := NewExpander(f.Escape)
	env := []string{"B=bee", "SRC=s"}
	for _, c := range f.Stages[0].Commands {
		if err := ex.Command(c, env); err != nil {
			t.Fatal(err)
		}
	}
	got := Describe(f.Stages[0].Commands[0]) + "|" + Describe(f.Stages[0].Commands[1])
	want := `ENV A="bee/c"|COPY from="" chown="" chmod="" link=false src=["s"] dest="/d/bee" files=[]`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
