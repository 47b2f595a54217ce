package exec

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// User is a resolved numeric identity.
type User struct {
	UID, GID       uint32
	AdditionalGids []uint32
}

// ResolveUser turns an image's USER value ("name", "uid", "name:group",
// "uid:gid", "" for root) into numbers using the rootfs's /etc/passwd and
// /etc/group, read without following symlinks out of rootfs.
func ResolveUser(rootfs, spec string) (User, error) {
	if spec == "" {
		return User{}, nil
	}
	name, group, hasGroup := strings.Cut(spec, ":")
	u, primary, err := lookupUser(rootfs, name)
	if err != nil {
		return User{}, err
	}
	gid := primary
	if hasGroup {
		if gid, err = lookupGroup(rootfs, group); err != nil {
			return User{}, err
		}
	}
	return User{UID: u, GID: gid, AdditionalGids: supplementary(rootfs, name, gid)}, nil
}

// lookupUser returns the uid and primary gid of a user name or number. A bare
// number absent from /etc/passwd is allowed, with gid 0 as docker does.
func lookupUser(rootfs, name string) (uint32, uint32, error) {
	n, numErr := strconv.ParseUint(name, 10, 32)
	var uid, gid uint32
	found := false
	err := scanColonFile(rootfs, "/etc/passwd", func(f []string) bool {
		if len(f) < 4 || (f[0] != name && f[2] != name) {
			return false
		}
		u, e1 := strconv.ParseUint(f[2], 10, 32)
		g, e2 := strconv.ParseUint(f[3], 10, 32)
		if e1 != nil || e2 != nil {
			return false
		}
		uid, gid, found = uint32(u), uint32(g), true
		return true
	})
	if err != nil && numErr != nil {
		return 0, 0, fmt.Errorf("user %q: %w", name, err)
	}
	if found {
		return uid, gid, nil
	}
	if numErr == nil {
		return uint32(n), 0, nil
	}
	return 0, 0, fmt.Errorf("user %q: no such user in /etc/passwd", name)
}

func lookupGroup(rootfs, group string) (uint32, error) {
	if n, err := strconv.ParseUint(group, 10, 32); err == nil {
		return uint32(n), nil
	}
	var gid uint32
	found := false
	err := scanColonFile(rootfs, "/etc/group", func(f []string) bool {
		if len(f) < 3 || f[0] != group {
			return false
		}
		g, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return false
		}
		gid, found = uint32(g), true
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("group %q: %w", group, err)
	}
	if !found {
		return 0, fmt.Errorf("group %q: no such group in /etc/group", group)
	}
	return gid, nil
}

// supplementary lists the groups naming user as a member (best effort: a
// missing /etc/group just means none).
func supplementary(rootfs, user string, primary uint32) []uint32 {
	var gids []uint32
	_ = scanColonFile(rootfs, "/etc/group", func(f []string) bool {
		if len(f) < 4 {
			return false
		}
		g, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil || uint32(g) == primary {
			return false
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == user {
				gids = append(gids, uint32(g))
			}
		}
		return false
	})
	return gids
}

// scanColonFile calls fn with the fields of each line of a passwd-style file
// inside rootfs until fn returns true.
func scanColonFile(rootfs, name string, fn func([]string) bool) error {
	p, err := securejoin.SecureJoin(rootfs, name)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", name, err)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist in the image", name)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if fn(strings.Split(line, ":")) {
			return nil
		}
	}
	return sc.Err()
}
