package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/libcontainer/console"
)

func listen(t *testing.T) (*net.UnixListener, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tty.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// sendPty plays the container's part: it sends a new pty master to the
// socket and returns the slave.
func sendPty(t *testing.T, sock string) *os.File {
	t.Helper()
	master, slavePath, err := console.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close() // recvtty holds its own copy now
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	if err := console.SendMaster(sock, master); err != nil {
		t.Fatal(err)
	}
	return slave
}

func TestServeSingle(t *testing.T) {
	l, sock := listen(t)
	stdinR, stdinW := io.Pipe()
	t.Cleanup(func() { stdinW.Close() })
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serveSingle(l, stdinR, &out) }()

	slave := sendPty(t, sock)
	// Terminal input typed into recvtty's stdin reaches the container.
	if _, err := stdinW.Write([]byte("input\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := slave.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "input") {
		t.Errorf("container read %q, %v; want the input line", buf[:n], err)
	}
	// Output leaves unchanged ("\n" not turned into "\r\n"); echo of the input comes first.
	if _, err := slave.WriteString("line one\nline two\n"); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasSuffix(got, "line one\nline two\n") {
		t.Errorf("recvtty wrote %q, want it to end with the container's output", got)
	}
	if _, err := net.Dial("unix", sock); err == nil {
		t.Error("single mode still accepts connections after the first terminal")
	}
}

func TestServeNull(t *testing.T) {
	l, sock := listen(t)
	var logw bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serveNull(l, &logw) }()

	// A client without a terminal does not stop the server.
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("no fd"))
	conn.Close()

	// More output than a pty buffers: the writes finish only if recvtty drains it.
	big := bytes.Repeat([]byte("x"), 256<<10)
	for i := 0; i < 2; i++ {
		slave := sendPty(t, sock)
		wrote := make(chan error, 1)
		go func() { _, err := slave.Write(big); wrote <- err }()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatalf("terminal %d: %v", i, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("terminal %d: writes blocked, null mode does not drain the terminal", i)
		}
	}
	l.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logw.String(), "receive fd") {
		t.Errorf("log %q: want the bad client reported", logw.String())
	}
}

func TestRunBadArguments(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		mode string
		args []string
		want string
	}{
		{"single", nil, "exactly one socket path"},
		{"single", []string{"a", "b"}, "exactly one socket path"},
		{"double", []string{filepath.Join(dir, "s")}, `--mode "double"`},
		{"single", []string{filepath.Join(dir, "missing", "s")}, "listen"},
	}
	for _, tc := range tests {
		if err := run(tc.mode, "", tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, %q): %v, want an error containing %q", tc.mode, tc.args, err, tc.want)
		}
	}
}

// TestBinary runs the real command: once the pid file exists the socket
// accepts, and the container's output comes out on recvtty's stdout.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "recvtty")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	sock, pidFile := filepath.Join(dir, "tty.sock"), filepath.Join(dir, "pid")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "--mode", "single", "--pid-file", pidFile, sock)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var pid []byte
	for range 500 {
		if data, err := os.ReadFile(pidFile); err == nil && bytes.HasSuffix(data, []byte("\n")) {
			pid = data
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if want := strconv.Itoa(cmd.Process.Pid) + "\n"; string(pid) != want {
		t.Fatalf("pid file holds %q, want %q (stderr %s)", pid, want, stderr.String())
	}
	slave := sendPty(t, sock)
	// recvtty clears ONLCR once it has the master; output written before
	// that would still get "\r\n".
	for range 500 {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Oflag&unix.ONLCR == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := slave.WriteString("hello from the container\n"); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("recvtty: %v: %s", err, stderr.String())
	}
	if got := stdout.String(); got != "hello from the container\n" {
		t.Errorf("stdout %q, want the container's output unchanged", got)
	}
}
