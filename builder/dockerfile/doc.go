// Package dockerfile turns a Dockerfile into typed build stages with buildkit's
// parser and instructions packages, and plans which stages a target needs.
// Every error carries the Dockerfile's path, the line and the instruction so a
// user can find the mistake; a file that does not parse yields no stages at all.
//
// Expansion of variables inside instructions happens at build time (the base
// image's ENV takes part in it), through the Expander in expand.go.
package dockerfile
