package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/hull-project/hull/libcontainer/console"
	"github.com/hull-project/hull/spec"
	"golang.org/x/sys/unix"
)

// ttyProxy is what `run` in the foreground does with process.terminal and
// no --console-socket (as runc does): receive the pty master itself and
// copy it to and from hull's own stdio, with hull's terminal in raw mode.
type ttyProxy struct {
	dir        string
	socketPath string
	ln         *net.UnixListener
	master     chan *os.File
	pty        *os.File
	saved      *unix.Termios
	outputDone chan struct{}
}

// specWantsTerminal peeks at process.terminal before create loads the spec.
// It reads config.json through spec.ReadConfig, as create does, so that an
// oversized file is refused unread here too (os.ReadFile made `run` hold a
// 68 MB config whole before create refused it); any error is create's to
// report.
func specWantsTerminal(bundle string) bool {
	data, err := spec.ReadConfig(bundle)
	if err != nil {
		return false
	}
	var s struct {
		Process *struct {
			Terminal bool `json:"terminal"`
		} `json:"process"`
	}
	return json.Unmarshal(data, &s) == nil && s.Process != nil && s.Process.Terminal
}

func newTTYProxy() (*ttyProxy, error) {
	dir, err := os.MkdirTemp("", "hull-tty-")
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	p := &ttyProxy{dir: dir, socketPath: filepath.Join(dir, "console.sock"), master: make(chan *os.File, 1)}
	p.ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: p.socketPath, Net: "unix"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("console socket: %w", err)
	}
	go p.accept()
	return p, nil
}

func (p *ttyProxy) accept() {
	conn, err := p.ln.AcceptUnix()
	if err != nil {
		close(p.master)
		return
	}
	defer conn.Close()
	f, err := conn.File()
	if err != nil {
		close(p.master)
		return
	}
	defer f.Close()
	m, err := console.RecvFd(f)
	if err != nil {
		close(p.master)
		return
	}
	p.master <- m
}

// Attach starts copying once init has sent the master.
func (p *ttyProxy) Attach() {
	m, ok := <-p.master
	if !ok {
		return
	}
	p.pty = m
	if t, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		p.saved = t
		raw := *t
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		_ = unix.IoctlSetTermios(0, unix.TCSETS, &raw)
		p.Resize()
	}
	go func() { _, _ = io.Copy(m, os.Stdin) }()
	done := make(chan struct{})
	go func() { _, _ = io.Copy(os.Stdout, m); close(done) }()
	p.outputDone = done
}

// Resize copies hull's terminal size to the container's.
func (p *ttyProxy) Resize() {
	if p.pty == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(int(p.pty.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// Close waits for the container's last output, restores the terminal and
// removes the socket.
func (p *ttyProxy) Close() {
	if p.outputDone != nil {
		<-p.outputDone
		p.outputDone = nil
	}
	if p.saved != nil {
		_ = unix.IoctlSetTermios(0, unix.TCSETS, p.saved)
		p.saved = nil
	}
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	os.RemoveAll(p.dir)
}
