package image

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hull-project/hull/builder/store"
	"github.com/opencontainers/go-digest"
)

func TestCommitLoadLayerDirs(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	must(t, s.Tag("test/app", img.ManifestDesc))
	got, err := Load(s, "test/app")
	must(t, err)
	if got.ManifestDesc.Digest != img.ManifestDesc.Digest || len(got.Manifest.Layers) != 2 || got.Config.Config.Cmd[0] != "/bin/sh" {
		t.Fatalf("loaded %+v", got)
	}
	// A fresh store that only has the blobs must unpack the layers.
	s2 := openStore(t)
	copyImageBlobs(t, s, s2, img)
	dirs, err := got.LayerDirs(s2)
	must(t, err)
	if len(dirs) != 2 {
		t.Fatalf("LayerDirs = %q", dirs)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "bin", "busybox")); err != nil {
		t.Errorf("bottom layer lacks busybox: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dirs[1], "hello")); err != nil || string(b) != "hi\n" {
		t.Errorf("top layer hello = %q %v", b, err)
	}
	if fi, err := os.Lstat(filepath.Join(dirs[1], "etc", "hosts")); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("top layer etc/hosts should be a whiteout: %v %v", fi, err)
	}
	again, err := got.LayerDirs(s2)
	must(t, err)
	if again[1] != dirs[1] {
		t.Errorf("second LayerDirs gave other dirs: %q vs %q", again, dirs)
	}
}

func copyImageBlobs(t *testing.T, from, to *store.Store, img *Image) {
	t.Helper()
	for _, b := range img.blobs() {
		rc, err := from.OpenBlob(b.desc.Digest)
		must(t, err)
		_, err = to.PutBlob(rc, b.desc.MediaType)
		rc.Close()
		must(t, err)
	}
}

func TestCommitIsReproducible(t *testing.T) {
	a := buildTestImage(t, openStore(t))
	b := buildTestImage(t, openStore(t))
	if a.ManifestDesc.Digest != b.ManifestDesc.Digest {
		t.Fatalf("same inputs, SOURCE_DATE_EPOCH set: manifests %s and %s", a.ManifestDesc.Digest, b.ManifestDesc.Digest)
	}
}

func TestCommitComputesDiffIDs(t *testing.T) {
	s := openStore(t)
	img := buildTestImage(t, s)
	cfg := img.Config
	cfg.RootFS.DiffIDs = nil
	again, err := Commit(s, cfg, img.Manifest.Layers)
	must(t, err)
	if again.ManifestDesc.Digest != img.ManifestDesc.Digest {
		t.Errorf("diff ids computed from the blobs differ from Diff's")
	}
	cfg.RootFS.DiffIDs = []digest.Digest{digest.FromString("x")}
	if _, err := Commit(s, cfg, img.Manifest.Layers); err == nil {
		t.Error("Commit accepted 1 diff id for 2 layers")
	}
}

func TestScratch(t *testing.T) {
	s := openStore(t)
	img, err := Commit(s, Scratch().Config, nil)
	must(t, err)
	if len(img.Manifest.Layers) != 0 || img.Config.OS != "linux" {
		t.Fatalf("scratch image %+v", img)
	}
	dirs, err := img.LayerDirs(s)
	if err != nil || len(dirs) != 0 {
		t.Errorf("scratch LayerDirs = %q %v", dirs, err)
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want Source
	}{
		{"oci:/tmp/lay:v1", Source{Transport: TransportOCI, Path: "/tmp/lay", Tag: "v1"}},
		{"oci:/tmp/lay", Source{Transport: TransportOCI, Path: "/tmp/lay"}},
		{"oci-archive:img.tar", Source{Transport: TransportOCIArchive, Path: "img.tar"}},
		{"docker-archive:/a/b.tar:x:1", Source{Transport: TransportDockerArchive, Path: "/a/b.tar:x", Tag: "1"}},
		{"127.0.0.1:5000/app:v2", Source{Transport: TransportRegistry, Ref: "127.0.0.1:5000/app:v2"}},
	}
	for _, tc := range tests {
		got, err := ParseSource(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSource(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "oci:", "oci-archive::t"} {
		if _, err := ParseSource(bad); err == nil {
			t.Errorf("ParseSource(%q) accepted", bad)
		}
	}
}
