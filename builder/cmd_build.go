package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hull-project/hull/builder/build"
	"github.com/hull-project/hull/builder/image"
)

func cmdBuild(ctx context.Context, g *globals, args []string) error {
	fs := newFlags("build", g)
	file := fs.StringP("file", "f", "", "Dockerfile (default CONTEXT/Dockerfile)")
	tags := fs.StringArrayP("tag", "t", nil, "name the image (repeatable)")
	target := fs.String("target", "", "build this stage (default: the last)")
	buildArgs := fs.StringArray("build-arg", nil, "set an ARG: KEY=VALUE")
	noCache := fs.Bool("no-cache", false, "run every step")
	runtime := fs.String("runtime", "", "OCI runtime for RUN (default: hull beside builder or on PATH)")
	network := fs.String("network", "none", "RUN network: none or host")
	output := fs.String("output", "", "also export: type=oci|oci-archive|docker-archive,dest=PATH")
	quiet := fs.BoolP("quiet", "q", false, "print only the image digest")
	rest, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	o := build.Options{Context: rest[0], Tags: *tags, Target: *target, NoCache: *noCache, Network: *network, Progress: os.Stderr}
	if *quiet {
		o.Progress = nil
	}
	if o.Dockerfile = *file; o.Dockerfile == "" {
		o.Dockerfile = filepath.Join(rest[0], "Dockerfile")
	}
	if o.BuildArgs, err = parseBuildArgs(*buildArgs); err != nil {
		return err
	}
	if o.SourceDateEpoch, err = sourceDateEpoch(o.BuildArgs); err != nil {
		return err
	}
	if o.Runtime, err = findRuntime(*runtime); err != nil {
		return err
	}
	out, err := parseOutput(*output)
	if err != nil {
		return err
	}
	if o.Store, err = g.store(); err != nil {
		return err
	}
	res, err := build.Build(ctx, o)
	if err != nil {
		return err
	}
	if out != nil {
		tag := "latest"
		if len(o.Tags) > 0 {
			tag = o.Tags[0]
		}
		if err := image.Export(o.Store, res.Image, out.kind, out.dest, tag); err != nil {
			return fmt.Errorf("export %s to %s: %w", out.kind, out.dest, err)
		}
	}
	fmt.Println(res.Manifest.Digest)
	return nil
}

func parseBuildArgs(list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range list {
		k, v, ok := strings.Cut(a, "=")
		if k == "" {
			return nil, usageError{fmt.Sprintf("--build-arg %q: want KEY=VALUE", a)}
		}
		if !ok {
			// docker takes the value from the environment for a bare KEY
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		m[k] = v
	}
	return m, nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH from --build-arg or the environment.
func sourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args["SOURCE_DATE_EPOCH"]
	if !ok {
		v, ok = os.LookupEnv("SOURCE_DATE_EPOCH")
	}
	if !ok || v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, usageError{fmt.Sprintf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)}
	}
	t := time.Unix(n, 0).UTC()
	return &t, nil
}

// findRuntime picks the OCI runtime: the flag, else hull next to this
// binary, else hull on PATH.
func findRuntime(flagValue string) (string, error) {
	if flagValue != "" {
		p, err := exec.LookPath(flagValue)
		if err != nil {
			return "", fmt.Errorf("--runtime %s: %w", flagValue, err)
		}
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "hull")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("hull"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no OCI runtime: hull is neither beside builder nor on PATH (use --runtime runc)")
}

type outputSpec struct{ kind, dest string }

// parseOutput reads --output type=KIND,dest=PATH.
func parseOutput(s string) (*outputSpec, error) {
	if s == "" {
		return nil, nil
	}
	o := &outputSpec{}
	for _, f := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "type":
			o.kind = v
		case "dest":
			o.dest = v
		default:
			return nil, usageError{fmt.Sprintf("--output: unknown key %q", k)}
		}
	}
	switch o.kind {
	case "oci", "oci-archive", "docker-archive":
	default:
		return nil, usageError{fmt.Sprintf("--output type=%q: want oci, oci-archive or docker-archive", o.kind)}
	}
	if o.dest == "" {
		return nil, usageError{"--output: dest= is required"}
	}
	return o, nil
}
