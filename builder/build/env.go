package build

import (
	"context"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// envInstr is ENV K=V...: sets variables in the image config.
type envInstr struct{ c *instructions.EnvCommand }

func (i *envInstr) apply(_ context.Context, st *stage, _ *step) error {
	var parts []string
	for _, kv := range i.c.Env {
		st.cfg.Config.Env = setEnv(st.cfg.Config.Env, kv.Key, kv.Value)
		parts = append(parts, kv.Key+"="+kv.Value)
	}
	st.history("ENV "+strings.Join(parts, " "), true)
	return nil
}

// setEnv replaces or appends KEY=value in env.
func setEnv(env []string, key, value string) []string {
	out := append([]string(nil), env...)
	for i, e := range out {
		if k, _, _ := strings.Cut(e, "="); k == key {
			out[i] = key + "=" + value
			return out
		}
	}
	return append(out, key+"="+value)
}

// lookupEnv finds key in an env list; later entries win.
func lookupEnv(env []string, key string) (string, bool) {
	val, found := "", false
	for _, e := range env {
		if k, v, _ := strings.Cut(e, "="); k == key {
			val, found = v, true
		}
	}
	return val, found
}
