package rootfs

import (
	"fmt"
	"strings"

	"github.com/hull-project/hull/spec"
	"golang.org/x/sys/unix"
)

// mountOptions is a spec mount's option list split into what each call
// needs: flags for mount(2), propagation changes (each its own call),
// recursive attributes for mount_setattr(2) and the filesystem's data.
type mountOptions struct {
	flags       uintptr
	propagation []uintptr
	rec         spec.MountAttr
	data        string
}

// bind reports whether the options ask for a bind mount.
func (o mountOptions) bind() bool { return o.flags&unix.MS_BIND != 0 }

// ignoredOptions are runtime extensions that change nothing here; passed
// on as data they would make the kernel refuse the mount.
var ignoredOptions = map[string]bool{"tmpcopyup": true}

// unsupportedOptions fail loudly rather than mount with weaker settings.
var unsupportedOptions = map[string]bool{"idmap": true, "ridmap": true}

// parseMountOptions parses with the spec package's parser and drops or
// refuses the data options this package must not hand to the kernel.
func parseMountOptions(opts []string) (mountOptions, error) {
	flags, prop, data, rec := spec.ParseMountOptions(opts)
	var keep []string
	for _, d := range strings.Split(data, ",") {
		switch {
		case unsupportedOptions[d]:
			return mountOptions{}, fmt.Errorf("mount option %q is not supported", d)
		case d != "" && !ignoredOptions[d]:
			keep = append(keep, d)
		}
	}
	return mountOptions{flags: flags, propagation: prop, rec: rec, data: strings.Join(keep, ",")}, nil
}

// rootPropagation maps linux.rootfsPropagation to the flags applied to "/"
// before anything is mounted; the default keeps host mounts from leaking in
// while no container mount can leak out.
func rootPropagation(name string) (uintptr, error) {
	if name == "" {
		return unix.MS_SLAVE | unix.MS_REC, nil
	}
	p, ok := spec.PropagationFlags[name]
	if !ok {
		return 0, fmt.Errorf("linux.rootfsPropagation %q: not one of shared, slave, private, unbindable (or r-prefixed)", name)
	}
	return p, nil
}
