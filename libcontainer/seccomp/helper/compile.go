//go:build cgo

package main

import (
	"fmt"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/hull-project/hull/libcontainer/seccomp"
)

// compile feeds a translated profile to libseccomp. Everything that needs a
// decision (defaults, skips, OR-ing repeated arguments) was made in package
// seccomp, in pure Go; here each step maps one to one.
func compile(f *seccomp.Filter) (*libseccomp.ScmpFilter, error) {
	def, err := action(f.Default)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	filter, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("create filter: %w", err)
	}
	if err := build(filter, f); err != nil {
		filter.Release()
		return nil, err
	}
	return filter, nil
}

func build(filter *libseccomp.ScmpFilter, f *seccomp.Filter) error {
	for _, a := range f.Arches {
		arch, err := libseccomp.GetArchFromString(a.Name)
		if err == nil {
			err = filter.AddArch(arch)
		}
		if err != nil {
			major, minor, micro := libseccomp.GetLibraryVersion()
			return fmt.Errorf("%s: libseccomp %d.%d.%d: %w", a.Field, major, minor, micro, err)
		}
	}
	if f.BinaryTree {
		// Only a faster filter: an older libseccomp without it still
		// builds a correct one, so an error is not fatal (as in runc).
		_ = filter.SetOptimize(2)
	}
	rules, _ := f.Number(syscallNumber)
	for _, r := range rules {
		if err := addRule(filter, r); err != nil {
			return fmt.Errorf("%s: syscall %q: %w", r.Field(), r.Syscall, err)
		}
	}
	return nil
}

func syscallNumber(name string) (int32, bool) {
	nr, err := libseccomp.GetSyscallFromName(name)
	return int32(nr), err == nil
}

func addRule(filter *libseccomp.ScmpFilter, r seccomp.NumberedRule) error {
	act, err := action(r.Action)
	if err != nil {
		return err
	}
	if len(r.Conds) == 0 {
		return filter.AddRule(libseccomp.ScmpSyscall(r.Nr), act)
	}
	conds := make([]libseccomp.ScmpCondition, 0, len(r.Conds))
	for _, c := range r.Conds {
		cond, err := condition(c)
		if err != nil {
			return err
		}
		conds = append(conds, cond)
	}
	return filter.AddRuleConditional(libseccomp.ScmpSyscall(r.Nr), act, conds)
}

func action(a seccomp.Action) (libseccomp.ScmpAction, error) {
	switch a.Kind {
	case seccomp.ActKillThread:
		return libseccomp.ActKillThread, nil
	case seccomp.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case seccomp.ActTrap:
		return libseccomp.ActTrap, nil
	case seccomp.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(int16(a.Data)), nil
	case seccomp.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(int16(a.Data)), nil
	case seccomp.ActAllow:
		return libseccomp.ActAllow, nil
	case seccomp.ActLog:
		return libseccomp.ActLog, nil
	case seccomp.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("action kind %d unknown to the helper", a.Kind)
}

var compareOps = [...]libseccomp.ScmpCompareOp{
	seccomp.OpNotEqual:     libseccomp.CompareNotEqual,
	seccomp.OpLessThan:     libseccomp.CompareLess,
	seccomp.OpLessEqual:    libseccomp.CompareLessOrEqual,
	seccomp.OpEqual:        libseccomp.CompareEqual,
	seccomp.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	seccomp.OpGreaterThan:  libseccomp.CompareGreater,
	seccomp.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

func condition(c seccomp.Cond) (libseccomp.ScmpCondition, error) {
	if int(c.Op) >= len(compareOps) || c.Op == 0 {
		return libseccomp.ScmpCondition{}, fmt.Errorf("comparison %d unknown to the helper", c.Op)
	}
	op := compareOps[c.Op]
	if c.Op == seccomp.OpMaskedEqual {
		return libseccomp.MakeCondition(c.Arg, op, c.Value, c.Datum)
	}
	return libseccomp.MakeCondition(c.Arg, op, c.Value)
}
