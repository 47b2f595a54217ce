package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds config.json bytes through Load (decode and Validate), as
// `hull create` does with a bundle it is given. Any input may be refused,
// but none may panic, and an accepted config must survive the round trip
// through state.json's encoding. Run it bounded: make fuzz.
func FuzzLoad(f *testing.F) {
	seed, err := json.Marshal(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"ociVersion":"1.0.0","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"}}`))
	f.Add([]byte(`{"ociVersion":"1.2.0","linux":{"namespaces":[{"type":"pid","path":"/proc/1/ns/pid"}],"sysctl":{"net.ipv4.ip_forward":"1"}}}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","mounts":[{"destination":"../../x","type":"bind","source":"/","options":["rbind","idmap"]}]}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":2}],"user":{"uid":4294967295}}}`))
	f.Add([]byte(`[]`))
	bundle := f.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.Symlink(filepath.Join(bundle, "rootfs"), filepath.Join(dir, "rootfs")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Load(dir)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("accepted config does not encode again: %v", err)
		}
	})
}
