// Package build executes a planned Dockerfile: each stage starts from its base
// image, runs its instructions (one small type per instruction, one file each)
// and the target stage becomes an image in the store.
//
// Layers: every RUN, COPY and ADD makes one layer from a fresh overlay upper
// dir. Layers are stored gzip-compressed (Go's gzip with an empty header, so
// equal tars give equal blobs) and unpacked by chain id for later steps.
// Metadata instructions (ENV, LABEL, ...) only add an empty_layer history entry.
//
// Stages the target needs run in parallel once the stages they read from
// are done; a stage nobody needs is never built.
package build
