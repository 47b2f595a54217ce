package spec

import specs "github.com/opencontainers/runtime-spec/specs-go"

// HasNewNamespace tells whether s asks for a new namespace of type typ
// (listed without a path).
func HasNewNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ && ns.Path == "" {
			return true
		}
	}
	return false
}

// HasNamespace tells whether s lists a namespace of type typ, new or
// joined by path (absent means the runtime's own).
func HasNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			return true
		}
	}
	return false
}
