package integration

// HOME: when process.env sets none (or an empty one), the process gets the
// home directory of its uid from the container's /etc/passwd, or "/" when
// there is no entry, as runc sets it; for `run` and `exec` alike. Run with
// the escape suite's runner on hull and, where it is on PATH, on runc, and
// hull's output must equal runc's.

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// homePasswd is the rootfs's /etc/passwd in these tests.
const homePasswd = "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000:u:/home/u:/bin/sh\n"

// homeScript prints HOME as the process got it (an empty line if unset).
const homeScript = `echo "$HOME"`

type homeCase struct {
	name     string
	uid      uint32
	env      []string // added to process.env (run) or given with -e (exec)
	noEnv    bool     // run: process.env absent altogether
	noPasswd bool     // run: the rootfs has no /etc/passwd
	want     string
}

var homeCases = []homeCase{
	{name: "root", uid: 0, want: "/root"},
	{name: "user", uid: 1000, want: "/home/u"},
	{name: "no entry", uid: 4242, want: "/"},
	{name: "set", uid: 1000, env: []string{"HOME=/custom"}, want: "/custom"},
	{name: "set empty", uid: 1000, env: []string{"HOME="}, want: "/home/u"},
}

// homeRunOnly are the cases of a bundle of their own, for `run` only.
var homeRunOnly = []homeCase{
	{name: "no env", uid: 1000, noEnv: true, want: "/home/u"},
	{name: "no passwd", uid: 0, noPasswd: true, want: "/"},
}

func TestHomeFromPasswd(t *testing.T) {
	testutil.RequireRoot(t)
	t.Parallel()
	// Not parallel with each other: runc's outputs are compared with
	// hull's once both have run.
	got := map[string]map[string]string{}
	for _, rt := range escapeRuntimes(t) {
		t.Run(rt.name, func(t *testing.T) {
			r := newRTEnv(t, rt)
			got[rt.name] = homeOutputs(r)
			r.done = true
		})
	}
	hull, runc := got["hull"], got["runc"]
	if runc == nil {
		return
	}
	for _, key := range slices.Sorted(maps.Keys(hull)) {
		if rc, ok := runc[key]; ok && rc != hull[key] {
			t.Errorf("%s: hull's HOME %q, runc's %q", key, hull[key], rc)
		}
	}
}

// homeOutputs runs every case on r's runtime, checks each HOME against the
// case and returns them by "run/<case>" and "exec/<case>".
func homeOutputs(r *rtEnv) map[string]string {
	r.t.Helper()
	out := map[string]string{}
	check := func(key string, c homeCase, res result) {
		r.t.Helper()
		if res.code != 0 {
			r.fail("%s: exit %d: %s", key, res.code, strings.TrimSpace(res.stderr))
			return
		}
		home := strings.TrimSuffix(res.stdout, "\n")
		out[key] = home
		if home != c.want {
			r.fail("%s: HOME %q, want %q", key, home, c.want)
		}
	}

	for _, c := range append(append([]homeCase{}, homeCases...), homeRunOnly...) {
		b := r.bundle(func(s *specs.Spec) {
			// By path: without process.env there is no PATH either.
			s.Process.Args = []string{"/bin/sh", "-c", homeScript}
			s.Process.User = specs.User{UID: c.uid, GID: c.uid}
			s.Process.Env = append(s.Process.Env, c.env...)
			if c.noEnv {
				s.Process.Env = nil
			}
		})
		writePasswd(r.t, b, !c.noPasswd)
		check("run/"+c.name, c, r.do("run", "--bundle", b, r.id()))
	}

	b := r.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sleep", "1000"} })
	writePasswd(r.t, b, true)
	id := r.id()
	r.setup(r.do("run", "-d", "--bundle", b, id), "run -d")
	r.waitStatus(id, "running")
	for _, c := range homeCases {
		args := []string{"exec", "--user", strconv.Itoa(int(c.uid)) + ":" + strconv.Itoa(int(c.uid))}
		for _, kv := range c.env {
			args = append(args, "--env", kv)
		}
		args = append(args, id, "/bin/sh", "-c", homeScript)
		check("exec/"+c.name, c, r.do(args...))
	}
	return out
}

// writePasswd puts homePasswd into the bundle's rootfs, or removes the
// rootfs's /etc/passwd.
func writePasswd(t *testing.T, bundle string, present bool) {
	t.Helper()
	path := filepath.Join(bundle, "rootfs", "etc", "passwd")
	if !present {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, []byte(homePasswd), 0o644); err != nil {
		t.Fatal(err)
	}
}
