package build

import (
	"io"
	"time"

	"github.com/hull-project/hull/builder/image"
	"github.com/hull-project/hull/builder/store"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options describe one build.
type Options struct {
	Store      *store.Store
	Dockerfile string // path of the Dockerfile
	Context    string // build context directory
	Tags       []string
	Target     string
	BuildArgs  map[string]string
	NoCache    bool
	Runtime    string // OCI runtime binary for RUN
	Network    string // "none" (default) or "host"
	Progress   io.Writer
	// SourceDateEpoch, when set, is the creation time written everywhere
	// (config, history, layer mtimes clamp) so builds are reproducible.
	SourceDateEpoch *time.Time
}

// Result is the built image.
type Result struct {
	Image    *image.Image
	Manifest ocispec.Descriptor
}
