package main

import (
	"context"
	"fmt"

	"github.com/hull-project/hull/builder/image"
)

// cmdPull fetches an image ("oci:DIR[:tag]", "oci-archive:F",
// "docker-archive:F" or a registry reference) into the store, and names it.
func cmdPull(_ context.Context, g *globals, args []string) error {
	fs := newFlags("pull", g)
	rest, err := parse(fs, args, 1, 2)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	img, err := image.Pull(s, rest[0])
	if err != nil {
		return err
	}
	if len(rest) == 2 {
		if err := s.Tag(rest[1], img.ManifestDesc); err != nil {
			return err
		}
	}
	fmt.Println(img.ManifestDesc.Digest)
	return nil
}

func cmdPush(_ context.Context, g *globals, args []string) error {
	fs := newFlags("push", g)
	rest, err := parse(fs, args, 2, 2)
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
	return image.Push(s, img, rest[1])
}
