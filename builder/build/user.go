package build

import (
	"context"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// userInstr is USER name[:group]: who RUN and the container run as. It is
// resolved against the rootfs's /etc/passwd only when a step needs numbers.
type userInstr struct{ c *instructions.UserCommand }

func (i *userInstr) apply(_ context.Context, st *stage, _ *step) error {
	st.cfg.Config.User = i.c.User
	st.history("USER "+i.c.User, true)
	return nil
}
