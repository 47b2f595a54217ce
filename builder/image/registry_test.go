package image

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// startRegistry runs Debian's docker-registry on a free loopback port with
// its storage in a temp dir, stopped when the test ends.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry is not installed (apt-get install docker-registry): registry push/pull not tested")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	must(t, os.WriteFile(cfgPath, []byte(cfg), 0o644))
	cmd := exec.Command(bin, "serve", cfgPath)
	logPath := filepath.Join(dir, "registry.log")
	logFile, err := os.Create(logPath)
	must(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("registry log:\n%s", log)
		}
	})
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if i == 100 {
			t.Fatalf("registry on %s did not come up: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRegistryPushPull(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	addr := startRegistry(t)
	ref := addr + "/hull/test:v1"
	must(t, Push(s, img, ref))
	if got := skopeoDigest(t, "docker://"+ref); got != img.ManifestDesc.Digest.String() {
		t.Errorf("registry serves %s, want %s", got, img.ManifestDesc.Digest)
	}
	s2 := openStore(t)
	back, err := Pull(s2, ref)
	must(t, err)
	if back.ManifestDesc.Digest != img.ManifestDesc.Digest {
		t.Errorf("pulled %s, want %s", back.ManifestDesc.Digest, img.ManifestDesc.Digest)
	}
	dirs, err := back.LayerDirs(s2)
	must(t, err)
	if b, err := os.ReadFile(filepath.Join(dirs[1], "hello")); err != nil || string(b) != "hi\n" {
		t.Errorf("pulled top layer hello = %q %v", b, err)
	}
	if _, err := Pull(s2, addr+"/hull/missing:v1"); err == nil {
		t.Error("pull of a missing image succeeded")
	}
}

// TestRegistryPullDockerSchema2 pulls an image the registry serves with
// docker media types (as Docker Hub does): it must come in as an OCI image
// with the same layers.
func TestRegistryPullDockerSchema2(t *testing.T) {
	requireTool(t, "skopeo")
	s := openStore(t)
	img := buildTestImage(t, s)
	addr := startRegistry(t)
	layout := filepath.Join(t.TempDir(), "layout")
	must(t, Export(s, img, "oci", layout, "v1"))
	ref := addr + "/hull/docker:v1"
	out, err := exec.Command("skopeo", "copy", "--format", "v2s2", "--dest-tls-verify=false", "oci:"+layout+":v1", "docker://"+ref).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	s2 := openStore(t)
	back, err := Pull(s2, ref)
	must(t, err)
	if back.Manifest.MediaType != ocispec.MediaTypeImageManifest || back.Manifest.Layers[0].MediaType != ocispec.MediaTypeImageLayerGzip {
		t.Errorf("pulled manifest has types %s / %s, want OCI ones", back.Manifest.MediaType, back.Manifest.Layers[0].MediaType)
	}
	if got, want := back.Config.RootFS.DiffIDs, img.Config.RootFS.DiffIDs; len(got) != 2 || got[1] != want[1] {
		t.Errorf("diff ids %v, want %v", got, want)
	}
	dirs, err := back.LayerDirs(s2)
	must(t, err)
	if _, err := os.Stat(filepath.Join(dirs[1], "hello")); err != nil {
		t.Errorf("top layer lacks hello: %v", err)
	}
}
