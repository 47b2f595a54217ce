package initproc

import (
	"github.com/hull-project/hull/libcontainer/hooks"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runHooks runs one kind of hook from inside the container (createContainer
// and startContainer are the container-side kinds).
func (s *initState) runHooks(kind string, status specs.ContainerState) error {
	h := s.cfg.Spec.Hooks
	if h == nil {
		return nil
	}
	var list []specs.Hook
	switch kind {
	case "createContainer":
		list = h.CreateContainer
	case "startContainer":
		list = h.StartContainer
	}
	if len(list) == 0 {
		return nil
	}
	st := &specs.State{
		Version:     specs.Version,
		ID:          s.cfg.ID,
		Status:      status,
		Pid:         s.cfg.HostPid,
		Bundle:      s.cfg.Bundle,
		Annotations: s.cfg.Spec.Annotations,
	}
	return hooks.Run(kind, list, st)
}

func (s *initState) runStartContainerHooks() error {
	return s.runHooks("startContainer", specs.StateCreated)
}
