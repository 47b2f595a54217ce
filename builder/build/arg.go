package build

import (
	"context"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// argInstr is ARG NAME[=default]: a build-time variable for the rest of the
// stage. Its value is the --build-arg, else the default, else (for a name
// also declared before the first FROM, or a predefined one) the global value.
// ARGs reach RUN's environment but never the image config.
type argInstr struct{ c *instructions.ArgCommand }

func (i *argInstr) apply(_ context.Context, st *stage, _ *step) error {
	for _, kv := range i.c.Args {
		if v, ok := st.b.o.BuildArgs[kv.Key]; ok {
			st.args = setEnv(st.args, kv.Key, v)
			continue
		}
		if kv.Value != nil {
			st.args = setEnv(st.args, kv.Key, *kv.Value) // already expanded
			continue
		}
		if v, ok := lookupEnv(st.b.plan.MetaEnv, kv.Key); ok {
			st.args = setEnv(st.args, kv.Key, v)
		}
	}
	return nil
}
