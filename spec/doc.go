// Package spec loads, defaults and validates an OCI runtime bundle's
// config.json, and describes what hull supports: the features document, and
// the tables (mount options, namespaces, rlimits, capabilities) the rest of
// the runtime uses to turn a spec into system calls.
//
// Validation happens once, before anything is created, so a bad bundle
// fails with the file and JSON field to fix instead of half-way through
// container setup.
package spec
