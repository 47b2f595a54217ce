package fs

import (
	"github.com/hull-project/hull/libcontainer/cgroups/cgstats"
	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

type rdmaGroup struct{}

func (rdmaGroup) name() string { return "rdma" }

func (rdmaGroup) requested(r *specs.LinuxResources) string {
	if len(r.Rdma) > 0 {
		return "linux.resources.rdma"
	}
	return ""
}

func (rdmaGroup) set(dir string, r *specs.LinuxResources) error {
	return cgutil.SetRdma(dir, r.Rdma)
}

func (rdmaGroup) stats(string, *cgstats.Stats) error { return nil }
