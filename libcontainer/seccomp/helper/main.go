//go:build cgo

// Command hull-seccomp compiles a runtime-spec seccomp profile to BPF with
// libseccomp. It is the only part of hull built with cgo, so hull itself
// stays a pure Go program; hull runs it only when its cache under the state
// root lacks the profile. It reads the profile (JSON) on stdin and writes
// the filter to stdout; the protocol is in package seccomp's doc.go.
//
// Build it static, as make does:
//
//	CGO_ENABLED=1 go build -ldflags '-linkmode external -extldflags -static'
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/hull-project/hull/libcontainer/seccomp"
)

// maxProfile bounds what is read from stdin: Docker's default profile is
// about 20 kB, so 16 MiB is only there to stop a runaway writer.
const maxProfile = 16 << 20

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "--version":
		major, minor, micro := libseccomp.GetLibraryVersion()
		fmt.Printf("hull-seccomp (libseccomp %d.%d.%d)\n", major, minor, micro)
		return
	case len(os.Args) != 1:
		fmt.Fprintln(os.Stderr, "usage: hull-seccomp < profile.json > filter.bpf")
		os.Exit(2)
	}
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "hull-seccomp: %v\n", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out *os.File) error {
	s, err := readProfile(in)
	if err != nil {
		return err
	}
	f, err := seccomp.TranslateFilter(s)
	if err != nil {
		return err
	}
	filter, err := compile(f)
	if err != nil {
		return err
	}
	defer filter.Release()
	if err := filter.ExportBPF(out); err != nil {
		return fmt.Errorf("export BPF: %w", err)
	}
	return nil
}

func readProfile(in io.Reader) (*specs.LinuxSeccomp, error) {
	data, err := io.ReadAll(io.LimitReader(in, maxProfile+1))
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	if len(data) > maxProfile {
		return nil, fmt.Errorf("read profile: longer than %d bytes", maxProfile)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	if seccomp.Empty(&s) {
		return nil, errors.New("read profile: no defaultAction and no syscalls")
	}
	return &s, nil
}
