package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// cmdInstr is CMD: the container's default command (or ENTRYPOINT's arguments).
type cmdInstr struct{ c *instructions.CmdCommand }

func (i *cmdInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.Cmd = st.commandLine(i.c.ShellDependantCmdLine)
	st.cmdSet = true
	st.history(fmt.Sprintf("CMD %q", st.cfg.Config.Cmd), true)
	return nil
}

// shell is the stage's SHELL, or docker's default.
func (st *stage) shell() []string {
	if len(st.cfg.Config.Shell) > 0 {
		return st.cfg.Config.Shell
	}
	return []string{"/bin/sh", "-c"}
}

// commandLine turns shell form into SHELL + the command text; exec form stays.
func (st *stage) commandLine(c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return append([]string(nil), c.CmdLine...)
	}
	return append(append([]string(nil), st.shell()...), strings.Join(c.CmdLine, " "))
}
