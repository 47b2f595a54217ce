package console

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func newPty(t *testing.T) (*os.File, string) {
	t.Helper()
	master, slavePath, err := NewPty()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close() })
	if !strings.HasPrefix(slavePath, "/dev/pts/") {
		t.Fatalf("slave path %q is not under /dev/pts", slavePath)
	}
	return master, slavePath
}

func socketpair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func rdev(t *testing.T, f *os.File) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return st.Rdev
}

// TestSendRecvPty passes a real pty master over a socketpair and talks
// through the received copy.
func TestSendRecvPty(t *testing.T) {
	master, slavePath := newPty(t)
	a, b := socketpair(t)
	if err := SendFd(a, master); err != nil {
		t.Fatal(err)
	}
	got, err := RecvFd(b)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.Name() != "/dev/ptmx" {
		t.Errorf("received name %q, want /dev/ptmx", got.Name())
	}
	if got.Fd() == master.Fd() || rdev(t, got) != rdev(t, master) {
		t.Errorf("received fd %d is not a new fd of the same pty master", got.Fd())
	}
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	if err := ClearONLCR(got); err != nil {
		t.Fatal(err)
	}
	if _, err := slave.WriteString("from slave\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(got).ReadString('\n')
	if err != nil || line != "from slave\n" {
		t.Errorf("read %q, %v from the received master; want %q", line, err, "from slave\n")
	}
}

func TestSendMaster(t *testing.T) {
	master, _ := newPty(t)
	sockPath := filepath.Join(t.TempDir(), "console.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := l.AcceptUnix()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		sock, err := conn.File()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer sock.Close()
		f, err := RecvFd(sock)
		done <- result{f, err}
	}()
	if err := SendMaster(sockPath, master); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.f.Close()
	if rdev(t, r.f) != rdev(t, master) {
		t.Error("the listener received a different device than the pty master")
	}
}

func TestSendMasterNoListener(t *testing.T) {
	master, _ := newPty(t)
	sock := filepath.Join(t.TempDir(), "missing.sock")
	if err := SendMaster(sock, master); err == nil || !strings.Contains(err.Error(), "console socket") {
		t.Errorf("want a console socket error, got %v", err)
	}
}

func TestRecvFdWithoutFd(t *testing.T) {
	a, b := socketpair(t)
	if _, err := a.WriteString("no fd here"); err != nil {
		t.Fatal(err)
	}
	if f, err := RecvFd(b); err == nil {
		f.Close()
		t.Error("want an error for a message without a fd")
	}
}

func TestResize(t *testing.T) {
	master, _ := newPty(t)
	if err := Resize(master, 132, 43); err != nil {
		t.Fatal(err)
	}
	ws, err := unix.IoctlGetWinsize(int(master.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Col != 132 || ws.Row != 43 {
		t.Errorf("size %dx%d, want 132x43", ws.Col, ws.Row)
	}
}

const childEnv = "_HULL_CONSOLE_TEST_SLAVE"

func TestMain(m *testing.M) {
	if slave := os.Getenv(childEnv); slave != "" {
		os.Exit(runChild(slave))
	}
	os.Exit(m.Run())
}

// runChild takes the slave as its terminal, then reports what it sees through it.
func runChild(slavePath string) int {
	if err := SetupSlaveStdio(slavePath); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	// Fields after "comm)": state ppid pgrp session tty_nr ...
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	sid, _ := unix.Getsid(0)
	fmt.Printf("tty_nr=%s leader=%t\n", fields[4], sid == os.Getpid())
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Fprintf(os.Stderr, "stdin=%q err=%v\n", line, err)
	return 0
}

func TestSetupSlaveStdio(t *testing.T) {
	master, slavePath := newPty(t)
	if err := ClearONLCR(master); err != nil {
		t.Fatal(err)
	}
	// No echo, so the output holds only what the child writes.
	tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(int(master.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/proc/self/exe", "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+slavePath)
	var stderr strings.Builder
	cmd.Stderr = &stderr // replaced by the pty inside the child
	// Reading the master ends with EIO only once every slave fd is closed
	// after one was opened. Hold one until the child is gone, so the read
	// below ends even if the child fails before opening the slave.
	hold, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		hold.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitErr := make(chan error, 1)
	go func() {
		waitErr <- cmd.Wait()
		hold.Close()
	}()
	if _, err := master.WriteString("typed\n"); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(master)
	if err := <-waitErr; err != nil {
		t.Fatalf("child: %v: %s %s", err, out, stderr.String())
	}
	var st unix.Stat_t
	if err := unix.Stat(slavePath, &st); err != nil {
		t.Fatal(err)
	}
	want := "tty_nr=" + strconv.FormatUint(st.Rdev, 10) + " leader=true\n" + `stdin="typed\n" err=<nil>` + "\n"
	if string(out) != want {
		t.Errorf("child wrote %q through the pty, want %q", out, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("child wrote %q to its original stderr, want everything on the pty", stderr.String())
	}
}
