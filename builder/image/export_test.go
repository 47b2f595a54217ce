package image

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed: cannot check the export with it", name)
	}
}

// skopeoDigest runs skopeo inspect on ref and returns the manifest digest it saw.
func skopeoDigest(t *testing.T, ref string) string {
	t.Helper()
	requireTool(t, "skopeo")
	out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", ref).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect %s: %v\n%s", ref, err, out)
	}
	var info struct {
		Digest string
		Layers []string
	}
	must(t, json.Unmarshal(out, &info))
	return info.Digest
}

func TestExportOCILayout(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	dir := filepath.Join(t.TempDir(), "layout")
	must(t, Export(s, img, "oci", dir, "v1"))
	must(t, Export(s, img, "oci", dir, "v2")) // a second tag in the same layout
	for _, tag := range []string{"v1", "v2"} {
		if got := skopeoDigest(t, "oci:"+dir+":"+tag); got != img.ManifestDesc.Digest.String() {
			t.Errorf("skopeo sees %s for %s, want %s", got, tag, img.ManifestDesc.Digest)
		}
	}
	requireTool(t, "umoci")
	bundle := filepath.Join(t.TempDir(), "bundle")
	if out, err := exec.Command("umoci", "unpack", "--image", dir+":v1", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	if b, err := os.ReadFile(filepath.Join(rootfs, "hello")); err != nil || string(b) != "hi\n" {
		t.Errorf("umoci rootfs hello = %q %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(rootfs, "etc", "hosts")); !os.IsNotExist(err) {
		t.Errorf("etc/hosts deleted by the top layer is present after umoci unpack: %v", err)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "bin", "busybox")); err != nil {
		t.Errorf("umoci rootfs lacks busybox: %v", err)
	}
	// And back in: same manifest digest.
	s2 := openStore(t)
	back, err := Pull(s2, "oci:"+dir+":v2")
	must(t, err)
	if back.ManifestDesc.Digest != img.ManifestDesc.Digest {
		t.Errorf("pulled back %s, want %s", back.ManifestDesc.Digest, img.ManifestDesc.Digest)
	}
	if _, err := Pull(s2, "oci:"+dir+":nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("pull of a missing tag: %v", err)
	}
}

func TestExportOCIArchive(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	file := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, img, "oci-archive", file, "v1"))
	if got := skopeoDigest(t, "oci-archive:"+file+":v1"); got != img.ManifestDesc.Digest.String() {
		t.Errorf("skopeo sees %s, want %s", got, img.ManifestDesc.Digest)
	}
	back, err := Pull(openStore(t), "oci-archive:"+file)
	must(t, err)
	if back.ManifestDesc.Digest != img.ManifestDesc.Digest {
		t.Errorf("pulled back %s, want %s", back.ManifestDesc.Digest, img.ManifestDesc.Digest)
	}
	// Equal images give byte-identical archives.
	file2 := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, img, "oci-archive", file2, "v1"))
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(file2)
	if string(a) != string(b) {
		t.Error("two exports of the same image differ")
	}
}

func TestExportDockerArchive(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	file := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, img, "docker-archive", file, "test/app:v1"))
	requireTool(t, "skopeo")
	out, err := exec.Command("skopeo", "inspect", "--config", "docker-archive:"+file).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), img.Config.RootFS.DiffIDs[1].String()) {
		t.Errorf("skopeo's view of the config lacks the top diff id:\n%s", out)
	}
	s2 := openStore(t)
	back, err := Pull(s2, "docker-archive:"+file)
	must(t, err)
	if got, want := back.Config.RootFS.DiffIDs, img.Config.RootFS.DiffIDs; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("diff ids after the round trip %v, want %v", got, want)
	}
	dirs, err := back.LayerDirs(s2)
	must(t, err)
	if _, err := os.Stat(filepath.Join(dirs[1], "hello")); err != nil {
		t.Errorf("top layer from the docker archive lacks hello: %v", err)
	}
	if err := Export(s, img, "tarball", file, ""); err == nil {
		t.Error("unknown export kind accepted")
	}
}

// TestImportKeepsDockerConfigFields: a base image's docker-only config
// fields (ONBUILD, HEALTHCHECK, SHELL) must survive a pull.
func TestImportKeepsDockerConfigFields(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	raw, err := s.ReadBlob(img.Manifest.Config.Digest)
	must(t, err)
	var cfg map[string]any
	must(t, json.Unmarshal(raw, &cfg))
	cfg["config"].(map[string]any)["OnBuild"] = []string{"RUN echo child"}
	cfg["config"].(map[string]any)["Healthcheck"] = map[string]any{"Test": []string{"CMD", "true"}}
	raw, _ = json.Marshal(cfg)
	cfgDesc, err := s.PutBlobBytes(raw, "application/vnd.oci.image.config.v1+json")
	must(t, err)
	withExtras, err := putManifest(s, img.Config, cfgDesc, img.Manifest.Layers)
	must(t, err)
	file := filepath.Join(t.TempDir(), "img.tar")
	must(t, Export(s, withExtras, "docker-archive", file, "x"))
	s2 := openStore(t)
	back, err := Pull(s2, "docker-archive:"+file)
	must(t, err)
	got, err := s2.ReadBlob(back.Manifest.Config.Digest)
	must(t, err)
	if back.Manifest.Config.Digest != cfgDesc.Digest || !strings.Contains(string(got), "RUN echo child") {
		t.Errorf("config changed on import: %s, want %s:\n%s", back.Manifest.Config.Digest, cfgDesc.Digest, got)
	}
}
