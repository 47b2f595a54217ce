package libcontainer

import (
	"fmt"
	"os"
	"time"

	"github.com/hull-project/hull/libcontainer/hooks"
	"github.com/hull-project/hull/libcontainer/state"
	"golang.org/x/sys/unix"
)

// Start lets a created container's init exec the user's process.
func Start(root, id string) error {
	c, lock, err := loadLocked(root, id)
	if err != nil {
		return err
	}
	defer lock.Release()
	if st := c.Status(); st != state.Created {
		return fmt.Errorf("cannot start container %s: it is %s, not created", id, st)
	}
	if err := c.openFifo(); err != nil {
		return err
	}
	c.poststart()
	return nil
}

// openFifo opens the exec fifo for reading, which unblocks init's open for
// writing, and reads until EOF: init writes '0', runs the startContainer
// hooks and execs, and the exec closes its (close-on-exec) write end; any
// bytes after the '0' are init's error. One poll watches the fifo and init's
// pidfd, so an init that dies instead is reported, not waited for. A fifo
// opened O_NONBLOCK reports no hang-up before its first writer came.
func (c *Container) openFifo() error {
	// The pidfd comes first: opening the fifo releases init, and a short
	// process can then exec, exit and be reaped by its parent (a shim, a
	// subreaper) before a later pidfd_open, which would fail with ESRCH
	// although the container ran. Init is blocked in its open of the fifo
	// until then, so the pid is still init's, and the check below rules out
	// a pid reused after an init that died while created. From here on the
	// pidfd tells only when to stop waiting; the fifo's content decides.
	pidfd, err := unix.PidfdOpen(c.st.InitPid, 0)
	if err != nil {
		return fmt.Errorf("container %s init: %w", c.st.ID, err)
	}
	defer unix.Close(pidfd)
	if !c.st.InitAlive() {
		return fmt.Errorf("cannot start container %s: init exited before start", c.st.ID)
	}
	path := state.FifoPath(c.root, c.st.ID)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	data, err := readUntilEOF(fd, pidfd)
	if err != nil {
		return fmt.Errorf("read exec fifo: %w", err)
	}
	return c.fifoResult(data, path)
}

// readUntilEOF collects what the fifo's writer sends until it closes, or
// what is left in the fifo once the process behind pidfd has exited.
func readUntilEOF(fd, pidfd int) ([]byte, error) {
	var data []byte
	buf := make([]byte, 4096)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return nil, err
		}
		exited := fds[1].Revents&unix.POLLIN != 0
		if fds[0].Revents&(unix.POLLIN|unix.POLLHUP) == 0 && !exited {
			continue
		}
		for {
			n, err := unix.Read(fd, buf)
			if n > 0 {
				data = append(data, buf[:n]...)
				continue
			}
			if n == 0 || exited {
				return data, nil // EOF: the writer closed (or never came)
			}
			if err == unix.EAGAIN {
				break
			}
			return nil, err
		}
	}
}

func (c *Container) fifoResult(data []byte, path string) error {
	if len(data) == 0 {
		return fmt.Errorf("cannot start container %s: init exited before exec", c.st.ID)
	}
	if len(data) > 1 {
		return fmt.Errorf("cannot start container %s: %s", c.st.ID, data[1:])
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	return nil
}

// poststart runs the poststart hooks; the spec says failures are only
// warnings there.
func (c *Container) poststart() {
	if c.st.Hooks == nil || len(c.st.Hooks.Poststart) == 0 {
		return
	}
	if err := hooks.Run("poststart", c.st.Hooks.Poststart, c.hookState(state.Running, c.st.InitPid)); err != nil {
		warn("%v", err)
	}
}

func warn(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s hull: warning: %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
}
