package cgroups_test

import (
	"testing"

	"github.com/hull-project/hull/internal/testutil"
	"github.com/hull-project/hull/libcontainer/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BenchmarkCreateSetDestroy measures the cgroup work of one container
// lifecycle without a process: what `create` and `delete` pay on top of
// the kernel's cgroup.procs migration.
func BenchmarkCreateSetDestroy(b *testing.B) {
	testutil.RequireRoot(b)
	limit, maxPids := int64(256<<20), int64(1024)
	r := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: &limit},
		Pids:    &specs.LinuxPids{Limit: &maxPids},
	}
	for b.Loop() {
		id := testutil.UniqueID("hull-cgbench")
		m, err := cgroups.New("/"+id, id, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Create(); err != nil {
			_ = m.Destroy()
			b.Fatal(err)
		}
		if err := m.Set(r); err != nil {
			_ = m.Destroy()
			b.Fatal(err)
		}
		if err := m.Destroy(); err != nil {
			b.Fatal(err)
		}
	}
}
