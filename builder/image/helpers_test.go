package image

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
	"github.com/hull-project/hull/internal/testutil"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"
)

var testEpoch = time.Unix(1700000000, 0).UTC()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "store"))
	must(t, err)
	return s
}

// buildTestImage commits a two-layer image the way a build would: a busybox
// rootfs, then an upper dir that adds /hello and deletes /etc/hosts.
func buildTestImage(t *testing.T, s *store.Store) *Image {
	t.Helper()
	testutil.RequireRoot(t) // the whiteout is a 0/0 device
	base, err := s.TempDir("upper")
	must(t, err)
	// MakeBusyboxRootfs, not BusyboxRootfs: the latter leaves its template in /tmp.
	must(t, testutil.MakeBusyboxRootfs(base))
	top, err := s.TempDir("upper")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(top, "hello"), []byte("hi\n"), 0o644))
	must(t, os.Mkdir(filepath.Join(top, "etc"), 0o755))
	must(t, unix.Mknod(filepath.Join(top, "etc", "hosts"), unix.S_IFCHR, 0))

	cfg := Scratch().Config
	cfg.Created = &testEpoch
	cfg.Config.Cmd = []string{"/bin/sh"}
	var descs []ocispec.Descriptor
	var chain digest.Digest
	for _, upper := range []string{base, top} {
		desc, diffID, err := DiffLayer(s, upper, layer.DiffOptions{SourceDateEpoch: &testEpoch})
		must(t, err)
		chain, err = s.AddLayer(chain, diffID, upper)
		must(t, err)
		descs = append(descs, desc)
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, diffID)
	}
	img, err := Commit(s, cfg, descs)
	must(t, err)
	return img
}
