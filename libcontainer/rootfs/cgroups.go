package rootfs

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/hull-project/hull/spec"
	"os"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// hierarchy is one cgroup v1 hierarchy as mounted on the host.
type hierarchy struct {
	mountpoint string   // e.g. /sys/fs/cgroup/cpu,cpuacct
	options    []string // the controllers (or name=...) in its super options
}

// name is the directory the hierarchy gets inside the container's cgroup
// tmpfs: the host's own name for it, so tools find the usual layout.
func (h hierarchy) name() string { return filepath.Base(h.mountpoint) }

// mountCgroupV1 builds /sys/fs/cgroup for a v1 container: a tmpfs holding
// one mount per hierarchy. With a cgroup namespace each hierarchy is mounted
// for real (the kernel shows the container its own subtree); without, the
// container's own cgroup dir is bind-mounted so it cannot see its parents.
func (m *mounter) mountCgroupV1(dest string, opts mountOptions) error {
	hs, err := hostHierarchies()
	if err != nil {
		return err
	}
	base := mountOptions{flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, data: "mode=755", propagation: opts.propagation}
	if err := m.mountFS(dest, "tmpfs", "tmpfs", base); err != nil {
		return err
	}
	for _, h := range hs {
		if err := m.mountHierarchy(dest, h, mountOptions{flags: opts.flags}); err != nil {
			return fmt.Errorf("cgroup %s: %w", h.name(), err)
		}
		if err := m.comountLinks(dest, h); err != nil {
			return err
		}
	}
	if opts.flags&unix.MS_RDONLY == 0 {
		return nil
	}
	// The tmpfs was writable while it was filled; now it gets the mount's ro.
	top, err := m.root.open(dest)
	if err != nil {
		return err
	}
	defer top.Close()
	return remountBind(top, base.flags|unix.MS_RDONLY)
}

func (m *mounter) mountHierarchy(dest string, h hierarchy, opts mountOptions) error {
	at := filepath.Join(dest, h.name())
	if spec.HasNamespace(m.cfg.Spec, specs.CgroupNamespace) {
		opts.data = strings.Join(h.options, ",")
		return m.mountFS(at, "cgroup", "cgroup", opts)
	}
	dir := m.cgroupDir(h)
	if dir == "" {
		return nil // the container has no cgroup in this hierarchy
	}
	opts.flags |= unix.MS_BIND | unix.MS_REC
	return m.bind(at, dir, opts)
}

// cgroupDir finds the container's directory in hierarchy h.
func (m *mounter) cgroupDir(h hierarchy) string {
	for subsys, dir := range m.cfg.CgroupPaths {
		if subsys != "" && within(h.mountpoint, dir) {
			return dir
		}
	}
	return ""
}

// comountLinks adds cpu -> cpu,cpuacct style symlinks for a hierarchy that
// holds several controllers, as the host has them.
func (m *mounter) comountLinks(dest string, h hierarchy) error {
	name := h.name()
	if !strings.Contains(name, ",") {
		return nil
	}
	dir, err := m.root.open(dest)
	if err != nil {
		return err
	}
	defer dir.Close()
	for _, sub := range strings.Split(name, ",") {
		err := unix.Symlinkat(name, int(dir.Fd()), sub)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink %s/%s: %w", dest, sub, err)
		}
	}
	return nil
}

// mountCgroupV2 mounts cgroup2 inside a cgroup namespace, and otherwise
// binds the container's own cgroup2 dir so the host tree stays hidden.
func (m *mounter) mountCgroupV2(dest string, opts mountOptions) error {
	if spec.HasNamespace(m.cfg.Spec, specs.CgroupNamespace) {
		err := m.mountFS(dest, "cgroup2", "cgroup2", opts)
		if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EBUSY) {
			return err
		}
	}
	dir, ok := m.cfg.CgroupPaths[""]
	if !ok || dir == "" {
		return errors.New("cgroup2 mount without a cgroup namespace needs the container's cgroup2 dir (CgroupPaths[\"\"])")
	}
	opts.flags |= unix.MS_BIND | unix.MS_REC
	return m.bind(dest, dir, opts)
}

// hostHierarchies lists the cgroup v1 hierarchies mounted in this mount
// namespace, one entry per hierarchy even if it is mounted twice.
func hostHierarchies() ([]hierarchy, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var hs []hierarchy
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		mi, ok := parseMountinfo(sc.Text())
		if !ok || mi.fstype != "cgroup" || seen[mi.major] {
			continue
		}
		seen[mi.major] = true
		hs = append(hs, hierarchy{mountpoint: mi.mountpoint, options: cgroupOptions(mi.superOptions)})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].mountpoint < hs[j].mountpoint })
	return hs, sc.Err()
}

// cgroupOptions keeps the super options that name a hierarchy's controllers.
func cgroupOptions(super string) []string {
	var out []string
	for _, o := range strings.Split(super, ",") {
		switch {
		case o == "rw" || o == "ro" || o == "clone_children" || o == "xattr":
		case strings.HasPrefix(o, "release_agent="):
		default:
			out = append(out, o)
		}
	}
	return out
}

// unifiedHost reports whether the host runs cgroup v2 only, with cgroup2
// itself mounted on /sys/fs/cgroup.
func unifiedHost() bool {
	var s unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &s) == nil && int64(s.Type) == unix.CGROUP2_SUPER_MAGIC
}
