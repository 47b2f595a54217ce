package integration

// Escape classes 10 and 11: hostile container ids and oversized configs.

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// 10. Container ids that name another path (or none) are refused with an
// error about the id, and no command given them touches anything outside
// the root: a victim directory beside the root must survive create,
// state, kill and delete --force of "../victim" and friends.
func TestEscapeBadContainerID(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		victim := filepath.Join(r.base, "victim")
		if err := os.MkdirAll(filepath.Join(victim, "root-like"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(victim, "keep"), []byte("keep\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := r.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
		before := dirEntries(t, r.base)
		long := strings.Repeat("x", 2000)
		ids := []string{"../victim", "a/b", "", ".", "..", long, "x/../../victim", victim, "../root/../victim", "victim/.."}
		idWord := regexp.MustCompile(`(?i)\bid\b`)
		for _, id := range ids {
			shown := id
			if len(shown) > 40 {
				shown = shown[:20] + "...(" + strconv.Itoa(len(id)) + " bytes)"
			}
			res := r.do("create", "--bundle", b, id)
			if res.code == 0 {
				r.escaped("create accepted the container id %q", shown)
				r.do("delete", "--force", id)
			} else if !idWord.MatchString(res.stderr) {
				r.fail("the refusal of id %q does not say it is about the id: %q", shown, res.stderr)
			}
			for _, cmd := range [][]string{{"state", id}, {"kill", id, "KILL"}, {"pause", id}, {"delete", id}, {"delete", "--force", id}} {
				r.do(cmd...)
				if _, err := os.Stat(filepath.Join(victim, "keep")); err != nil {
					what := strings.Replace(strings.Join(cmd, " "), id, strconv.Quote(shown), 1)
					r.escaped("`%s` removed or damaged %s beside the root: %v", what, victim, err)
					return
				}
			}
		}
		if now := dirEntries(t, r.base); !slices.Equal(now, before) {
			r.escaped("entries appeared or vanished beside the root: %v, was %v", now, before)
		}
		if left, err := os.ReadDir(r.root); err != nil || len(left) > 0 {
			r.escaped("the root changed: %v entries (%v)", len(left), err)
		}
		if now, err := os.ReadDir(victim); err != nil || len(now) != 2 {
			r.escaped("the victim directory changed: %d entries (%v)", len(now), err)
		}
	})
}

// 11. A config.json over the limit (hull's is 16 MiB) is refused with an
// error naming the file and its size, before it is read whole (the
// runtime's peak memory stays below the file's size), and nothing is left
// behind.
func TestEscapeOversizedConfig(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		b := r.bundle(func(s *specs.Spec) {
			s.Process.Args = []string{"true"}
			s.Annotations = map[string]string{"pad": "PAD"}
		})
		path := filepath.Join(b, "config.json")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Written a MiB at a time: holding the file in the test process
		// would show in the runtime's peak RSS (see resetPeakRSS).
		const pad = 65 << 20
		head, tail, ok := bytes.Cut(data, []byte(`"PAD"`))
		if !ok {
			t.Fatalf("no \"PAD\" in %s", path)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		parts := [][]byte{head, []byte(`"`)}
		for range pad / len(chunk) {
			parts = append(parts, chunk)
		}
		parts = append(parts, []byte(`"`), tail)
		size := 0
		for _, p := range parts {
			if err == nil {
				_, err = f.Write(p)
			}
			size += len(p)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		// run too: it looks at process.terminal before create loads the
		// spec, and once read the whole file for that.
		accepted := false
		for _, cmd := range []string{"create", "run"} {
			id := r.id()
			c, cancel := r.cmd(cmd, "--bundle", b, id)
			baseMiB := resetPeakRSS(t)
			res, ru := r.runCmdUsage(c)
			cancel()
			var rssMiB int64
			if ru != nil {
				rssMiB = ru.Maxrss >> 10
			}
			r.note("%s of a %d-byte config.json: exit %d, peak RSS %d MiB (the test's own RSS at the start: %d MiB): %s", cmd, size, res.code, rssMiB, baseMiB, strings.TrimSpace(res.stderr))
			if res.code == 0 {
				r.fail("%s accepted a %d-byte config.json", cmd, size)
				accepted = true
				continue
			}
			if !strings.Contains(res.stderr, "config.json") {
				r.fail("the refusal does not name config.json: %q", res.stderr)
			}
			if !regexp.MustCompile(`(?i)` + strconv.Itoa(size) + `|\d+ ?mib|too (large|big)`).MatchString(res.stderr) {
				r.fail("the refusal does not give the size: %q", res.stderr)
			}
			if rssMiB >= 48 {
				r.fail("%s read the file whole before refusing it: peak RSS %d MiB (the test's own RSS at the start: %d MiB)", cmd, rssMiB, baseMiB)
			}
		}
		if left := dirEntries(t, r.root); len(left) > 0 && !accepted {
			r.fail("state left in the root: %v", left)
		}
	})
}

// resetPeakRSS makes the kernel forget the test process's peak RSS and
// returns its RSS now, in MiB. A child's ru_maxrss includes the peak RSS of
// the memory it was started in: exec records the high-water mark of the mm
// it leaves (setmax_mm_hiwater_rss), and Go starts children with vfork
// (CLONE_VM), in the test process's own mm. Without the reset a runtime
// that uses 6 MiB read as 170-335 MiB: the peak of this test once building
// the 68 MB file in memory, in parallel for hull and runc. After it, the
// child's peak is at most the larger of its own and the test's current RSS.
func resetPeakRSS(t *testing.T) int64 {
	t.Helper()
	debug.FreeOSMemory()
	// 5: reset the peak RSS to the current RSS (proc(5), Linux 4.0).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak RSS: %v", err)
	}
	v, err := procStatusField("/proc/self/status", "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	kib, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	if err != nil {
		t.Fatalf("VmHWM %q: %v", v, err)
	}
	return kib >> 10
}
