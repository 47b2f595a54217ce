package console

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// maxNameLen is the receive buffer for the name sent with a fd (runc's
// utils.MaxNameLen); go-runc's ReceiveMaster rejects a name that fills it.
const maxNameLen = 4096

// SendMaster connects to the --console-socket listener at socketPath and
// sends it the pty master.
func SendMaster(socketPath string, master *os.File) error {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socketPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("connect to console socket: %w", err)
	}
	defer conn.Close()
	sock, err := conn.File()
	if err != nil {
		return fmt.Errorf("console socket %s: %w", socketPath, err)
	}
	defer sock.Close()
	if err := SendFd(sock, master); err != nil {
		return fmt.Errorf("console socket %s: %w", socketPath, err)
	}
	return nil
}

// SendFd sends f over the unix socket sock with SCM_RIGHTS. The message
// payload is f's name, which is what runc sends and what containerd's shim
// and runc's recvtty read back as the file's name.
func SendFd(sock, f *os.File) error {
	name := f.Name()
	if len(name) >= maxNameLen {
		return fmt.Errorf("send fd: name of %d bytes, want less than %d", len(name), maxNameLen)
	}
	oob := unix.UnixRights(int(f.Fd()))
	if err := unix.Sendmsg(int(sock.Fd()), []byte(name), oob, nil, 0); err != nil {
		return fmt.Errorf("send fd of %s: %w", name, err)
	}
	return nil
}

// RecvFd receives one fd sent by SendFd (or runc) on sock and returns it as a
// file named by the message payload.
func RecvFd(sock *os.File) (*os.File, error) {
	name := make([]byte, maxNameLen)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, flags, _, err := unix.Recvmsg(int(sock.Fd()), name, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive fd: %w", err)
	}
	if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		return nil, errors.New("receive fd: message truncated")
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("receive fd: parse control message: %w", err)
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("receive fd: want 1 control message, got %d", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		return nil, fmt.Errorf("receive fd: %w", err)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("receive fd: want 1 fd, got %d", len(fds))
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
