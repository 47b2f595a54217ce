package build

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// healthcheckInstr is HEALTHCHECK [options] CMD ... or HEALTHCHECK NONE.
type healthcheckInstr struct {
	c *instructions.HealthCheckCommand
}

func (i *healthcheckInstr) apply(_ context.Context, st *stage, _ *step) error {
	h := *i.c.Health
	h.Test = append([]string(nil), h.Test...)
	st.cfg.Config.Healthcheck = &h
	st.history(fmt.Sprintf("HEALTHCHECK %q", h.Test), true)
	return nil
}
