// Package exec runs one build step's process: it mounts an overlay of the
// parent image's layers with a fresh upper dir, writes an OCI bundle whose
// config comes from the image config so far, and runs it with an OCI runtime
// binary (hull, or any runc-compatible one), streaming the output.
//
// The runtime creates mountpoints that do not exist in the rootfs (/proc,
// /etc/resolv.conf, RUN --mount targets); those would leak into the step's
// layer, so Run removes the ones it caused from the upper dir afterwards.
package exec
