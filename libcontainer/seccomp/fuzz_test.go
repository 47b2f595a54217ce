package seccomp

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// FuzzTranslate feeds arbitrary JSON through the pure-Go translation that
// both spec.Validate and hull-seccomp use: it must never panic, agree with
// Validate, and every plan it accepts must be one libseccomp and the
// kernel take.
func FuzzTranslate(f *testing.F) {
	for _, seed := range []string{
		`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],` +
			`"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["getpgid"],"action":"SCMP_ACT_ALLOW",` +
			`"args":[{"index":0,"value":7,"op":"SCMP_CMP_EQ"},{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/a","listenerMetadata":"m","flags":["SECCOMP_FILTER_FLAG_TSYNC"],` +
			`"syscalls":[{"names":["getsid","write"],"action":"SCMP_ACT_NOTIFY"}]}`,
		`{"defaultAction":"SCMP_ACT_KILL","syscalls":[{"names":["clone"],"action":"SCMP_ACT_ALLOW",` +
			`"args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},{"names":[""],"action":"SCMP_ACT_TRACE","errnoRet":70000}]}`,
		`{"defaultAction":"SCMP_ACT_NOTIFY","syscalls":[{"names":["x"],"action":"SCMP_ACT_FOO","args":[{"index":9,"op":"SCMP_CMP_X"}]}]}`,
		`{}`, `null`,
	} {
		f.Add([]byte(seed))
	}
	if data, err := os.ReadFile(containersProfile); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s specs.LinuxSeccomp
		if json.Unmarshal(data, &s) != nil || Empty(&s) {
			return
		}
		plan, err := Translate(&s)
		problems := Validate(&s)
		if (err == nil) != (len(problems) == 0) {
			t.Fatalf("Translate error %v but Validate found %d problems", err, len(problems))
		}
		for _, p := range problems {
			if !strings.HasPrefix(p.Field, "linux.seccomp") || p.Msg == "" {
				t.Fatalf("problem %q does not name a linux.seccomp field", p)
			}
		}
		if err != nil {
			return
		}
		checkPlan(t, plan)
		again, _ := Translate(&s)
		if !reflect.DeepEqual(plan, again) {
			t.Fatal("Translate is not deterministic")
		}
	})
}

// checkPlan asserts what a valid plan promises its users.
func checkPlan(t *testing.T, plan *Plan) {
	t.Helper()
	f := plan.Filter
	if f.Default.Kind < ActKillThread || f.Default.Kind > ActLog {
		t.Fatalf("default action %+v", f.Default)
	}
	notify := false
	for _, r := range f.Rules {
		if r.Action == f.Default || r.Action.Kind < ActKillThread || r.Action.Kind > ActNotify {
			t.Fatalf("rule %+v: its action is the default or unknown", r)
		}
		if r.Syscall == "" || !strings.HasPrefix(r.Field(), "linux.seccomp.syscalls[") {
			t.Fatalf("rule %+v: no syscall or field", r)
		}
		if r.Action.Kind == ActNotify && r.Syscall == "write" {
			t.Fatal("NOTIFY on write accepted")
		}
		if r.Action.Data != 0 && !r.Action.Kind.hasData() {
			t.Fatalf("rule %+v: data on an action without it", r)
		}
		var seen [maxArgs]bool
		for _, c := range r.Conds {
			if c.Arg >= maxArgs || seen[c.Arg] || c.Op < OpNotEqual || c.Op > OpMaskedEqual {
				t.Fatalf("rule %+v: bad or repeated argument", r)
			}
			seen[c.Arg] = true
		}
		notify = notify || r.Action.Kind == ActNotify
	}
	if notify != plan.Notify || notify != (plan.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0) {
		t.Fatalf("notify %v, plan %+v", notify, plan)
	}
}

// FuzzCacheFile: reading any file in the cache directory must not panic,
// and a hit only ever returns a filter stored for exactly that key.
func FuzzCacheFile(f *testing.F) {
	f.Add(encodeCacheFile([]byte("key"), allowAll), []byte("key"))
	f.Add([]byte(cacheMagic+"\xff\xff\xff\xff"), []byte("k"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, data, key []byte) {
		filter, ok := decodeCacheFile(data, key)
		if ok && !bytes.Equal(encodeCacheFile(key, filter), data) {
			t.Fatalf("accepted a file that is not key %q + filter", key)
		}
		if ok && checkFilter(filter) == nil && len(filter)%insnSize != 0 {
			t.Fatal("checkFilter accepted a partial instruction")
		}
		got, ok := decodeCacheFile(encodeCacheFile(key, data), key)
		if !ok || !bytes.Equal(got, data) {
			t.Fatal("round trip lost the filter")
		}
	})
}
