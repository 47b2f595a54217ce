package build

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/hull-project/hull/builder/dockerfile"
	"github.com/hull-project/hull/builder/image"
	"github.com/hull-project/hull/builder/store"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// from sets the stage up on its base (scratch, an earlier stage or an image)
// and returns the base image's ONBUILD triggers, which run first.
func (st *stage) from(ctx context.Context) ([]instructions.Command, error) {
	sp := st.b.prog.start(fmt.Sprintf("[%s1/%d] FROM %s", st.label, len(st.plan.Stage.Commands)+1, st.plan.Base))
	var err error
	switch {
	case st.plan.BaseStage != nil:
		err = st.fromStage(ctx, st.plan.BaseStage)
	case st.plan.Base == "scratch":
		st.cfg = scratchConfig()
	default:
		err = st.fromImage(st.plan.Base)
	}
	if err != nil {
		sp.fail(err)
		return nil, err
	}
	st.num = 1
	triggers, err := st.triggers()
	if err != nil {
		sp.fail(err)
		return nil, err
	}
	sp.done()
	return triggers, nil
}

func scratchConfig() dockerspec.DockerOCIImage {
	var c dockerspec.DockerOCIImage
	c.Platform = ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}
	c.RootFS.Type = "layers"
	return c
}

// fromStage starts from a copy of an earlier stage's final state.
func (st *stage) fromStage(ctx context.Context, base *dockerfile.StagePlan) error {
	prev, err := st.b.waitStage(ctx, base.Index)
	if err != nil {
		return err
	}
	data, err := json.Marshal(prev.cfg)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &st.cfg); err != nil { // deep copy
		return err
	}
	st.layers = append([]ocispec.Descriptor(nil), prev.layers...)
	st.lowers = append([]string(nil), prev.lowers...)
	st.chain = prev.chain
	return nil
}

// fromImage loads ref from the store, pulling it when it is not there.
func (st *stage) fromImage(ref string) error {
	img, lowers, cfg, err := loadImage(st.b.o.Store, ref)
	if err != nil {
		return err
	}
	st.cfg = cfg
	st.layers = append([]ocispec.Descriptor(nil), img.Manifest.Layers...)
	st.lowers = lowers
	if ids := store.ChainIDs(cfg.RootFS.DiffIDs); len(ids) > 0 {
		st.chain = ids[len(ids)-1]
	}
	return nil
}

// loadImage finds ref in the store or pulls it, unpacks its layers and reads
// its config with docker's extensions (ONBUILD, HEALTHCHECK, SHELL), which
// image.Image's ocispec.Image would drop.
func loadImage(s *store.Store, ref string) (*image.Image, []string, dockerspec.DockerOCIImage, error) {
	var cfg dockerspec.DockerOCIImage
	img, err := image.Load(s, ref)
	if err != nil {
		img, err = image.Pull(s, ref)
		if err != nil {
			return nil, nil, cfg, fmt.Errorf("base image %s: %w", ref, err)
		}
	}
	if err := readJSONBlob(s, img.Manifest.Config, &cfg); err != nil {
		return nil, nil, cfg, fmt.Errorf("base image %s: config: %w", ref, err)
	}
	if cfg.OS != "" && cfg.OS != "linux" || cfg.Architecture != "" && cfg.Architecture != runtime.GOARCH {
		return nil, nil, cfg, fmt.Errorf("base image %s is %s/%s: only %s is supported", ref, cfg.OS, cfg.Architecture, dockerfile.HostPlatform())
	}
	lowers, err := img.LayerDirs(s)
	if err != nil {
		return nil, nil, cfg, fmt.Errorf("base image %s: unpack layers: %w", ref, err)
	}
	if len(lowers) != len(cfg.RootFS.DiffIDs) {
		return nil, nil, cfg, fmt.Errorf("base image %s: %d layers but %d diff ids", ref, len(lowers), len(cfg.RootFS.DiffIDs))
	}
	return img, lowers, cfg, nil
}

func readJSONBlob(s *store.Store, d ocispec.Descriptor, v any) error {
	rc, err := s.OpenBlob(d.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	return json.NewDecoder(rc).Decode(v)
}

// triggers parses the base image's ONBUILD triggers; they are consumed: the
// new image does not inherit them.
func (st *stage) triggers() ([]instructions.Command, error) {
	var cmds []instructions.Command
	for _, expr := range st.cfg.Config.OnBuild {
		c, err := dockerfile.ParseTrigger("ONBUILD trigger of "+st.plan.Base, expr)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
	}
	st.cfg.Config.OnBuild = nil
	return cmds, nil
}
