package build

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// exposeInstr is EXPOSE port[/proto]...: documented ports in the config.
type exposeInstr struct{ c *instructions.ExposeCommand }

func (i *exposeInstr) apply(_ context.Context, st *stage, _ *step) error {
	ports := map[string]struct{}{}
	for p := range st.cfg.Config.ExposedPorts {
		ports[p] = struct{}{}
	}
	for _, p := range i.c.Ports {
		norm, err := normalizePort(p)
		if err != nil {
			return err
		}
		ports[norm] = struct{}{}
	}
	st.cfg.Config.ExposedPorts = ports
	st.history("EXPOSE "+strings.Join(i.c.Ports, " "), true)
	return nil
}

// normalizePort checks "80", "80/tcp" or "53/udp" and adds the default tcp.
func normalizePort(p string) (string, error) {
	num, proto, ok := strings.Cut(p, "/")
	if !ok {
		proto = "tcp"
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return "", fmt.Errorf("port %q: protocol must be tcp, udp or sctp", p)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: not a port number", p)
	}
	return fmt.Sprintf("%d/%s", n, proto), nil
}
