package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsSet is the spec's namespaces by type: the path to join, or "" for a new
// namespace.
type nsSet map[specs.LinuxNamespaceType]string

func (s nsSet) has(t specs.LinuxNamespaceType) bool { _, ok := s[t]; return ok }

func (s nsSet) isNew(t specs.LinuxNamespaceType) bool { path, ok := s[t]; return ok && path == "" }

func checkNamespaces(p *problems, nss []specs.LinuxNamespace) nsSet {
	set := nsSet{}
	for i, ns := range nss {
		field := fmt.Sprintf("linux.namespaces[%d]", i)
		if _, ok := NamespaceFlags[ns.Type]; !ok {
			p.add(field+".type", "unknown namespace type %q", ns.Type)
			continue
		}
		if set.has(ns.Type) {
			p.add(field+".type", "duplicate %s namespace", ns.Type)
			continue
		}
		set[ns.Type] = ns.Path
		if ns.Path != "" {
			checkNamespacePath(p, field+".path", ns)
		}
	}
	return set
}

// nsGetNSType is NS_GET_NSTYPE (_IO(0xb7, 0x3)), missing from x/sys/unix:
// it returns the CLONE_NEW* flag of a namespace file descriptor.
const nsGetNSType = 0xb703

// checkNamespacePath makes sure a namespace to join is really a namespace
// file (nsfs) of the right type, so a typo fails here with the field name
// instead of as an obscure setns error inside the container's init.
func checkNamespacePath(p *problems, field string, ns specs.LinuxNamespace) {
	path := ns.Path
	if !filepath.IsAbs(path) {
		p.add(field, "%q is not an absolute path", path)
		return
	}
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		p.addErr(field, err, "%s: %v", path, err)
		return
	}
	if st.Type != unix.NSFS_MAGIC {
		p.add(field, "%s is not a namespace file (nsfs)", path)
		return
	}
	got, err := namespaceType(path)
	if err != nil {
		p.addErr(field, err, "%s: %v", path, err)
		return
	}
	if want := NamespaceFlags[ns.Type]; got != 0 && got != want {
		p.add(field, "%s is a namespace of type %s, not %s", path, namespaceName(got), ns.Type)
	}
}

// namespaceType returns the CLONE_NEW* flag of the namespace at path, or 0
// when the kernel is too old to say (before 4.11).
func namespaceType(path string) (uintptr, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	t, err := unix.IoctlRetInt(fd, nsGetNSType)
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return 0, nil
	}
	return uintptr(t), err
}

func namespaceName(flag uintptr) string {
	for t, f := range NamespaceFlags {
		if f == flag {
			return string(t)
		}
	}
	return fmt.Sprintf("unknown (%#x)", flag)
}

// checkIDMappings: mappings are written for a user namespace hull creates;
// a joined one already has its own, and without a user namespace they would
// silently mean nothing.
func checkIDMappings(p *problems, l *specs.Linux, ns nsSet) {
	maps := []struct {
		field string
		m     []specs.LinuxIDMapping
	}{{"linux.uidMappings", l.UIDMappings}, {"linux.gidMappings", l.GIDMappings}}
	for _, mp := range maps {
		switch {
		case !ns.has(specs.UserNamespace) && len(mp.m) > 0:
			p.add(mp.field, "need a user namespace (add {\"type\": \"user\"} to linux.namespaces)")
		case ns.has(specs.UserNamespace) && !ns.isNew(specs.UserNamespace) && len(mp.m) > 0:
			p.add(mp.field, "cannot be set when joining the user namespace at %s", ns[specs.UserNamespace])
		case ns.isNew(specs.UserNamespace) && len(mp.m) == 0:
			p.add(mp.field, "missing: a new user namespace needs mappings (or give the user namespace a path to join)")
		default:
			checkMappingRanges(p, mp.field, mp.m)
		}
	}
}

// checkMappingRanges applies the kernel's rules for uid_map/gid_map: each
// range non-empty, within 32 bits, and no two ranges overlapping on either
// the container or the host side.
func checkMappingRanges(p *problems, field string, m []specs.LinuxIDMapping) {
	for i, e := range m {
		f := fmt.Sprintf("%s[%d]", field, i)
		if e.Size == 0 {
			p.add(f+".size", "must be greater than zero")
			continue
		}
		if uint64(e.ContainerID)+uint64(e.Size) > 1<<32 || uint64(e.HostID)+uint64(e.Size) > 1<<32 {
			p.add(f+".size", "range %d+%d goes past the largest id", max(e.ContainerID, e.HostID), e.Size)
			continue
		}
		for j := 0; j < i; j++ {
			o := m[j]
			if overlaps(e.ContainerID, e.Size, o.ContainerID, o.Size) {
				p.add(f+".containerID", "range %d-%d overlaps %s[%d]", e.ContainerID, uint64(e.ContainerID)+uint64(e.Size)-1, field, j)
			}
			if overlaps(e.HostID, e.Size, o.HostID, o.Size) {
				p.add(f+".hostID", "range %d-%d overlaps %s[%d]", e.HostID, uint64(e.HostID)+uint64(e.Size)-1, field, j)
			}
		}
	}
}

func overlaps(a, asize, b, bsize uint32) bool {
	return uint64(a) < uint64(b)+uint64(bsize) && uint64(b) < uint64(a)+uint64(asize)
}

// isHostNetNS reports whether the namespace at path is the network namespace
// hull itself runs in ("host" meaning current, as runc means it).
func isHostNetNS(path string) (bool, error) {
	var self, other unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		return false, &os.PathError{Op: "stat", Path: "/proc/self/ns/net", Err: err}
	}
	if err := unix.Stat(path, &other); err != nil {
		return false, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return self.Dev == other.Dev && self.Ino == other.Ino, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
