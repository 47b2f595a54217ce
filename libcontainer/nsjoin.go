package libcontainer

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer/nsenter"
	"github.com/hull-project/hull/libcontainer/procfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsenterNames are the namespace names of the nsenter protocol.
var nsenterNames = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace: "user", specs.MountNamespace: "mnt", specs.PIDNamespace: "pid",
	specs.NetworkNamespace: "net", specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// needsNsenter tells whether init needs the C constructor: user, mount and
// pid namespaces cannot be joined by a thread of a Go program; joining
// anything from inside a new user namespace would lack the privileges over
// the target (so nsenter joins first and creates the new namespaces after);
// and a new time namespace holds only the children of the process that
// made it (exec enters it only on newer kernels), so nsenter forks.
func needsNsenter(sp *specs.Spec) bool {
	if sp.Linux == nil {
		return false
	}
	paths, newUser := false, false
	for _, ns := range sp.Linux.Namespaces {
		switch {
		case ns.Path != "":
			paths = true
			if !goJoinable[ns.Type] {
				return true
			}
		case ns.Type == specs.TimeNamespace:
			return true
		case ns.Type == specs.UserNamespace:
			newUser = true
		}
	}
	return paths && newUser
}

// nsenterPlan is the parent's side of the nsenter protocol for one init.
type nsenterPlan struct {
	env                   []string
	newUser               bool
	uidMaps, gidMaps      []specs.LinuxIDMapping
	syncParent, syncChild *os.File
	pidR, pidW            *os.File
}

func newNsenterPlan(sp *specs.Spec) (*nsenterPlan, error) {
	p := &nsenterPlan{uidMaps: sp.Linux.UIDMappings, gidMaps: sp.Linux.GIDMappings}
	var paths []string
	var flags uintptr
	for _, ns := range sp.Linux.Namespaces {
		switch {
		case ns.Path != "":
			paths = append(paths, nsenterNames[ns.Type]+":"+ns.Path)
		default:
			flags |= cloneFlags(ns.Type)
			p.newUser = p.newUser || ns.Type == specs.UserNamespace
			if ns.Type == specs.TimeNamespace {
				p.env = append(p.env, nsenter.EnvTimensOffsets+"="+timeOffsets(sp.Linux.TimeOffsets))
			}
		}
	}
	p.env = append(p.env,
		nsenter.EnvNSEnter+"=1",
		nsenter.EnvNSPaths+"="+strings.Join(paths, ","),
		nsenter.EnvUnshare+"="+strconv.FormatUint(uint64(flags), 10),
	)
	var err error
	if p.pidR, p.pidW, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("nsenter pid pipe: %w", err)
	}
	if p.newUser {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("nsenter sync socket: %w", err)
		}
		p.syncParent, p.syncChild = os.NewFile(uintptr(fds[0]), "nsenter-sync"), os.NewFile(uintptr(fds[1]), "nsenter-sync-child")
	}
	return p, nil
}

// addFiles appends the child's ends of the protocol's fds to extra and
// names them in the environment.
func (p *nsenterPlan) addFiles(extra []*os.File) []*os.File {
	p.env = append(p.env, nsenter.EnvPidFD+"="+strconv.Itoa(3+len(extra)))
	extra = append(extra, p.pidW)
	if p.syncChild != nil {
		p.env = append(p.env, nsenter.EnvSyncFD+"="+strconv.Itoa(3+len(extra)))
		extra = append(extra, p.syncChild)
	}
	return extra
}

// afterStart serves the constructor (id maps of a new user namespace) and
// returns the pid of the container's init, which is a grandchild when the
// constructor had to fork for a pid namespace.
func (p *nsenterPlan) afterStart(childPid int) (int, error) {
	p.pidW.Close()
	if p.syncChild != nil {
		p.syncChild.Close()
		if err := p.writeMaps(childPid); err != nil {
			return 0, err
		}
	}
	line, err := bufio.NewReader(p.pidR).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("nsenter failed (see its error output above)")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("nsenter sent a bad pid %q", line)
	}
	return pid, nil
}

func (p *nsenterPlan) writeMaps(pid int) error {
	buf := make([]byte, 1)
	if n, _ := p.syncParent.Read(buf); n != 1 || buf[0] != nsenter.SyncUserNS {
		return fmt.Errorf("nsenter failed before creating the user namespace (see its error output above)")
	}
	for file, maps := range map[string][]specs.LinuxIDMapping{"uid_map": p.uidMaps, "gid_map": p.gidMaps} {
		var b strings.Builder
		for _, m := range maps {
			fmt.Fprintf(&b, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
		}
		path := "/proc/" + strconv.Itoa(pid) + "/" + file
		if err := procfs.WriteFile(path, []byte(b.String())); err != nil {
			return fmt.Errorf("linux.%s: %w", strings.ToUpper(file[:1])+"idMappings", err)
		}
	}
	if _, err := p.syncParent.Write([]byte{1}); err != nil {
		return fmt.Errorf("nsenter sync: %w", err)
	}
	return nil
}

func (p *nsenterPlan) close() {
	for _, f := range []*os.File{p.pidR, p.pidW, p.syncParent, p.syncChild} {
		if f != nil {
			f.Close()
		}
	}
}

// timeOffsets renders linux.timeOffsets as timens_offsets(5) lines.
func timeOffsets(offsets map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for clock, off := range offsets {
		fmt.Fprintf(&b, "%s %d %d\n", clock, off.Secs, off.Nanosecs)
	}
	return b.String()
}
