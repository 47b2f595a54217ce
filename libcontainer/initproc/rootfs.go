package initproc

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/libcontainer/rootfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (s *initState) setupRootfs() error {
	return rootfs.Setup(&rootfs.Config{
		Rootfs:      s.cfg.Rootfs,
		Spec:        s.cfg.Spec,
		NoPivot:     s.cfg.NoPivot,
		InUserNS:    s.cfg.InUserNS,
		CgroupPaths: s.cfg.CgroupPaths,
		BeforePivot: s.beforePivot,
		// Without a mount namespace of its own (the host's, or one joined
		// by path) the container only gets mounts under its rootfs.
		SharedMountNS: !s.newNS[string(specs.MountNamespace)],
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
