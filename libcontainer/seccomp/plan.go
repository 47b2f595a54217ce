package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxArgs is how many arguments a syscall has (seccomp_data.args).
const maxArgs = 6

// binaryTreeMin is the number of syscall names above which the helper asks
// libseccomp for a binary-tree filter, as runc does: libseccomp <= 2.5.4
// misbehaves with the tree and no rules, and a short list gains nothing.
const binaryTreeMin = 32

// Action is what the filter returns on a match: a kind and, for the kinds
// that carry it, the 16-bit SECCOMP_RET_DATA.
type Action struct {
	Kind ActionKind
	Data uint16
}

// Cond is one argument comparison of a rule.
type Cond struct {
	Arg   uint   // 0..5
	Op    Op     // comparison
	Value uint64 // the operand; for OpMaskedEqual, the mask
	Datum uint64 // for OpMaskedEqual only: what the masked argument must equal
}

// Rule is one seccomp_rule_add: the action applies when every Cond holds.
type Rule struct {
	// Entry and Name locate the rule's name in linux.seccomp.syscalls
	// (see Field), kept as numbers: formatting a field for each of the
	// hundreds of names of a default profile made a cached Prepare a
	// quarter slower (263 against 200 µs), for errors that rarely happen.
	Entry, Name int
	Syscall     string
	Action      Action
	Conds       []Cond
}

// Field names where the rule came from, e.g. "linux.seccomp.syscalls[2].names[0]".
func (r *Rule) Field() string { return nameField(r.Entry, r.Name) }

func nameField(entry, name int) string {
	return fmt.Sprintf("linux.seccomp.syscalls[%d].names[%d]", entry, name)
}

// Filter is what the helper hands to libseccomp: everything in a profile
// that shapes the BPF, and nothing else.
type Filter struct {
	Default    Action
	Arches     []ArchRef // extra architectures; the native one is always there
	Rules      []Rule
	BinaryTree bool // ask libseccomp for a binary-tree filter
}

// ArchRef is an extra architecture: libseccomp's name and the field it came from.
type ArchRef struct {
	Field string
	Name  string
}

// Plan is a validated profile: the filter and how to load it.
type Plan struct {
	Filter Filter
	// Flags are the SECCOMP_FILTER_FLAG_* bits the profile asks for, with
	// NEW_LISTENER (and TSYNC_ESRCH, which the kernel requires beside
	// TSYNC) added when it uses SCMP_ACT_NOTIFY.
	Flags uint
	// SpecAllowByDefault is set when the profile has no flags list at all:
	// like runc, hull then adds SPEC_ALLOW where the kernel supports it, so
	// a filter does not switch on the costly speculative store bypass
	// mitigation behind the user's back. An empty list means no flags.
	SpecAllowByDefault bool
	// Notify is set when a rule uses SCMP_ACT_NOTIFY: loading then returns
	// a listener fd for the agent at listenerPath.
	Notify bool
}

// Empty reports whether s asks for no filter at all: runc ignores a profile
// with neither a default action nor syscalls, and so does hull.
func Empty(s *specs.LinuxSeccomp) bool {
	return s == nil || (s.DefaultAction == "" && len(s.Syscalls) == 0)
}

// Translate validates a profile and turns it into a plan. It needs neither
// cgo nor the kernel. The error holds one *FieldError per problem (joined
// with errors.Join when there are several).
func Translate(s *specs.LinuxSeccomp) (*Plan, error) {
	plan, p := translate(s)
	if err := p.err(); err != nil {
		return nil, err
	}
	return plan, nil
}

// Validate returns every problem Translate would report.
func Validate(s *specs.LinuxSeccomp) []*FieldError {
	if Empty(s) {
		return nil
	}
	_, p := translate(s)
	return p
}

// TranslateFilter is the part of Translate the helper needs: the rules,
// without the load-time checks (flags, listener).
func TranslateFilter(s *specs.LinuxSeccomp) (*Filter, error) {
	var p problems
	f := translateFilter(&p, s)
	if err := p.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func translate(s *specs.LinuxSeccomp) (*Plan, problems) {
	var p problems
	if s == nil {
		p.add("linux.seccomp", "missing")
		return nil, p
	}
	plan := &Plan{Filter: *translateFilter(&p, s)}
	for _, r := range plan.Filter.Rules {
		plan.Notify = plan.Notify || r.Action.Kind == ActNotify
	}
	plan.Flags, plan.SpecAllowByDefault = translateFlags(&p, s.Flags, plan.Notify)
	checkListener(&p, s, plan.Notify)
	return plan, p
}

func translateFilter(p *problems, s *specs.LinuxSeccomp) *Filter {
	f := &Filter{}
	f.Default = parseAction(p, "linux.seccomp.defaultAction", s.DefaultAction,
		"linux.seccomp.defaultErrnoRet", s.DefaultErrnoRet)
	if f.Default.Kind == ActNotify {
		// Init writes to its parent after loading the filter: with NOTIFY
		// as the default, that write would wait for an agent that cannot
		// have the listener yet. runc refuses it for the same reason.
		p.add("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action (the runtime's own writes after loading the filter would wait for the agent)")
	}
	for i, a := range s.Architectures {
		field := fmt.Sprintf("linux.seccomp.architectures[%d]", i)
		name, ok := lookupArch(a)
		if !ok {
			p.add(field, "unknown architecture %q", a)
			continue
		}
		f.Arches = append(f.Arches, ArchRef{Field: field, Name: name})
	}
	names := 0
	for i := range s.Syscalls {
		names += len(s.Syscalls[i].Names)
		f.Rules = append(f.Rules, translateSyscall(p, i, &s.Syscalls[i], f.Default)...)
	}
	f.BinaryTree = names > binaryTreeMin
	return f
}

// parseAction resolves an action and its errnoRet. The errno defaults to
// EPERM for ERRNO and TRACE, as in runc.
func parseAction(p *problems, field string, name specs.LinuxSeccompAction, retField string, ret *uint) Action {
	kind, ok := lookupAction(name)
	if !ok {
		p.add(field, "unknown action %q", name)
		return Action{}
	}
	a := Action{Kind: kind}
	switch {
	case ret != nil && !kind.hasData():
		p.add(retField, "%s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)", name)
	case ret != nil && *ret > unix.SECCOMP_RET_DATA:
		p.add(retField, "%d does not fit in the filter's 16-bit return data", *ret)
	case ret != nil:
		a.Data = uint16(*ret)
	case kind == ActErrno || kind == ActTrace:
		a.Data = uint16(unix.EPERM)
	}
	return a
}

// translateSyscall turns one syscalls[] entry into rules, one per name.
// A rule whose action equals the default is left out: libseccomp refuses
// it, and it would change nothing.
func translateSyscall(p *problems, i int, sc *specs.LinuxSyscall, def Action) []Rule {
	field := fmt.Sprintf("linux.seccomp.syscalls[%d]", i)
	act := parseAction(p, field+".action", sc.Action, field+".errnoRet", sc.ErrnoRet)
	condSets := translateArgs(p, field, sc.Args)
	var rules []Rule
	for j, name := range sc.Names {
		switch {
		case name == "":
			p.add(nameField(i, j), "empty syscall name")
			continue
		case act.Kind == ActNotify && name == "write":
			// See the default action above: init must still write.
			p.add(nameField(i, j), "SCMP_ACT_NOTIFY cannot be used for the write syscall (the runtime writes after loading the filter)")
			continue
		case act == def || act.Kind == 0:
			continue
		}
		for _, conds := range condSets {
			rules = append(rules, Rule{Entry: i, Name: j, Syscall: name, Action: act, Conds: conds})
		}
	}
	return rules
}

// translateArgs returns the condition sets of an entry: one set with every
// condition (they must all hold), or, when two conditions test the same
// argument, one set per condition: libseccomp cannot AND two comparisons of
// one argument, and runc makes them separate rules, which OR.
func translateArgs(p *problems, field string, args []specs.LinuxSeccompArg) [][]Cond {
	var conds []Cond
	var seen [maxArgs]int
	repeated := false
	for k, a := range args {
		argField := fmt.Sprintf("%s.args[%d]", field, k)
		op, ok := lookupOp(a.Op)
		if !ok {
			p.add(argField+".op", "unknown operator %q", a.Op)
			continue
		}
		if a.Index >= maxArgs {
			p.add(argField+".index", "%d is out of range (a syscall has arguments 0 to %d)", a.Index, maxArgs-1)
			continue
		}
		c := Cond{Arg: a.Index, Op: op, Value: a.Value}
		if op == OpMaskedEqual {
			c.Datum = a.ValueTwo
		}
		conds = append(conds, c)
		seen[a.Index]++
		repeated = repeated || seen[a.Index] > 1
	}
	if !repeated {
		return [][]Cond{conds}
	}
	sets := make([][]Cond, len(conds))
	for k, c := range conds {
		sets[k] = []Cond{c}
	}
	return sets
}

// translateFlags maps the flags list to SECCOMP_FILTER_FLAG_* bits.
func translateFlags(p *problems, flags []specs.LinuxSeccompFlag, notify bool) (bits uint, specAllowByDefault bool) {
	for i, name := range flags {
		bit, ok := lookupFlag(name)
		if !ok {
			p.add(fmt.Sprintf("linux.seccomp.flags[%d]", i), "unknown flag %q", name)
			continue
		}
		if bit == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify {
			// The kernel refuses it without a listener.
			p.add(fmt.Sprintf("linux.seccomp.flags[%d]", i), "%s needs a rule with SCMP_ACT_NOTIFY", name)
			continue
		}
		bits |= bit
	}
	if notify {
		bits |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		if bits&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			// TSYNC reports a failed thread by its tid, NEW_LISTENER
			// returns an fd: the kernel only allows both when TSYNC
			// failures become ESRCH.
			bits |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	}
	return bits, flags == nil
}

func checkListener(p *problems, s *specs.LinuxSeccomp, notify bool) {
	if !notify {
		return
	}
	maxLen := len(unix.RawSockaddrUnix{}.Path) - 1 // room for the NUL
	switch {
	case s.ListenerPath == "":
		p.add("linux.seccomp.listenerPath", "missing: SCMP_ACT_NOTIFY needs the agent's socket")
	case len(s.ListenerPath) > maxLen:
		p.add("linux.seccomp.listenerPath", "%d bytes long, a unix socket path holds at most %d", len(s.ListenerPath), maxLen)
	}
}

// NumberedRule is a rule with its syscall number on the native architecture.
type NumberedRule struct {
	Rule
	Nr int32
}

// Number looks up every rule's syscall with nr (libseccomp's table, in the
// helper) and returns the rules it knows, in order, and the names it does
// not. Unknown names are skipped, not refused, as runc does: a profile
// written for newer kernels names syscalls an older libseccomp lacks.
func (f *Filter) Number(nr func(name string) (int32, bool)) (rules []NumberedRule, unknown []string) {
	for _, r := range f.Rules {
		n, ok := nr(r.Syscall)
		if !ok {
			unknown = append(unknown, r.Syscall)
			continue
		}
		rules = append(rules, NumberedRule{Rule: r, Nr: n})
	}
	return rules, unknown
}
