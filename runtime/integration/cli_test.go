package integration

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/libcontainer/console"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestTerminalThroughConsoleSocket(t *testing.T) {
	e := newEnv(t)
	sock := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		conn, err := ln.AcceptUnix()
		if err != nil {
			got <- "accept: " + err.Error()
			return
		}
		defer conn.Close()
		f, _ := conn.File()
		defer f.Close()
		master, err := console.RecvFd(f)
		if err != nil {
			got <- "recv: " + err.Error()
			return
		}
		defer master.Close()
		buf := make([]byte, 4096)
		var out []byte
		for {
			n, err := master.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				break
			}
		}
		got <- string(out)
	}()
	b := e.bundle(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.ConsoleSize = &specs.Box{Height: 33, Width: 111}
		s.Process.Args = []string{"sh", "-c", "tty; stty size; test -t 0 && echo stdin-is-tty"}
	})
	id := e.id()
	must(t, e.hull("create", "--console-socket", sock, "--bundle", b, id), "create with terminal")
	must(t, e.hull("start", id), "start")
	select {
	case out := <-got:
		out = strings.ReplaceAll(out, "\r", "")
		if !strings.Contains(out, "/dev/pts/0") || !strings.Contains(out, "33 111") || !strings.Contains(out, "stdin-is-tty") {
			t.Fatalf("terminal output: %q", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no terminal output")
	}
}

func TestPreserveFds(t *testing.T) {
	e := newEnv(t)
	extra, err := os.CreateTemp(t.TempDir(), "fd3")
	if err != nil {
		t.Fatal(err)
	}
	extra.WriteString("passed through\n")
	extra.Seek(0, 0)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c", "cat <&3; ls /proc/self/fd | wc -l"} })
	cmd := hullCmd(e.root, "run", "--preserve-fds", "1", "--bundle", b, e.id())
	cmd.ExtraFiles = []*os.File{extra}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run --preserve-fds: %v", err)
	}
	// ls sees 0,1,2, the preserved 3, the fd of its own readdir, and nothing leaked.
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 2 || lines[0] != "passed through" || lines[1] != "5" {
		t.Fatalf("output %q", out)
	}
}

func TestNoLeakedFds(t *testing.T) {
	e := newEnv(t)
	out := e.sh("ls /proc/self/fd", nil)
	if strings.Join(strings.Fields(out), " ") != "0 1 2 3" { // 3 is ls's own directory fd
		t.Fatalf("fds in the container: %q", out)
	}
}

func TestLogJSONOnError(t *testing.T) {
	e := newEnv(t)
	log := filepath.Join(t.TempDir(), "log.json")
	r := e.hull("--log", log, "--log-format", "json", "start", "no-such-container")
	if r.code == 0 {
		t.Fatal("start of a missing container succeeded")
	}
	data, _ := os.ReadFile(log)
	var entry struct{ Level, Msg, Time string }
	if err := json.Unmarshal(data, &entry); err != nil || entry.Level != "error" || !strings.Contains(entry.Msg, "no-such-container") || entry.Time == "" {
		t.Fatalf("log %q: %v", data, err)
	}
}

func TestSpecFeaturesVersion(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	must(t, e.hull("spec", "--bundle", dir), "spec")
	var ours, theirs specs.Spec
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(data, &ours); err != nil {
		t.Fatal(err)
	}
	if r := e.hull("spec", "--bundle", dir); r.code == 0 {
		t.Fatal("spec overwrote an existing config.json")
	}
	if _, err := exec.LookPath("runc"); err == nil {
		rdir := t.TempDir()
		c := exec.Command("runc", "spec")
		c.Dir = rdir
		if err := c.Run(); err == nil {
			data, _ := os.ReadFile(filepath.Join(rdir, "config.json"))
			json.Unmarshal(data, &theirs)
			ours.Version, theirs.Version = "", ""
			a, _ := json.Marshal(ours)
			b, _ := json.Marshal(theirs)
			if string(a) != string(b) {
				t.Fatalf("hull spec differs from runc spec:\n%s\n%s", a, b)
			}
		}
	}
	r := must(t, e.hull("features"), "features")
	var f struct {
		Linux struct{ Namespaces []string } `json:"linux"`
		Hooks []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &f); err != nil || len(f.Linux.Namespaces) != 8 || len(f.Hooks) != 6 {
		t.Fatalf("features: %v %s", err, r.stdout)
	}
	r = must(t, e.hull("--version"), "--version")
	if !strings.HasPrefix(r.stdout, "hull version ") || !strings.Contains(r.stdout, "spec: 1.") {
		t.Fatalf("--version: %q", r.stdout)
	}
}

// Many containers created, started and deleted at once by separate hull
// processes must not disturb each other.
func TestConcurrentContainers(t *testing.T) {
	e := newEnv(t)
	b := e.bundle(func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c", "echo $0", "ok"} })
	const n = 12
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		id := e.id()
		go func() {
			cmd := hullCmd(e.root, "run", "--bundle", b, id)
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "ok" {
				errs <- id + ": " + string(out)
				return
			}
			errs <- ""
		}()
	}
	for i := 0; i < n; i++ {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}
