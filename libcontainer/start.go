package libcontainer

import (
	"fmt"
	"io"
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
// writing, and reads init's byte. If init dies instead, it says so rather
// than hang.
func (c *Container) openFifo() error {
	path := state.FifoPath(c.root, c.st.ID)
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_RDONLY, 0)
		done <- result{f, err}
	}()
	pidfd, err := unix.PidfdOpen(c.st.InitPid, 0)
	if err != nil {
		return fmt.Errorf("container %s init: %w", c.st.ID, err)
	}
	defer unix.Close(pidfd)
	for {
		select {
		case r := <-done:
			if r.err != nil {
				return fmt.Errorf("open exec fifo: %w", r.err)
			}
			return c.readFifo(r.f, path)
		default:
		}
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, 1); n > 0 {
			// A short-lived process may have run and exited already: init's
			// byte then still waits in the fifo, held by our pending reader.
			return c.readExitedFifo(path)
		}
	}
}

// readExitedFifo decides, once init is gone, whether it had been released
// (its byte is in the fifo) or died before start.
func (c *Container) readExitedFifo(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cannot start container %s: its init exited", c.st.ID)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := unix.Read(fd, buf)
	if n <= 0 {
		return fmt.Errorf("cannot start container %s: its init exited", c.st.ID)
	}
	return c.fifoResult(buf[:n], path)
}

func (c *Container) readFifo(f *os.File, path string) error {
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read exec fifo: %w", err)
	}
	return c.fifoResult(data, path)
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
