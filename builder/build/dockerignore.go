package build

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ignoreMatcher applies .dockerignore rules: patterns with *, ?, [..] and **,
// matched against the path and each of its parents; a later "!pattern"
// re-includes; the last matching rule wins.
type ignoreMatcher struct {
	rules []ignoreRule
}

type ignoreRule struct {
	re      *regexp.Regexp
	exclude bool // false for "!pattern"
}

func loadIgnore(path string) (*ignoreMatcher, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &ignoreMatcher{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	return parseIgnore(lines)
}

func parseIgnore(lines []string) (*ignoreMatcher, error) {
	m := &ignoreMatcher{}
	for n, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		exclude := true
		if strings.HasPrefix(line, "!") {
			exclude = false
			line = strings.TrimSpace(line[1:])
		}
		pat := filepath.Clean(strings.TrimPrefix(filepath.ToSlash(line), "/"))
		re, err := globRegexp(pat)
		if err != nil {
			return nil, fmt.Errorf(".dockerignore line %d: %q: %w", n+1, line, err)
		}
		m.rules = append(m.rules, ignoreRule{re: re, exclude: exclude})
	}
	return m, nil
}

// excluded reports whether rel (a slash path relative to the context) is
// ignored: a rule matching rel or one of its parent dirs applies.
func (m *ignoreMatcher) excluded(rel string) bool {
	if m == nil || len(m.rules) == 0 {
		return false
	}
	rel = filepath.ToSlash(rel)
	out := false
	for _, r := range m.rules {
		if r.matchSelfOrParent(rel) {
			out = r.exclude
		}
	}
	return out
}

func (r ignoreRule) matchSelfOrParent(rel string) bool {
	for p := rel; p != "." && p != "/" && p != ""; p = filepath.Dir(p) {
		if r.re.MatchString(p) {
			return true
		}
	}
	return false
}

// globRegexp converts a dockerignore pattern to an anchored regexp.
func globRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '*' && strings.HasPrefix(pat[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case c == '*' && strings.HasPrefix(pat[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(pat[i:], ']')
			if j < 0 {
				return nil, errors.New("unterminated [")
			}
			class := pat[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		case c == '\\' && i+1 < len(pat):
			i++
			b.WriteString(regexp.QuoteMeta(string(pat[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
