package dockerfile

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden result files")

// TestGolden parses every testdata/<case>/Dockerfile and compares the dump (or
// the error, with its path:line) against testdata/<case>/result.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, df := range cases {
		dir := filepath.Dir(df)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := render(df)
			want := filepath.Join(dir, "result")
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if got != string(exp) {
				t.Errorf("%s: got\n%s\nwant\n%s", df, got, exp)
			}
		})
	}
}

func render(path string) string {
	f, err := ParseFile(path)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return f.Dump()
}
