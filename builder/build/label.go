package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// labelInstr is LABEL k=v...: image labels.
type labelInstr struct{ c *instructions.LabelCommand }

func (i *labelInstr) apply(_ context.Context, st *stage, _ *step) error {
	labels := map[string]string{}
	for k, v := range st.cfg.Config.Labels {
		labels[k] = v
	}
	var parts []string
	for _, kv := range i.c.Labels {
		labels[kv.Key] = kv.Value
		parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value))
	}
	st.cfg.Config.Labels = labels
	st.history("LABEL "+strings.Join(parts, " "), true)
	return nil
}
