package image

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hull-project/hull/builder/store"
)

// Export writes img out of the store: kind "oci" adds it to the OCI image
// layout directory dest (created if needed; other images in it are kept),
// "oci-archive" writes the same layout as a tar file, "docker-archive" a
// tar loadable by docker/podman load. tag names the image inside (the layout's
// ref.name annotation, the docker archive's RepoTags); it may be empty.
func Export(s *store.Store, img *Image, kind, dest, tag string) error {
	var err error
	switch Transport(kind) {
	case TransportOCI:
		err = exportLayout(s, img, dest, tag)
	case TransportOCIArchive:
		err = writeTarAtomic(dest, func(tw *tar.Writer) error { return writeOCIArchive(s, img, tw, tag) })
	case TransportDockerArchive:
		err = writeTarAtomic(dest, func(tw *tar.Writer) error { return writeDockerArchive(s, img, tw, tag) })
	default:
		return fmt.Errorf("export: unknown output type %q (want oci, oci-archive or docker-archive)", kind)
	}
	if err != nil {
		return fmt.Errorf("export %s to %s: %w", kind, dest, err)
	}
	return nil
}

// blobs lists the image's blobs: manifest, config, then layers.
func (img *Image) blobs() []blobRef {
	out := []blobRef{{img.ManifestDesc.Digest.Encoded(), img.ManifestDesc}, {img.Manifest.Config.Digest.Encoded(), img.Manifest.Config}}
	for _, l := range img.Manifest.Layers {
		out = append(out, blobRef{l.Digest.Encoded(), l})
	}
	return out
}

// archiveTime is the mtime of every archive entry: the image's creation time,
// so equal images give equal archives.
func (img *Image) archiveTime() time.Time {
	if img.Config.Created != nil {
		return img.Config.Created.UTC().Truncate(time.Second)
	}
	return time.Unix(0, 0).UTC()
}

// writeTarAtomic builds the archive under a temp name beside dest and renames
// it into place only when complete.
func writeTarAtomic(dest string, fill func(*tar.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	tw := tar.NewWriter(f)
	err = fill(tw)
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), dest)
}

func tarBytes(tw *tar.Writer, name string, data []byte, mtime time.Time) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: mtime}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func tarDir(tw *tar.Writer, name string, mtime time.Time) error {
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: mtime})
}
