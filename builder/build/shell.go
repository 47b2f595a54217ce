package build

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// shellInstr is SHELL ["exe", "args"]: the shell of later shell-form lines.
type shellInstr struct{ c *instructions.ShellCommand }

func (i *shellInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.Shell = append([]string(nil), i.c.Shell...)
	st.history(fmt.Sprintf("SHELL %q", i.c.Shell), true)
	return nil
}
