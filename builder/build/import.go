package build

import (
	"fmt"
	"os"
	osexec "os/exec"
	"time"

	"github.com/hull-project/hull/builder/store"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImportOptions describe an image made from a plain directory.
type ImportOptions struct {
	Tags            []string
	Cmd             []string
	Env             []string
	SourceDateEpoch *time.Time
}

// ImportRootfs makes a one-layer image from the directory dir (a complete
// rootfs such as the busybox base of examples/) and tags it.
func ImportRootfs(s *store.Store, dir string, o ImportOptions) (*Result, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("import %s: not a directory", dir)
	}
	tmp, err := s.TempDir("import")
	if err != nil {
		return nil, err
	}
	// The layer dir is renamed into the store, so work on a copy of dir.
	if out, err := osexec.Command("cp", "-a", dir+"/.", tmp).CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("import %s: copy: %v: %s", dir, err, out)
	}
	rec, err := storeLayer(s, "", tmp, o.SourceDateEpoch)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("import %s: %w", dir, err)
	}
	created := time.Now().UTC()
	if o.SourceDateEpoch != nil {
		created = o.SourceDateEpoch.UTC()
	}
	cfg := scratchConfig()
	cfg.Created = &created
	cfg.Config.Cmd = o.Cmd
	cfg.Config.Env = o.Env
	cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, rec.DiffID)
	cfg.History = []ocispec.History{{Created: &created, CreatedBy: "builder import-rootfs", Comment: "hull-builder"}}
	return writeImage(s, cfg, []ocispec.Descriptor{rec.Layer}, o.Tags)
}
