package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// volumeInstr is VOLUME: paths the container gets fresh storage for.
type volumeInstr struct{ c *instructions.VolumeCommand }

func (i *volumeInstr) apply(_ context.Context, st *stage, _ *step) error {
	vols := map[string]struct{}{}
	for v := range st.cfg.Config.Volumes {
		vols[v] = struct{}{}
	}
	for _, v := range i.c.Volumes {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("empty volume path")
		}
		vols[resolvePath(st.cfg.Config.WorkingDir, v)] = struct{}{}
	}
	st.cfg.Config.Volumes = vols
	st.history(fmt.Sprintf("VOLUME %q", i.c.Volumes), true)
	return nil
}
