package exec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveUser(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n")
	write("group", "root:x:0:\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:root\n")
	tests := []struct {
		spec    string
		want    User
		wantErr string
	}{
		{spec: "", want: User{}},
		{spec: "root", want: User{UID: 0, GID: 0, AdditionalGids: []uint32{10}}},
		{spec: "app", want: User{UID: 1000, GID: 1001, AdditionalGids: []uint32{50}}},
		{spec: "1000", want: User{UID: 1000, GID: 1001}},
		{spec: "app:staff", want: User{UID: 1000, GID: 50}},
		{spec: "4242", want: User{UID: 4242, GID: 0}},
		{spec: "4242:7", want: User{UID: 4242, GID: 7}},
		{spec: "ghost", wantErr: `user "ghost": no such user`},
		{spec: "app:ghosts", wantErr: `group "ghosts": no such group`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ResolveUser(root, tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UID != tt.want.UID || got.GID != tt.want.GID {
				t.Errorf("got %d:%d, want %d:%d", got.UID, got.GID, tt.want.UID, tt.want.GID)
			}
			if tt.want.AdditionalGids != nil && len(got.AdditionalGids) != len(tt.want.AdditionalGids) {
				t.Errorf("additional gids %v, want %v", got.AdditionalGids, tt.want.AdditionalGids)
			}
		})
	}
}

// TestResolveUserSymlinkedPasswd: /etc/passwd as a symlink to a host path is
// read inside the rootfs, never from the host.
func TestResolveUserSymlinkedPasswd(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "etc", "passwd")); err != nil {
		t.Fatal(err)
	}
	// The host's /etc/passwd has root; the rootfs has no passwd at all.
	if _, err := ResolveUser(root, "root"); err == nil {
		t.Fatal("resolved a user through a symlink to the host's /etc/passwd")
	}
}
