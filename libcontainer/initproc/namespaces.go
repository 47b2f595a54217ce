package initproc

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// newNamespaces lists the namespace types the container gets fresh (no path).
func newNamespaces(cfg *Config) map[string]bool {
	m := map[string]bool{}
	if cfg.Spec.Linux == nil {
		return m
	}
	for _, ns := range cfg.Spec.Linux.Namespaces {
		if ns.Path == "" {
			m[string(ns.Type)] = true
		}
	}
	return m
}

// lateNamespaces does the namespace work that cannot happen at clone time:
// joining namespaces by path that a Go thread may join (net, ipc, uts,
// cgroup), and creating the cgroup namespace (it must be rooted at the
// cgroup the parent just moved us into). The time namespace is made by the
// nsenter constructor, which must fork into it.
func (s *initState) lateNamespaces() error {
	for _, ns := range s.cfg.SetnsInInit {
		if err := setnsPath(ns); err != nil {
			return err
		}
	}
	if s.newNS[string(specs.CgroupNamespace)] {
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("unshare cgroup namespace: %w", err)
		}
	}
	return nil
}

func setnsPath(ns specs.LinuxNamespace) error {
	fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("linux.namespaces %s path %s: %w", ns.Type, ns.Path, err)
	}
	defer unix.Close(fd)
	if err := unix.Setns(fd, 0); err != nil {
		return fmt.Errorf("join %s namespace %s: %w", ns.Type, ns.Path, err)
	}
	return nil
}

// loopbackUp brings lo up in a new network namespace, as runc does.
func (s *initState) loopbackUp() error {
	if !s.newNS[string(specs.NetworkNamespace)] {
		return nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("get lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}
