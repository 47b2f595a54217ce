package build

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// entrypointInstr is ENTRYPOINT. As in docker, it drops a CMD inherited from
// the base image (one set in this stage stays): the old CMD was meant for the
// old entrypoint.
type entrypointInstr struct {
	c *instructions.EntrypointCommand
}

func (i *entrypointInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.Entrypoint = st.commandLine(i.c.ShellDependantCmdLine)
	if !st.cmdSet {
		st.cfg.Config.Cmd = nil
	}
	st.history(fmt.Sprintf("ENTRYPOINT %q", st.cfg.Config.Entrypoint), true)
	return nil
}
