package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks a spec before anything is created for it. bundle is the
// directory a relative root.path is resolved against. It reports every
// problem found, joined with errors.Join, each a *FieldError naming the
// JSON field; nil means the spec is usable. Unknown capability names are
// not errors (see UnknownCapabilities).
func Validate(s *specs.Spec, bundle string) error {
	if s == nil {
		return &FieldError{Field: "(spec)", Msg: "missing"}
	}
	var p problems
	checkVersion(&p, s.Version)
	checkRoot(&p, s, bundle)
	checkProcess(&p, s.Process)
	checkMounts(&p, s.Mounts)
	checkHooks(&p, s.Hooks)
	checkLinux(&p, s)
	if len(p) == 1 {
		return p[0] // a plain *FieldError is easiest for callers to inspect
	}
	return errors.Join(p...)
}

// ValidateProcess checks a process given to `hull exec` (--process or
// built from flags) as Validate checks config.json's process.
func ValidateProcess(proc *specs.Process) error {
	var p problems
	checkProcess(&p, proc)
	if len(p) == 1 {
		return p[0]
	}
	return errors.Join(p...)
}

// checkVersion accepts any 1.x version: the spec promises backward
// compatibility within a major version.
func checkVersion(p *problems, v string) {
	if v == "" {
		p.add("ociVersion", "missing")
		return
	}
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n != specs.VersionMajor {
		p.add("ociVersion", "unsupported version %q (hull supports 1.0.0 to %s)", v, specs.Version)
	}
}

func checkRoot(p *problems, s *specs.Spec, bundle string) {
	if s.Root == nil {
		p.add("root", "missing")
		return
	}
	if s.Root.Path == "" {
		p.add("root.path", "missing")
		return
	}
	path := RootfsPath(s, bundle)
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		p.addErr("root.path", err, "%s: %v", path, pathCause(err))
	case !fi.IsDir():
		p.add("root.path", "%s: not a directory", path)
	}
}

func checkProcess(p *problems, proc *specs.Process) {
	if proc == nil {
		p.add("process", "missing")
		return
	}
	if len(proc.Args) == 0 {
		p.add("process.args", "must name the program to run")
	}
	if !filepath.IsAbs(proc.Cwd) {
		p.add("process.cwd", "%q is not an absolute path", proc.Cwd)
	}
	checkRlimits(p, proc.Rlimits)
	if adj := proc.OOMScoreAdj; adj != nil && (*adj < -1000 || *adj > 1000) {
		p.add("process.oomScoreAdj", "%d is outside -1000..1000", *adj)
	}
}

func checkRlimits(p *problems, rls []specs.POSIXRlimit) {
	seen := map[string]bool{}
	for i, rl := range rls {
		field := fmt.Sprintf("process.rlimits[%d]", i)
		if _, ok := Rlimits[rl.Type]; !ok {
			p.add(field+".type", "unknown rlimit %q", rl.Type)
		} else if seen[rl.Type] {
			p.add(field+".type", "duplicate rlimit %s", rl.Type)
		}
		seen[rl.Type] = true
		if rl.Soft > rl.Hard {
			p.add(field+".soft", "soft limit %d is above hard limit %d", rl.Soft, rl.Hard)
		}
	}
}

func checkMounts(p *problems, mounts []specs.Mount) {
	for i, m := range mounts {
		field := fmt.Sprintf("mounts[%d]", i)
		if !filepath.IsAbs(m.Destination) {
			p.add(field+".destination", "%q is not an absolute path", m.Destination)
		}
		for j, o := range m.Options {
			if looksLikePropagation(o) && !IsKnownMountOption(o) {
				p.add(fmt.Sprintf("%s.options[%d]", field, j),
					"unknown propagation %q (known: private, shared, slave, unbindable and their r- forms)", o)
			}
		}
		if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
			p.add(field, "idmapped mounts (uidMappings/gidMappings) are not supported")
		}
	}
}

// looksLikePropagation catches misspelt propagation options, which would
// otherwise be passed to the filesystem as data and, on a bind mount, be
// silently ignored by the kernel.
func looksLikePropagation(opt string) bool {
	if strings.Contains(opt, "=") {
		return false
	}
	o := strings.ToLower(opt)
	for _, word := range []string{"private", "shared", "slave", "bindable"} {
		if strings.Contains(o, word) {
			return true
		}
	}
	return false
}

func checkHooks(p *problems, h *specs.Hooks) {
	if h == nil {
		return
	}
	sets := map[string][]specs.Hook{
		//lint:ignore SA1019 deprecated but still run (as runc does), so still checked
		"prestart": h.Prestart, "createRuntime": h.CreateRuntime, "createContainer": h.CreateContainer,
		"startContainer": h.StartContainer, "poststart": h.Poststart, "poststop": h.Poststop,
	}
	for _, name := range hookNames {
		for i, hook := range sets[name] {
			if !filepath.IsAbs(hook.Path) {
				p.add(fmt.Sprintf("hooks.%s[%d].path", name, i), "%q is not an absolute path", hook.Path)
			}
			if hook.Timeout != nil && *hook.Timeout <= 0 {
				p.add(fmt.Sprintf("hooks.%s[%d].timeout", name, i), "%d must be greater than zero", *hook.Timeout)
			}
		}
	}
}
