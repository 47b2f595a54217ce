//go:build tools

package conformance

// The runner builds the validation programs (main packages of runtime-tools)
// from hull's module, so the modules they import must stay in go.mod. This
// file, never built, makes `go mod tidy` keep them.
import (
	_ "github.com/opencontainers/runtime-tools/cgroups"
	_ "github.com/opencontainers/runtime-tools/generate/seccomp"
	_ "github.com/opencontainers/runtime-tools/validation/util"
)
