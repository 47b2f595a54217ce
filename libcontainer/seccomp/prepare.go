package seccomp

import (
	"encoding/json"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Prepare is what `hull create` calls, in the parent, before it makes
// anything for the container: it validates s, checks its flags against the
// kernel, and compiles it to BPF through hull-seccomp, or takes the BPF
// from the cache under stateRoot when the same profile was compiled before.
// It returns nil (and no error) when s asks for no filter, as runc does for
// a profile with neither a default action nor syscalls.
func Prepare(stateRoot string, s *specs.LinuxSeccomp) (*Program, error) {
	if Empty(s) {
		return nil, nil
	}
	plan, err := Translate(s)
	if err != nil {
		return nil, err
	}
	flags, err := loadFlags(s, plan)
	if err != nil {
		return nil, err
	}
	filter, err := compileCached(stateRoot, s)
	if err != nil {
		return nil, err
	}
	return &Program{Filter: filter, Flags: flags, Notify: plan.Notify}, nil
}

// compileCached returns the BPF for s from the cache, or from the helper
// (and then caches it).
func compileCached(stateRoot string, s *specs.LinuxSeccomp) ([]byte, error) {
	profile, err := filterProfile(s)
	if err != nil {
		return nil, err
	}
	helper, err := FindHelper()
	if err != nil {
		return nil, err
	}
	key, err := cacheKey(helper, profile)
	if err != nil {
		return nil, err
	}
	c := newCache(stateRoot)
	if filter := c.get(key); filter != nil {
		return filter, nil
	}
	filter, err := runHelper(helper, profile)
	if err != nil {
		return nil, err
	}
	if err := checkFilter(filter); err != nil {
		return nil, fmt.Errorf("compile seccomp profile: %s wrote an unusable filter: %w", helper, err)
	}
	// A cache that cannot be written (read-only or full state root) costs
	// the next container a compile; it is no reason to fail this one.
	_ = c.put(key, filter)
	return filter, nil
}

// filterProfile is the canonical JSON of the fields of s that shape the
// BPF: what the helper is given and what the cache key covers. Flags and
// the listener only matter at load time, so two containers that differ
// only there share one cache entry.
func filterProfile(s *specs.LinuxSeccomp) ([]byte, error) {
	b, err := json.Marshal(specs.LinuxSeccomp{
		DefaultAction:   s.DefaultAction,
		DefaultErrnoRet: s.DefaultErrnoRet,
		Architectures:   s.Architectures,
		Syscalls:        s.Syscalls,
	})
	if err != nil {
		return nil, fmt.Errorf("encode seccomp profile: %w", err)
	}
	return b, nil
}
