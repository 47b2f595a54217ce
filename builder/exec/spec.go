package exec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SpecOptions is what a step's or a bundle's config.json is made from.
type SpecOptions struct {
	Rootfs   string // absolute, or relative to the bundle
	Readonly bool
	Args     []string
	Env      []string
	Cwd      string
	User     User
	Hostname string
	Network  string // "host" shares the host's network namespace; anything else gets a new one
	Terminal bool
	Mounts   []specs.Mount // added after the defaults
}

// defaultCaps is the capability set docker and buildkit give build steps and
// containers (runc spec's three would break package managers).
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// Spec returns a runtime spec shaped like `runc spec`'s default (namespaces,
// proc/sys/dev mounts, masked and read-only paths) for o.
func Spec(o SpecOptions) *specs.Spec {
	cwd := o.Cwd
	if cwd == "" {
		cwd = "/"
	}
	return &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: o.Rootfs, Readonly: o.Readonly},
		Hostname: o.Hostname,
		Process: &specs.Process{
			Terminal: o.Terminal,
			Args:     o.Args,
			Env:      o.Env,
			Cwd:      cwd,
			User:     specs.User{UID: o.User.UID, GID: o.User.GID, AdditionalGids: o.User.AdditionalGids},
			Capabilities: &specs.LinuxCapabilities{
				Bounding: defaultCaps, Effective: defaultCaps, Permitted: defaultCaps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Mounts: append(defaultMounts(), o.Mounts...),
		Linux: &specs.Linux{
			Namespaces:    namespaces(o.Network),
			MaskedPaths:   maskedPaths,
			ReadonlyPaths: readonlyPaths,
		},
	}
}

func namespaces(network string) []specs.LinuxNamespace {
	ns := []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}}
	if network != "host" {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	return ns
}

func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}
}

var maskedPaths = []string{
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
}

var readonlyPaths = []string{
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
}
