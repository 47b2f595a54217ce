package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/hull-project/hull/libcontainer/console"
)

// receiveMaster reads the pty master from one accepted connection.
func receiveMaster(conn *net.UnixConn) (*os.File, error) {
	defer conn.Close()
	sock, err := conn.File()
	if err != nil {
		return nil, fmt.Errorf("accepted socket: %w", err)
	}
	defer sock.Close()
	master, err := console.RecvFd(sock)
	if err != nil {
		return nil, err
	}
	if err := console.ClearONLCR(master); err != nil {
		master.Close()
		return nil, err
	}
	return master, nil
}

// serveSingle copies one container's terminal to out and in to it, until the
// container's side of the terminal is closed.
func serveSingle(l *net.UnixListener, in io.Reader, out io.Writer) error {
	conn, err := l.AcceptUnix()
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	// One terminal only: stop listening so a second connect fails.
	l.Close()
	master, err := receiveMaster(conn)
	if err != nil {
		return err
	}
	defer master.Close()
	go func() { _, _ = io.Copy(master, in) }()
	if _, err := io.Copy(out, master); err != nil && !isEIO(err) {
		return fmt.Errorf("copy from terminal: %w", err)
	}
	return nil
}

// serveNull accepts terminals until the listener is closed and drains each
// one so that the container never blocks on a full terminal. A client that
// sends no terminal is reported and the server goes on.
func serveNull(l *net.UnixListener, logw io.Writer) error {
	for {
		conn, err := l.AcceptUnix()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		master, err := receiveMaster(conn)
		if err != nil {
			fmt.Fprintln(logw, "recvtty:", err)
			continue
		}
		go func() {
			defer master.Close()
			_, _ = io.Copy(io.Discard, master)
		}()
	}
}

// isEIO tells the end of a terminal (the last slave fd closed) from a real error.
func isEIO(err error) bool {
	return errors.Is(err, syscall.EIO)
}
