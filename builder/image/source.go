package image

import (
	"fmt"
	"net"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Transport names where an image comes from or goes to.
type Transport string

// The transports Pull and Export understand ("" is a registry).
const (
	TransportOCI           Transport = "oci"
	TransportOCIArchive    Transport = "oci-archive"
	TransportDockerArchive Transport = "docker-archive"
	TransportRegistry      Transport = ""
)

// Source is a parsed image location: "oci:DIR[:tag]", "oci-archive:FILE[:tag]",
// "docker-archive:FILE[:tag]" or a registry reference.
type Source struct {
	Transport Transport
	Path      string // file or directory, for the local transports
	Tag       string // optional, for the local transports
	Ref       string // registry reference
}

// ParseSource splits a location string; a path with colons in it must carry
// an explicit tag (the last colon after the last slash separates the tag).
func ParseSource(src string) (Source, error) {
	for _, t := range []Transport{TransportOCIArchive, TransportOCI, TransportDockerArchive} {
		rest, ok := strings.CutPrefix(src, string(t)+":")
		if !ok {
			continue
		}
		p, tag := rest, ""
		if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
			p, tag = rest[:i], rest[i+1:]
		}
		if p == "" {
			return Source{}, fmt.Errorf("image source %q: missing path after %q", src, t+":")
		}
		return Source{Transport: t, Path: p, Tag: tag}, nil
	}
	if src == "" {
		return Source{}, fmt.Errorf("empty image reference")
	}
	return Source{Transport: TransportRegistry, Ref: src}, nil
}

// parseRef parses a registry reference; loopback registries speak plain
// http (a test or local registry), everything else https.
func parseRef(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	if isLoopback(r.Context().RegistryStr()) {
		r, err = name.ParseReference(ref, name.Insecure)
		if err != nil {
			return nil, fmt.Errorf("image reference %q: %w", ref, err)
		}
	}
	return r, nil
}

func isLoopback(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
