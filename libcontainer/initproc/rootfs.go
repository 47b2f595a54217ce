package initproc

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/libcontainer/rootfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (s *initState) setupRootfs() error {
	if !s.newNS[string(specs.MountNamespace)] {
		// runc mounts and chroots in whatever mount namespace it is in, the
		// host's included, leaving mounts behind there; hull refuses.
		return fmt.Errorf("linux.namespaces: hull sets up a rootfs only in a new mount namespace of its own: in the host's or a joined one it would change the mounts (and with pivot_root the root) of every process there")
	}
	return rootfs.Setup(&rootfs.Config{
		Rootfs:      s.cfg.Rootfs,
		Spec:        s.cfg.Spec,
		NoPivot:     s.cfg.NoPivot,
		InUserNS:    s.cfg.InUserNS,
		CgroupPaths: s.cfg.CgroupPaths,
		BeforePivot: s.beforePivot,
	})
}

// beforePivot lets the parent run prestart/createRuntime hooks, then runs
// createContainer hooks here, in the container's namespaces.
func (s *initState) beforePivot() error {
	if s.cfg.HookSync {
		if err := s.ch.Send(Message{Type: MsgHooks}); err != nil {
			return err
		}
		if err := s.ch.Expect(MsgResume); err != nil {
			return fmt.Errorf("waiting for runtime hooks: %w", err)
		}
	}
	return s.runHooks("createContainer", specs.StateCreating)
}

// finalizeRootfs creates the cwd (before a read-only root forbids it), then
// applies readonly and masked paths and the read-only root.
func (s *initState) finalizeRootfs() error {
	if err := os.MkdirAll(s.cfg.Spec.Process.Cwd, 0o755); err != nil {
		return fmt.Errorf("process.cwd %s: %w", s.cfg.Spec.Process.Cwd, err)
	}
	return rootfs.Finalize(s.cfg.Spec)
}
