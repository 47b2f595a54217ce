package initproc

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// HOME, as runc sets it: when process.env has no HOME, or its last HOME
// is empty, the process gets the home directory of process.user.uid from
// the container's /etc/passwd, or "/" when the file has no entry for the
// uid or cannot be read. A HOME the spec sets is kept.

// passwdPath is the container's passwd file, as init sees it: init runs
// in the container's root (after pivot_root, or after joining the mount
// namespace for exec), so the path cannot lead outside it.
const passwdPath = "/etc/passwd"

// defaultHome is runc's HOME for a uid without a passwd entry.
const defaultHome = "/"

// maxPasswdSize bounds what init reads of the container-controlled passwd
// file; a larger file is ignored, as a missing one is.
const maxPasswdSize = 4 << 20

// setHome adds HOME to process.env unless the spec sets it, changing the
// spec's env in place. It is a step before the credential change, as runc
// reads the file as root: a passwd file the container's user may not read
// still gives its home.
func (s *initState) setHome() error {
	p := s.cfg.Spec.Process
	uid := int(p.User.UID)
	p.Env = withHome(p.Env, func() string { return passwdHome(passwdPath, uid) })
	return nil
}

// withHome returns env with HOME set as runc sets it (runc's prepareEnv):
// the last HOME entry decides; if its value is not empty it stays, and
// earlier HOME entries go; otherwise every HOME entry goes and
// "HOME="+home() is appended. home is only called when it is needed.
func withHome(env []string, home func() string) []string {
	last, n := -1, 0
	for i, kv := range env {
		if strings.HasPrefix(kv, "HOME=") {
			last, n = i, n+1
		}
	}
	set := last >= 0 && env[last] != "HOME="
	if set && n == 1 {
		return env
	}
	out := make([]string, 0, len(env)+1)
	for i, kv := range env {
		if strings.HasPrefix(kv, "HOME=") && !(set && i == last) {
			continue
		}
		out = append(out, kv)
	}
	if !set {
		out = append(out, "HOME="+home())
	}
	return out
}

// passwdHome returns the home directory of uid in the passwd file at path,
// or "/" when the file is missing, unreadable, not a regular file or too
// large. The file belongs to the container: it is opened without blocking
// (a FIFO there must not hang init) and without becoming a controlling
// terminal, and only a regular file is read.
func passwdHome(path string, uid int) string {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return defaultHome
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return defaultHome
	}
	return homeFor(f, uid)
}

// homeFor returns the home directory of the first entry for uid in passwd
// (name:password:uid:gid:gecos:home:shell, see passwd(5)), or "/" when
// there is none, when reading fails or when passwd is over maxPasswdSize.
// Blank lines, comments (#) and malformed lines (fewer than six fields, a
// uid that is not a decimal number, a NUL byte) are skipped. The home is
// taken as written, even empty, as runc does.
func homeFor(passwd io.Reader, uid int) string {
	data, err := io.ReadAll(io.LimitReader(passwd, maxPasswdSize+1))
	if err != nil || len(data) > maxPasswdSize {
		return defaultHome
	}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' || bytes.IndexByte(line, 0) >= 0 {
			continue
		}
		fields := strings.Split(string(line), ":")
		if len(fields) < 6 {
			continue
		}
		id, err := strconv.ParseUint(fields[2], 10, 32)
		if err != nil || int64(id) != int64(uid) {
			continue
		}
		return fields[5]
	}
	return defaultHome
}
