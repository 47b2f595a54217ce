package build

import (
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"sort"

	bexec "github.com/hull-project/hull/builder/exec"
	"github.com/hull-project/hull/builder/store"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bundle unpacks image ref into an OCI bundle at dir: dir/rootfs holds the
// merged layers and dir/config.json runs Entrypoint+Cmd with the image's Env,
// WorkingDir and User, each VOLUME a fresh tmpfs. dir must not exist or be empty.
func Bundle(s *store.Store, ref, dir string) error {
	_, lowers, cfg, err := loadImage(s, ref)
	if err != nil {
		return err
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if entries, _ := os.ReadDir(rootfs); len(entries) > 0 {
		return fmt.Errorf("bundle: %s is not empty", rootfs)
	}
	if err := copyLayers(s, lowers, rootfs); err != nil {
		return err
	}
	c := cfg.Config
	args := append(slices.Clone(c.Entrypoint), c.Cmd...)
	if len(args) == 0 {
		return fmt.Errorf("bundle: image %s has neither ENTRYPOINT nor CMD", ref)
	}
	user, err := bexec.ResolveUser(rootfs, c.User)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	env := slices.Clone(c.Env)
	if _, ok := lookupEnv(env, "PATH"); !ok {
		env = append(env, "PATH="+defaultPath)
	}
	spec := bexec.Spec(bexec.SpecOptions{
		Rootfs: "rootfs", Args: args, Env: env, Cwd: c.WorkingDir, User: user,
		Hostname: "hull", Mounts: volumeMounts(c.Volumes),
	})
	data, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
}

func volumeMounts(vols map[string]struct{}) []specs.Mount {
	var ms []specs.Mount
	for v := range vols {
		ms = append(ms, specs.Mount{Destination: v, Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "nodev", "mode=755"}})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Destination < ms[j].Destination })
	return ms
}

// copyLayers copies the merged view of lowers into dst, keeping owners,
// modes, links, devices and xattrs (cp -a).
func copyLayers(s *store.Store, lowers []string, dst string) error {
	upper, err := s.TempDir("bundle-upper")
	if err != nil {
		return err
	}
	defer os.RemoveAll(upper)
	return withMount(s, lowers, upper, func(merged string) error {
		out, err := osexec.Command("cp", "-a", merged+"/.", dst).CombinedOutput()
		if err != nil {
			return fmt.Errorf("bundle: copy rootfs: %v: %s", err, out)
		}
		return nil
	})
}
