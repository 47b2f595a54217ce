package fs2

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setUnified writes linux.resources.unified key/values verbatim, after the
// typed fields so an explicit unified value wins. Keys are plain file names
// in the container's cgroup: no path separators, and no cgroup.* core
// files except the few that tune rather than restructure the cgroup.
func setUnified(dir string, r *specs.LinuxResources) error {
	keys := make([]string, 0, len(r.Unified))
	for k := range r.Unified {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := fmt.Sprintf("linux.resources.unified[%q]", k)
		if err := checkUnifiedKey(k); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		if err := write(dir, k, r.Unified[k], field); err != nil {
			return err
		}
	}
	return nil
}

func checkUnifiedKey(k string) error {
	if k == "" || strings.ContainsAny(k, "/\x00") || k == "." || k == ".." {
		return errors.New("not a cgroup file name")
	}
	ctrl, _, ok := strings.Cut(k, ".")
	if !ok {
		return errors.New("not a cgroup file name (want controller.setting)")
	}
	if ctrl == "cgroup" {
		switch k {
		case "cgroup.max.depth", "cgroup.max.descendants":
		default:
			return errors.New("cgroup core files other than cgroup.max.* may not be set")
		}
	}
	return nil
}
