package seccomp

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func uintp(v uint) *uint { return &v }

// allowExcept is a profile that allows everything but the given entries.
func allowExcept(calls ...specs.LinuxSyscall) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: calls}
}

func call(act specs.LinuxSeccompAction, names ...string) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: names, Action: act}
}

func mustTranslate(t *testing.T, s *specs.LinuxSeccomp) *Plan {
	t.Helper()
	plan, err := Translate(s)
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	return plan
}

// fieldsOf returns "field: msg" for every problem of s.
func fieldsOf(s *specs.LinuxSeccomp) []string {
	var out []string
	for _, e := range Validate(s) {
		out = append(out, e.Error())
	}
	return out
}

func TestTranslateActions(t *testing.T) {
	tests := []struct {
		action specs.LinuxSeccompAction
		ret    *uint
		want   Action
	}{
		{specs.ActKill, nil, Action{Kind: ActKillThread}},
		{specs.ActKillThread, nil, Action{Kind: ActKillThread}},
		{specs.ActKillProcess, nil, Action{Kind: ActKillProcess}},
		{specs.ActTrap, nil, Action{Kind: ActTrap}},
		{specs.ActErrno, nil, Action{Kind: ActErrno, Data: uint16(unix.EPERM)}},
		{specs.ActErrno, uintp(uint(unix.ENOSYS)), Action{Kind: ActErrno, Data: uint16(unix.ENOSYS)}},
		{specs.ActErrno, uintp(0), Action{Kind: ActErrno, Data: 0}},
		{specs.ActTrace, nil, Action{Kind: ActTrace, Data: uint16(unix.EPERM)}},
		{specs.ActTrace, uintp(7), Action{Kind: ActTrace, Data: 7}},
		{specs.ActLog, nil, Action{Kind: ActLog}},
		{specs.ActNotify, nil, Action{Kind: ActNotify}},
	}
	for _, tt := range tests {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getsid"}, Action: tt.action, ErrnoRet: tt.ret}}}
		plan := mustTranslate(t, s)
		if len(plan.Filter.Rules) != 1 || plan.Filter.Rules[0].Action != tt.want {
			t.Errorf("%s errnoRet %v: rules %+v, want action %+v", tt.action, tt.ret, plan.Filter.Rules, tt.want)
		}
		// The same action as default: a KILL default is KILL_THREAD.
		def := &specs.LinuxSeccomp{DefaultAction: tt.action, DefaultErrnoRet: tt.ret}
		if tt.action == specs.ActNotify {
			continue
		}
		if got := mustTranslate(t, def).Filter.Default; got != tt.want {
			t.Errorf("default %s errnoRet %v: %+v, want %+v", tt.action, tt.ret, got, tt.want)
		}
	}
}

func TestTranslateErrnoRet(t *testing.T) {
	tests := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"on ALLOW", allowExcept(specs.LinuxSyscall{Names: []string{"a"}, Action: specs.ActKillProcess, ErrnoRet: uintp(1)}),
			`linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL_PROCESS takes no errno`},
		{"on TRAP", allowExcept(specs.LinuxSyscall{Names: []string{"a"}, Action: specs.ActTrap, ErrnoRet: uintp(1)}),
			`linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_TRAP takes no errno`},
		{"default on ALLOW", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uintp(1)},
			`linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno`},
		{"above 16 bits", allowExcept(specs.LinuxSyscall{Names: []string{"a"}, Action: specs.ActErrno, ErrnoRet: uintp(65536)}),
			`linux.seccomp.syscalls[0].errnoRet: 65536 does not fit`},
	}
	for _, tt := range tests {
		got := fieldsOf(tt.s)
		if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
			t.Errorf("%s: problems %q, want one starting %q", tt.name, got, tt.want)
		}
	}
	if got := mustTranslate(t, allowExcept(specs.LinuxSyscall{Names: []string{"a"}, Action: specs.ActErrno, ErrnoRet: uintp(65535)})); got.Filter.Rules[0].Action.Data != 65535 {
		t.Errorf("errnoRet 65535: %+v", got.Filter.Rules[0].Action)
	}
}

func TestTranslateOperators(t *testing.T) {
	ops := []struct {
		name specs.LinuxSeccompOperator
		op   Op
	}{
		{specs.OpNotEqual, OpNotEqual}, {specs.OpLessThan, OpLessThan}, {specs.OpLessEqual, OpLessEqual},
		{specs.OpEqualTo, OpEqual}, {specs.OpGreaterEqual, OpGreaterEqual}, {specs.OpGreaterThan, OpGreaterThan},
		{specs.OpMaskedEqual, OpMaskedEqual},
	}
	for _, o := range ops {
		s := allowExcept(specs.LinuxSyscall{Names: []string{"getsid"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0xf0, ValueTwo: 0x30, Op: o.name}}})
		want := Cond{Arg: 2, Op: o.op, Value: 0xf0}
		if o.op == OpMaskedEqual {
			want.Datum = 0x30 // valueTwo is only MASKED_EQ's datum
		}
		got := mustTranslate(t, s).Filter.Rules
		if len(got) != 1 || !reflect.DeepEqual(got[0].Conds, []Cond{want}) {
			t.Errorf("%s: rules %+v, want conds [%+v]", o.name, got, want)
		}
	}
}

// TestTranslateArgs: conditions on different arguments all hold (one rule);
// two on the same argument become one rule each, which OR, as in runc.
func TestTranslateArgs(t *testing.T) {
	eq := func(i uint, v uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Value: v, Op: specs.OpEqualTo}
	}
	and := mustTranslate(t, allowExcept(specs.LinuxSyscall{Names: []string{"getpriority"}, Action: specs.ActErrno,
		Args: []specs.LinuxSeccompArg{eq(0, 1), eq(1, 2)}})).Filter.Rules
	if len(and) != 1 || len(and[0].Conds) != 2 {
		t.Errorf("different arguments: %+v, want one rule with both conditions", and)
	}
	or := mustTranslate(t, allowExcept(specs.LinuxSyscall{Names: []string{"getpgid", "getsid"}, Action: specs.ActErrno,
		Args: []specs.LinuxSeccompArg{eq(0, 7), eq(1, 1), eq(0, 8)}})).Filter.Rules
	var got []string
	for _, r := range or {
		if len(r.Conds) != 1 {
			t.Errorf("same argument: rule %+v has %d conditions, want 1", r, len(r.Conds))
			continue
		}
		c := r.Conds[0]
		got = append(got, r.Syscall+":"+string(rune('0'+c.Arg))+"="+string(rune('0'+c.Value)))
	}
	want := []string{"getpgid:0=7", "getpgid:1=1", "getpgid:0=8", "getsid:0=7", "getsid:1=1", "getsid:0=8"}
	if !slices.Equal(got, want) {
		t.Errorf("same argument: rules %q, want %q", got, want)
	}
	if problems := fieldsOf(allowExcept(specs.LinuxSyscall{Names: []string{"a"}, Action: specs.ActErrno,
		Args: []specs.LinuxSeccompArg{eq(6, 0)}})); len(problems) != 1 ||
		!strings.HasPrefix(problems[0], "linux.seccomp.syscalls[0].args[0].index: 6 is out of range") {
		t.Errorf("index 6: %q", problems)
	}
}

// TestTranslateSkipsDefaultAction: libseccomp refuses a rule with the
// default's action, so it is dropped; the errno is part of the action.
func TestTranslateSkipsDefaultAction(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		call(specs.ActErrno, "same-errno"),
		{Names: []string{"explicit-eperm"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EPERM))},
		{Names: []string{"other-errno"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.ENOSYS))},
		call(specs.ActAllow, "allowed"),
	}}
	var got []string
	for _, r := range mustTranslate(t, s).Filter.Rules {
		got = append(got, r.Syscall)
	}
	if !slices.Equal(got, []string{"other-errno", "allowed"}) {
		t.Errorf("rules for %q, want other-errno and allowed", got)
	}
	kill := &specs.LinuxSeccomp{DefaultAction: specs.ActKill, Syscalls: []specs.LinuxSyscall{call(specs.ActKillThread, "x")}}
	if rules := mustTranslate(t, kill).Filter.Rules; len(rules) != 0 {
		t.Errorf("KILL_THREAD under a KILL default: %+v, want none (same action)", rules)
	}
}

func TestNumberSkipsUnknownNames(t *testing.T) {
	f := mustTranslate(t, allowExcept(call(specs.ActErrno, "mkdir", "hull_no_such_call", "rmdir"))).Filter
	table := map[string]int32{"mkdir": 83, "rmdir": 84}
	rules, unknown := f.Number(func(name string) (int32, bool) { nr, ok := table[name]; return nr, ok })
	if len(rules) != 2 || rules[0].Nr != 83 || rules[1].Nr != 84 || rules[1].Field() != "linux.seccomp.syscalls[0].names[2]" {
		t.Errorf("rules %+v", rules)
	}
	if !slices.Equal(unknown, []string{"hull_no_such_call"}) {
		t.Errorf("unknown %q", unknown)
	}
}

func TestTranslateRefusesUnknownNames(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: "SCMP_ACT_NOPE",
		Architectures: []specs.Arch{specs.ArchX86, "SCMP_ARCH_VAX"},
		Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, "SECCOMP_FILTER_FLAG_FOO"},
		Syscalls: []specs.LinuxSyscall{
			call(specs.ActAllow, "read"), call(specs.ActAllow, "write"), call(specs.ActAllow, "open"),
			call("SCMP_ACT_FOO", "mkdir"),
			{Names: []string{"getsid", ""}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_ABOUT"}}},
		},
	}
	want := []string{
		`linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"`,
		`linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"`,
		`linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`,
		`linux.seccomp.syscalls[4].args[0].op: unknown operator "SCMP_CMP_ABOUT"`,
		`linux.seccomp.syscalls[4].names[1]: empty syscall name`,
		`linux.seccomp.flags[1]: unknown flag "SECCOMP_FILTER_FLAG_FOO"`,
	}
	if got := fieldsOf(s); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, err := Translate(s)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "linux.seccomp.defaultAction" {
		t.Errorf("Translate error %v: want the joined FieldErrors", err)
	}
}

func TestTranslateNotify(t *testing.T) {
	notify := call(specs.ActNotify, "getsid")
	s := allowExcept(notify)
	s.ListenerPath = "/run/agent.sock"
	plan := mustTranslate(t, s)
	if !plan.Notify || plan.Flags != unix.SECCOMP_FILTER_FLAG_NEW_LISTENER {
		t.Errorf("notify plan: notify %v flags 0x%x", plan.Notify, plan.Flags)
	}
	s.Flags = []specs.LinuxSeccompFlag{flagTSync, specs.LinuxSeccompFlagWaitKillableRecv}
	want := uint(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_TSYNC |
		unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
	if plan := mustTranslate(t, s); plan.Flags != want {
		t.Errorf("notify with TSYNC and WAIT_KILLABLE_RECV: flags 0x%x, want 0x%x", plan.Flags, want)
	}

	tests := []struct {
		name string
		s    *specs.LinuxSeccomp
		want string
	}{
		{"no listenerPath", allowExcept(notify), "linux.seccomp.listenerPath: missing"},
		{"listenerPath too long", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/" + strings.Repeat("a", 108),
			Syscalls: []specs.LinuxSyscall{notify}}, "linux.seccomp.listenerPath: 109 bytes long"},
		{"write", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/a",
			Syscalls: []specs.LinuxSyscall{call(specs.ActNotify, "read", "write")}}, "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall"},
		{"default", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/a"},
			"linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
		{"WAIT_KILLABLE_RECV without notify", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}},
			"linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY"},
	}
	for _, tt := range tests {
		got := fieldsOf(tt.s)
		if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
			t.Errorf("%s: problems %q, want one starting %q", tt.name, got, tt.want)
		}
	}
}

// TestTranslateFlags: a missing flags list means SPEC_ALLOW where the
// kernel has it (runc's default); an empty one means no flags.
func TestTranslateFlags(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	if plan := mustTranslate(t, s); !plan.SpecAllowByDefault || plan.Flags != 0 {
		t.Errorf("no flags list: %+v", plan)
	}
	s.Flags = []specs.LinuxSeccompFlag{}
	if plan := mustTranslate(t, s); plan.SpecAllowByDefault || plan.Flags != 0 {
		t.Errorf("empty flags list: %+v", plan)
	}
	s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}
	if plan := mustTranslate(t, s); plan.Flags != unix.SECCOMP_FILTER_FLAG_LOG|unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Errorf("LOG and SPEC_ALLOW: flags 0x%x", plan.Flags)
	}
}

func TestTranslateArchesAndTree(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32, specs.ArchAARCH64}}
	var names []string
	for _, a := range mustTranslate(t, s).Filter.Arches {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"amd64", "x86", "x32", "arm64"}) {
		t.Errorf("arches %q", names)
	}
	var many []string
	for i := 0; i <= binaryTreeMin; i++ {
		many = append(many, "call"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if mustTranslate(t, allowExcept(call(specs.ActErrno, many[:binaryTreeMin]...))).Filter.BinaryTree {
		t.Errorf("%d names: binary tree asked for", binaryTreeMin)
	}
	if !mustTranslate(t, allowExcept(call(specs.ActErrno, many...))).Filter.BinaryTree {
		t.Errorf("%d names: no binary tree", len(many))
	}
}

func TestEmptyProfile(t *testing.T) {
	for _, s := range []*specs.LinuxSeccomp{nil, {}, {Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}} {
		if !Empty(s) || Validate(s) != nil {
			t.Errorf("%+v: Empty %v, problems %v", s, Empty(s), Validate(s))
		}
		if p, err := Prepare(t.TempDir(), s); p != nil || err != nil {
			t.Errorf("Prepare(%+v) = %+v, %v; want no filter", s, p, err)
		}
	}
	if Empty(&specs.LinuxSeccomp{Syscalls: []specs.LinuxSyscall{call(specs.ActAllow, "read")}}) {
		t.Error("syscalls without a default action: not empty, the missing default must be refused")
	}
}

func TestKnownLists(t *testing.T) {
	for name, list := range map[string][]string{"actions": KnownActions(), "operators": KnownOperators(), "archs": KnownArchs(), "flags": KnownFlags()} {
		if !slices.IsSorted(list) || len(list) == 0 {
			t.Errorf("%s: %q not sorted or empty", name, list)
		}
	}
	if len(KnownActions()) != 9 || len(KnownOperators()) != 7 || len(KnownFlags()) != 4 {
		t.Errorf("actions %q operators %q flags %q", KnownActions(), KnownOperators(), KnownFlags())
	}
	if !slices.Contains(KnownArchs(), string(specs.ArchX86_64)) || slices.Contains(KnownArchs(), string(specs.ArchLOONGARCH64)) {
		t.Errorf("archs %q: want libseccomp 2.5's", KnownArchs())
	}
}
