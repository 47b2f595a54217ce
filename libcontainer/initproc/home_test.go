package initproc

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

const testPasswd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
u:x:1000:1000:A User,,,:/home/u:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`

func TestHomeFor(t *testing.T) {
	tests := []struct {
		name   string
		passwd string
		uid    int
		want   string
	}{
		{name: "root", passwd: testPasswd, uid: 0, want: "/root"},
		{name: "user", passwd: testPasswd, uid: 1000, want: "/home/u"},
		{name: "last line", passwd: testPasswd, uid: 65534, want: "/nonexistent"},
		{name: "uid not found", passwd: testPasswd, uid: 4242, want: "/"},
		{name: "empty file", passwd: "", uid: 0, want: "/"},
		{name: "no trailing newline", passwd: "u:x:1000:1000::/home/u:/bin/sh", uid: 1000, want: "/home/u"},
		{name: "CRLF and blanks around", passwd: "  u:x:1000:1000::/home/u:/bin/sh \r\n", uid: 1000, want: "/home/u"},
		{name: "no shell field", passwd: "u:x:1000:1000::/home/u\n", uid: 1000, want: "/home/u"},
		{name: "empty home kept", passwd: "u:x:1000:1000:::/bin/sh\n", uid: 1000, want: ""},
		{name: "first entry wins", passwd: "a:x:1000:1000::/home/a:/bin/sh\nb:x:1000:1000::/home/b:/bin/sh\n", uid: 1000, want: "/home/a"},
		{
			name:   "comments and empty lines skipped",
			passwd: "# root:x:0:0:root:/fake:/bin/sh\n\n   \n\t# comment\nroot:x:0:0:root:/root:/bin/sh\n",
			uid:    0, want: "/root",
		},
		{
			name:   "comment does not count as uid 0",
			passwd: "#just a comment\nroot:x:0:0:root:/root:/bin/sh\n",
			uid:    0, want: "/root",
		},
		{
			name: "malformed lines skipped",
			passwd: strings.Join([]string{
				"garbage",
				"short:x:0:0:gecos",           // five fields
				"bad:x:zero:0::/bad:/bin/sh",  // uid not a number
				"neg:x:-1:0::/neg:/bin/sh",    // negative uid
				"plus:x:+0:0::/plus:/bin/sh",  // not plain decimal
				"big:x:4294967296:0::/big:",   // over 32 bits
				"nul:x:0:0::/n\x00ul:/bin/sh", // NUL byte
				"::::::",
				"root:x:0:0:root:/root:/bin/sh",
			}, "\n"),
			uid: 0, want: "/root",
		},
		{name: "only malformed", passwd: "root:x:0\n::::\n", uid: 0, want: "/"},
		{name: "large uid", passwd: "big:x:2147483647:0::/big:\n", uid: 2147483647, want: "/big"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := homeFor(strings.NewReader(tc.passwd), tc.uid); got != tc.want {
				t.Errorf("homeFor(uid %d) = %q, want %q", tc.uid, got, tc.want)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func TestHomeForBadInput(t *testing.T) {
	tests := []struct {
		name   string
		passwd io.Reader
	}{
		{name: "read error", passwd: io.MultiReader(strings.NewReader("root:x:0:0:root:/root:/bin/sh\n"), failingReader{})},
		{
			// An entry for uid 0 up front, then more than maxPasswdSize.
			name:   "too large",
			passwd: io.MultiReader(strings.NewReader("root:x:0:0:root:/root:/bin/sh\n"), strings.NewReader(strings.Repeat("x", maxPasswdSize))),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := homeFor(tc.passwd, 0); got != "/" {
				t.Errorf("homeFor = %q, want %q", got, "/")
			}
		})
	}
	// Exactly maxPasswdSize is read.
	big := "root:x:0:0:root:/root:/bin/sh\n"
	big += strings.Repeat("#", maxPasswdSize-len(big))
	if got := homeFor(strings.NewReader(big), 0); got != "/root" {
		t.Errorf("homeFor of a file of maxPasswdSize bytes = %q, want /root", got)
	}
}

func TestWithHome(t *testing.T) {
	const looked = "/from/passwd"
	tests := []struct {
		name     string
		env      []string
		want     []string
		wantLook bool
	}{
		{name: "nil env", env: nil, want: []string{"HOME=" + looked}, wantLook: true},
		{name: "no HOME", env: []string{"PATH=/bin", "TERM=xterm"}, want: []string{"PATH=/bin", "TERM=xterm", "HOME=" + looked}, wantLook: true},
		{name: "HOME kept", env: []string{"HOME=/custom", "PATH=/bin"}, want: []string{"HOME=/custom", "PATH=/bin"}},
		{name: "empty HOME replaced", env: []string{"HOME=", "PATH=/bin"}, want: []string{"PATH=/bin", "HOME=" + looked}, wantLook: true},
		{name: "last HOME wins", env: []string{"HOME=/a", "PATH=/bin", "HOME=/b"}, want: []string{"PATH=/bin", "HOME=/b"}},
		{name: "last HOME empty", env: []string{"HOME=/a", "PATH=/bin", "HOME="}, want: []string{"PATH=/bin", "HOME=" + looked}, wantLook: true},
		{name: "empty HOME then set", env: []string{"HOME=", "HOME=/b"}, want: []string{"HOME=/b"}},
		{name: "similar names are not HOME", env: []string{"HOMEDIR=/x", "MYHOME=/y", "home=/z"}, want: []string{"HOMEDIR=/x", "MYHOME=/y", "home=/z", "HOME=" + looked}, wantLook: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.env)
			looks := 0
			got := withHome(in, func() string { looks++; return looked })
			if !slices.Equal(got, tc.want) {
				t.Errorf("withHome(%q) = %q, want %q", tc.env, got, tc.want)
			}
			if (looks > 0) != tc.wantLook || looks > 1 {
				t.Errorf("passwd looked up %d times, want lookup %t", looks, tc.wantLook)
			}
			if !slices.Equal(in, tc.env) {
				t.Errorf("withHome changed its input: %q, was %q", in, tc.env)
			}
			// A second pass (init may call it again) changes nothing.
			if again := withHome(got, func() string { t.Error("second pass looked up passwd"); return "" }); !slices.Equal(again, got) {
				t.Errorf("second withHome = %q, want %q", again, got)
			}
		})
	}
}

func TestPasswdHome(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "passwd")
	if err := os.WriteFile(file, []byte(testPasswd), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("passwd", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		uid  int
		want string
	}{
		{name: "entry", path: file, uid: 1000, want: "/home/u"},
		{name: "no entry", path: file, uid: 7, want: "/"},
		{name: "symlink in the root", path: link, uid: 0, want: "/root"},
		{name: "missing", path: filepath.Join(dir, "missing"), uid: 0, want: "/"},
		{name: "directory", path: dir, uid: 0, want: "/"},
		// No writer: a blocking open would hang.
		{name: "fifo", path: fifo, uid: 0, want: "/"},
		{name: "character device", path: "/dev/zero", uid: 0, want: "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := passwdHome(tc.path, tc.uid); got != tc.want {
				t.Errorf("passwdHome(%s, %d) = %q, want %q", tc.path, tc.uid, got, tc.want)
			}
		})
	}
}
