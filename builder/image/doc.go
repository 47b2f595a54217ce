// Package image reads and writes images in the builder's store: committing a
// config and layers into a manifest, unpacking an image's layers for overlay,
// pulling from OCI layouts, archives and registries, and exporting to OCI
// layouts, OCI archives, docker archives and registries.
package image
