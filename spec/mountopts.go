package spec

import (
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// MountFlag is what a mount option does to mount(2)'s flags: set Flag, or
// clear it for the negative forms ("rw", "suid", "noatime"'s opposite ...).
type MountFlag struct {
	Clear bool
	Flag  uintptr
}

// MountFlags maps the option names of config.json mounts to mount(2) flags.
// An option found nowhere in this package's tables is filesystem data.
var MountFlags = map[string]MountFlag{
	"defaults":      {false, 0},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"nosuid":        {false, unix.MS_NOSUID},
	"suid":          {true, unix.MS_NOSUID},
	"nodev":         {false, unix.MS_NODEV},
	"dev":           {true, unix.MS_NODEV},
	"noexec":        {false, unix.MS_NOEXEC},
	"exec":          {true, unix.MS_NOEXEC},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"remount":       {false, unix.MS_REMOUNT},
	"mand":          {false, unix.MS_MANDLOCK},
	"nomand":        {true, unix.MS_MANDLOCK},
	"atime":         {true, unix.MS_NOATIME},
	"noatime":       {false, unix.MS_NOATIME},
	"diratime":      {true, unix.MS_NODIRATIME},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"relatime":      {false, unix.MS_RELATIME},
	"norelatime":    {true, unix.MS_RELATIME},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"bind":          {false, unix.MS_BIND},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"iversion":      {false, unix.MS_I_VERSION},
	"noiversion":    {true, unix.MS_I_VERSION},
	"silent":        {false, unix.MS_SILENT},
	"loud":          {true, unix.MS_SILENT},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
}

// PropagationFlags maps propagation options to the flags of the separate
// mount(2) call each needs (the kernel refuses them combined with others).
var PropagationFlags = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// MountAttr is a change of mount attributes for mount_setattr(2) with
// AT_RECURSIVE: the recursive options ("rro", "rnosuid" ...) apply to every
// submount of a recursive bind, which mount(2)'s flags cannot do.
type MountAttr struct {
	Set, Clear uint64
}

// Empty reports whether no recursive option was given.
func (a MountAttr) Empty() bool { return a.Set == 0 && a.Clear == 0 }

// recAttr is one recursive option. The atime modes are not single bits but
// a field (MOUNT_ATTR__ATIME) that must be cleared whole and set to one
// value, so those options carry atime=true and their mode in attr.
type recAttr struct {
	clear bool
	atime bool
	attr  uint64
}

// recursiveAttrs maps the recursive options to mount_setattr attributes.
// ratime/rnorelatime/rnostrictatime have no attribute of their own: they
// select the kernel's default (relatime) or full updates (strictatime).
var recursiveAttrs = map[string]recAttr{
	"rro":            {attr: unix.MOUNT_ATTR_RDONLY},
	"rrw":            {clear: true, attr: unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {attr: unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {clear: true, attr: unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {attr: unix.MOUNT_ATTR_NODEV},
	"rdev":           {clear: true, attr: unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {attr: unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {clear: true, attr: unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {attr: unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {clear: true, attr: unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow":   {attr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {clear: true, attr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rnoatime":       {atime: true, attr: unix.MOUNT_ATTR_NOATIME},
	"ratime":         {atime: true, attr: unix.MOUNT_ATTR_RELATIME},
	"rrelatime":      {atime: true, attr: unix.MOUNT_ATTR_RELATIME},
	"rnorelatime":    {atime: true, attr: unix.MOUNT_ATTR_STRICTATIME},
	"rstrictatime":   {atime: true, attr: unix.MOUNT_ATTR_STRICTATIME},
	"rnostrictatime": {atime: true, attr: unix.MOUNT_ATTR_RELATIME},
}

// ParseMountOptions splits a mount's options into mount(2) flags, the
// propagation changes (each needs its own mount(2) call, in order), the
// filesystem data (unknown options, comma-joined, in order) and the
// recursive attributes to apply with mount_setattr(2). Later options win
// over earlier ones, as with mount(8).
func ParseMountOptions(opts []string) (flags uintptr, propagation []uintptr, data string, rec MountAttr) {
	var dataOpts []string
	for _, o := range opts {
		if f, ok := MountFlags[o]; ok {
			if f.Clear {
				flags &^= f.Flag
			} else {
				flags |= f.Flag
			}
			continue
		}
		if p, ok := PropagationFlags[o]; ok {
			propagation = append(propagation, p)
			continue
		}
		if r, ok := recursiveAttrs[o]; ok {
			rec = r.apply(rec)
			continue
		}
		dataOpts = append(dataOpts, o)
	}
	return flags, propagation, strings.Join(dataOpts, ","), rec
}

func (r recAttr) apply(a MountAttr) MountAttr {
	switch {
	case r.atime:
		a.Clear |= unix.MOUNT_ATTR__ATIME
		a.Set = a.Set&^unix.MOUNT_ATTR__ATIME | r.attr
	case r.clear:
		a.Clear |= r.attr
		a.Set &^= r.attr
	default:
		a.Set |= r.attr
		a.Clear &^= r.attr
	}
	return a
}

// IsKnownMountOption reports whether name is an option hull interprets
// itself (not filesystem data).
func IsKnownMountOption(name string) bool {
	_, f := MountFlags[name]
	_, p := PropagationFlags[name]
	_, r := recursiveAttrs[name]
	return f || p || r
}

// mountOptionNames lists every option the parser interprets, sorted, for
// the features document.
func mountOptionNames() []string {
	var names []string
	for n := range MountFlags {
		names = append(names, n)
	}
	for n := range PropagationFlags {
		names = append(names, n)
	}
	for n := range recursiveAttrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
