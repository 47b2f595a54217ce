package spec

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ipcSysctls are the kernel.* keys the IPC namespace owns (runc's list).
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// checkSysctl refuses any key that would write to a namespace the container
// does not own, since /proc/sys is only partly namespaced and the write
// would change the host (runc's rules, libcontainer/configs/validate).
func checkSysctl(p *problems, sysctl map[string]string, ns nsSet) {
	for _, key := range sortedKeys(sysctl) {
		if msg := sysctlProblem(dotted(key), ns); msg != "" {
			p.add(fmt.Sprintf("linux.sysctl[%q]", key), "%s", msg)
		}
	}
}

func sysctlProblem(key string, ns nsSet) string {
	switch {
	case ipcSysctls[key] || strings.HasPrefix(key, "fs.mqueue."):
		if !ns.has(specs.IPCNamespace) {
			return "needs an IPC namespace (it would change the host's)"
		}
	case strings.HasPrefix(key, "net."):
		return netSysctlProblem(ns)
	case key == "kernel.hostname":
		return "not allowed: set the hostname field instead"
	case key == "kernel.domainname":
		if !ns.has(specs.UTSNamespace) {
			return "needs a UTS namespace (it would change the host's)"
		}
	default:
		return "not in a namespace the container can own: it would change the host"
	}
	return ""
}

func netSysctlProblem(ns nsSet) string {
	path, ok := ns[specs.NetworkNamespace]
	if !ok {
		return "needs a network namespace (it would change the host's)"
	}
	if path == "" {
		return ""
	}
	host, err := isHostNetNS(path)
	if err != nil {
		return "" // the namespace path check already reports a bad path
	}
	if host {
		return fmt.Sprintf("not allowed: %s is the host's network namespace", path)
	}
	return ""
}

// dotted normalises the "/"-separated form sysctl(8) also accepts
// ("net/ipv4/conf/eth0.100/rp_filter") to the dotted form the rules use,
// swapping the separators so dots inside names survive.
func dotted(key string) string {
	i := strings.IndexAny(key, "./")
	if i < 0 || key[i] == '.' {
		return key
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, key)
}
