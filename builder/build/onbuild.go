package build

import (
	"context"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// onbuildInstr is ONBUILD INSTRUCTION: stored in the config, run by the
// first build that uses this image as its base.
type onbuildInstr struct{ c *instructions.OnbuildCommand }

func (i *onbuildInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.OnBuild = append(append([]string(nil), st.cfg.Config.OnBuild...), i.c.Expression)
	st.history("ONBUILD "+i.c.Expression, true)
	return nil
}
