package build

import (
	"context"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// maintainerInstr is the deprecated MAINTAINER: the config's author.
type maintainerInstr struct {
	c *instructions.MaintainerCommand
}

func (i *maintainerInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Author = i.c.Maintainer
	st.history("MAINTAINER "+i.c.Maintainer, true)
	return nil
}
