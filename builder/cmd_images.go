package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hull-project/hull/builder/image"
)

func cmdImages(_ context.Context, g *globals, args []string) error {
	fs := newFlags("images", g)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	imgs, err := s.Images()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tDIGEST\tCREATED\tSIZE")
	for _, im := range imgs {
		for _, n := range im.Names {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n, im.Manifest.Digest.Encoded()[:12],
				im.Created.Format(time.RFC3339), humanSize(im.Size))
		}
	}
	return w.Flush()
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%cB", float64(n)/float64(div), "KMGTPE"[exp])
}

// cmdInspect prints the manifest and the full config (with docker's extensions).
func cmdInspect(_ context.Context, g *globals, args []string) error {
	fs := newFlags("inspect", g)
	rest, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	img, err := image.Load(s, rest[0])
	if err != nil {
		return err
	}
	rc, err := s.OpenBlob(img.Manifest.Config.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	var cfg json.RawMessage
	if err := json.NewDecoder(rc).Decode(&cfg); err != nil {
		return fmt.Errorf("config of %s: %w", rest[0], err)
	}
	out := struct {
		Digest   string          `json:"digest"`
		Manifest any             `json:"manifest"`
		Config   json.RawMessage `json:"config"`
	}{img.ManifestDesc.Digest.String(), img.Manifest, cfg}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func cmdTag(_ context.Context, g *globals, args []string) error {
	fs := newFlags("tag", g)
	rest, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	d, err := s.Resolve(rest[0])
	if err != nil {
		return err
	}
	return s.Tag(rest[1], d)
}

func cmdRmi(_ context.Context, g *globals, args []string) error {
	fs := newFlags("rmi", g)
	rest, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	var failed []string
	for _, n := range rest {
		if err := s.Untag(n); err != nil {
			fmt.Fprintln(os.Stderr, "builder rmi:", err)
			failed = append(failed, n)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not remove %s", strings.Join(failed, ", "))
	}
	return nil
}

func cmdPrune(_ context.Context, g *globals, args []string) error {
	fs := newFlags("prune", g)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	n, err := s.Prune()
	if err != nil {
		return err
	}
	fmt.Printf("removed %d blobs and layers\n", n)
	return nil
}
