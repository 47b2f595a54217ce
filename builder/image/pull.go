package image

import (
	"fmt"
	"os"
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/hull-project/hull/builder/layer"
	"github.com/hull-project/hull/builder/store"
)

// refNameAnnotation tags a manifest in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// Pull copies an image into the store from src: "oci:DIR[:tag]",
// "oci-archive:FILE[:tag]", "docker-archive:FILE[:tag]" or a registry
// reference (this host's platform is picked from multi-platform images).
// The image is not tagged: the caller names it.
func Pull(s *store.Store, src string) (*Image, error) {
	source, err := ParseSource(src)
	if err != nil {
		return nil, err
	}
	img, err := pull(s, source)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", src, err)
	}
	return img, nil
}

func pull(s *store.Store, src Source) (*Image, error) {
	switch src.Transport {
	case TransportOCI:
		v1img, err := fromLayout(src.Path, src.Tag)
		if err != nil {
			return nil, err
		}
		return importImage(s, v1img, false)
	case TransportOCIArchive:
		return pullOCIArchive(s, src)
	case TransportDockerArchive:
		var tag *name.Tag
		if src.Tag != "" {
			t, err := name.NewTag(src.Tag)
			if err != nil {
				return nil, fmt.Errorf("tag %q: %w", src.Tag, err)
			}
			tag = &t
		}
		v1img, err := tarball.ImageFromPath(src.Path, tag)
		if err != nil {
			return nil, err
		}
		return importImage(s, v1img, true)
	}
	ref, err := parseRef(src.Ref)
	if err != nil {
		return nil, err
	}
	v1img, err := remote.Image(ref, remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithPlatform(hostPlatform()))
	if err != nil {
		return nil, err
	}
	return importImage(s, v1img, false)
}

func hostPlatform() v1.Platform {
	return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
}

// pullOCIArchive unpacks the archive (safely: it is untrusted input) into a
// store temp dir and reads it as a layout.
func pullOCIArchive(s *store.Store, src Source) (*Image, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tmp, err := s.TempDir("oci-archive")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := layer.ExtractPlain(f, tmp); err != nil {
		return nil, err
	}
	v1img, err := fromLayout(tmp, src.Tag)
	if err != nil {
		return nil, err
	}
	return importImage(s, v1img, false)
}

// fromLayout picks the manifest tagged tag (or the only one) from an OCI
// layout, descending into an index for this host's platform.
func fromLayout(dir, tag string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	var found []v1.Descriptor
	var tags []string
	for _, d := range im.Manifests {
		t := d.Annotations[refNameAnnotation]
		tags = append(tags, t)
		if tag == "" || t == tag {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("oci layout %s has no image tagged %q (tags: %q)", dir, tag, tags)
	case len(found) > 1:
		return nil, fmt.Errorf("oci layout %s holds %d images: name one with :tag (tags: %q)", dir, len(found), tags)
	}
	d := found[0]
	if d.MediaType.IsIndex() {
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, err
		}
		return pickPlatform(child)
	}
	return idx.Image(d.Digest)
}

func pickPlatform(idx v1.ImageIndex) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := hostPlatform()
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.Satisfies(want) && d.MediaType.IsImage() {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("no image for platform %s in the index", want.String())
}
