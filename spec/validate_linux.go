package spec

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func checkLinux(p *problems, s *specs.Spec) {
	l := s.Linux
	if l == nil {
		l = &specs.Linux{} // no namespaces: everything is shared with the host
	}
	ns := checkNamespaces(p, l.Namespaces)
	checkIDMappings(p, l, ns)
	checkUTS(p, s, ns)
	checkTimeOffsets(p, l, ns)
	checkSysctl(p, l.Sysctl, ns)
	checkPathLists(p, l, ns)
	checkDevices(p, l.Devices)
	checkRootfsPropagation(p, l.RootfsPropagation)
	checkCgroupsPath(p, l.CgroupsPath)
	checkSeccomp(p, l.Seccomp)
}

// checkUTS follows runc: the hostname may only be set in a UTS namespace
// listed in the spec (a new one, or one joined by path), never the host's.
func checkUTS(p *problems, s *specs.Spec, ns nsSet) {
	if ns.has(specs.UTSNamespace) {
		return
	}
	if s.Hostname != "" {
		p.add("hostname", "setting it needs a UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)")
	}
	if s.Domainname != "" {
		p.add("domainname", "setting it needs a UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)")
	}
}

// checkTimeOffsets: offsets can only be written before any process enters
// a time namespace, so they need a new one.
func checkTimeOffsets(p *problems, l *specs.Linux, ns nsSet) {
	if len(l.TimeOffsets) == 0 {
		return
	}
	if !ns.isNew(specs.TimeNamespace) {
		p.add("linux.timeOffsets", "need a new time namespace (add {\"type\": \"time\"} without a path to linux.namespaces)")
	}
	for _, clock := range sortedKeys(l.TimeOffsets) {
		if clock != "monotonic" && clock != "boottime" {
			p.add(fmt.Sprintf("linux.timeOffsets[%q]", clock), "unknown clock (known: monotonic, boottime)")
		}
	}
}

// checkPathLists: masking /proc entries in the host's mount namespace would
// hide them from the host, so runc refuses it and so do we.
func checkPathLists(p *problems, l *specs.Linux, ns nsSet) {
	for name, paths := range map[string][]string{"linux.maskedPaths": l.MaskedPaths, "linux.readonlyPaths": l.ReadonlyPaths} {
		if len(paths) > 0 && !ns.has(specs.MountNamespace) {
			p.add(name, "needs a mount namespace (add {\"type\": \"mount\"} to linux.namespaces)")
		}
		for i, path := range paths {
			if !filepath.IsAbs(path) {
				p.add(fmt.Sprintf("%s[%d]", name, i), "%q is not an absolute path", path)
			}
		}
	}
}

func checkDevices(p *problems, devs []specs.LinuxDevice) {
	for i, d := range devs {
		field := fmt.Sprintf("linux.devices[%d]", i)
		switch d.Type {
		case "c", "b", "u", "p":
		default:
			p.add(field+".type", "%q is not a device type (c, b, u or p)", d.Type)
		}
		if !filepath.IsAbs(d.Path) {
			p.add(field+".path", "%q is not an absolute path", d.Path)
		}
	}
}

func checkRootfsPropagation(p *problems, prop string) {
	if prop == "" {
		return
	}
	if _, ok := PropagationFlags[prop]; !ok {
		p.add("linux.rootfsPropagation", "unknown propagation %q (known: private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable)", prop)
	}
}

// checkCgroupsPath accepts the cgroupfs driver's forms: an absolute path
// (from the cgroup root) or a relative one (under hull's default parent).
// ".." is refused so a spec cannot place the container outside its parent.
func checkCgroupsPath(p *problems, path string) {
	if path == "" {
		return
	}
	if strings.Count(path, ":") == 2 {
		p.add("linux.cgroupsPath", "%q: systemd cgroup driver not supported yet", path)
		return
	}
	for _, elem := range strings.Split(path, "/") {
		if elem == ".." {
			p.add("linux.cgroupsPath", "%q: must not contain \"..\"", path)
			return
		}
	}
}
