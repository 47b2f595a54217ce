package fs2

import (
	"errors"

	"github.com/hull-project/hull/libcontainer/cgroups/internal/cgutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setRdma(dir string, r *specs.LinuxResources) error {
	if len(r.Rdma) == 0 {
		return nil
	}
	if !cgutil.Exists(dir, "rdma.max") {
		return errors.New("linux.resources.rdma: the rdma controller is not enabled (rdma.max missing)")
	}
	return cgutil.SetRdma(dir, r.Rdma)
}
