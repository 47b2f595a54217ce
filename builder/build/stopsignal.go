package build

import (
	"context"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// stopSignalInstr is STOPSIGNAL: the signal that stops the container.
type stopSignalInstr struct {
	c *instructions.StopSignalCommand
}

func (i *stopSignalInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.StopSignal = i.c.Signal
	st.history("STOPSIGNAL "+i.c.Signal, true)
	return nil
}
