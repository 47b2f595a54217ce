package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const cacheDockerfile = "FROM " + baseName + `
COPY a /a
RUN cat /a > /b
CMD ["cat", "/b"]
`

// TestBuildCacheRunsNothing: a second build of the same context hits the
// cache for every layer step. Its runtime is /bin/false, so any RUN that
// still ran would fail the build.
func TestBuildCacheRunsNothing(t *testing.T) {
	dir := buildCase{dockerfile: cacheDockerfile, files: map[string]string{"a": "cache-" + uniqueTag(t)}}.writeContext(t)
	first, _ := mustBuild(t, dir, nil)
	second, out := mustBuild(t, dir, func(o *Options) { o.Runtime = "/bin/false" })
	if n := strings.Count(out, "CACHED"); n != 2 {
		t.Errorf("%d CACHED steps, want 2:\n%s", n, out)
	}
	if first.Image.Manifest.Layers[2].Digest != second.Image.Manifest.Layers[2].Digest {
		t.Error("cached RUN layer differs from the first build's")
	}
	// Changing a file COPY reads invalidates COPY and everything after it.
	// Unique content: the shared store may hold any fixed text from earlier runs.
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("changed-"+uniqueTag(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out = mustBuild(t, dir, nil)
	if n := strings.Count(out, "CACHED"); n != 0 {
		t.Errorf("%d CACHED steps after a context change, want 0:\n%s", n, out)
	}
	// --no-cache runs everything.
	if _, out, err := build(t, dir, func(o *Options) { o.NoCache = true; o.Runtime = "/bin/false" }); err == nil {
		t.Errorf("--no-cache build did not run RUN:\n%s", out)
	}
}

// TestBuildReproducible: with SOURCE_DATE_EPOCH, two uncached builds of the
// same context give the same manifest digest.
func TestBuildReproducible(t *testing.T) {
	dir := buildCase{dockerfile: cacheDockerfile + "LABEL x=y\n", files: map[string]string{"a": "repro\n"}}.writeContext(t)
	epoch := time.Unix(1700000000, 0)
	opts := func(o *Options) { o.NoCache = true; o.SourceDateEpoch = &epoch }
	r1, _ := mustBuild(t, dir, opts)
	// Touch the source: mtimes must not leak into the image.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "a"), later, later); err != nil {
		t.Fatal(err)
	}
	r2, _ := mustBuild(t, dir, opts)
	if r1.Manifest.Digest != r2.Manifest.Digest {
		t.Errorf("manifests differ: %s vs %s", r1.Manifest.Digest, r2.Manifest.Digest)
	}
	if cfg := readConfig(t, r1); cfg.Created == nil || !cfg.Created.Equal(epoch) {
		t.Errorf("created = %v, want %v", cfg.Created, epoch)
	}
}

// TestBuildTargetSkipsStages: only the stages --target needs are built (the
// broken one is never run); independent stages both feed the target.
func TestBuildTargetSkipsStages(t *testing.T) {
	df := "FROM " + baseName + ` AS one
RUN echo one > /one
FROM ` + baseName + ` AS two
RUN echo two > /two
FROM ` + baseName + ` AS broken
RUN exit 1
FROM scratch AS final
COPY --from=one /one /one
COPY --from=two /two /two
FROM final AS after
`
	tag := uniqueTag(t)
	res, out := mustBuild(t, buildCase{dockerfile: df}.writeContext(t), func(o *Options) {
		o.Target = "final"
		o.Tags = []string{tag}
	})
	if strings.Contains(out, "exit 1") {
		t.Errorf("the broken stage ran:\n%s", out)
	}
	if n := len(res.Image.Manifest.Layers); n != 2 {
		t.Errorf("%d layers, want 2", n)
	}
	var names []string
	for _, l := range res.Image.Manifest.Layers {
		names = append(names, layerNames(t, l)...)
	}
	if !contains(names, "one") || !contains(names, "two") {
		t.Errorf("layers hold %v, want one and two", names)
	}
}

// TestBuildMountpointsLeaveNoTrace: a RUN mount whose target the image lacks
// makes the runtime create a mountpoint (and overlay copy its parent up);
// neither may show in the layer.
func TestBuildMountpointsLeaveNoTrace(t *testing.T) {
	df := "FROM " + baseName + "\nRUN --mount=type=tmpfs,target=/etc/newdir/deeper touch /made\n"
	res, _ := mustBuild(t, buildCase{dockerfile: df}.writeContext(t), func(o *Options) { o.NoCache = true })
	names := layerNames(t, res.Image.Manifest.Layers[len(res.Image.Manifest.Layers)-1])
	if len(names) != 1 || names[0] != "made" {
		t.Errorf("RUN layer holds %v, want only [made]", names)
	}
}

// TestBuildCacheBindMountInputs: a RUN reading the context through a bind
// mount is rebuilt when the mounted files change, and cached when not.
func TestBuildCacheBindMountInputs(t *testing.T) {
	df := "FROM " + baseName + "\nRUN --mount=type=bind,source=in,target=/in cat /in/f > /out\nCMD [\"true\"]\n"
	dir := buildCase{dockerfile: df, files: map[string]string{"in/f": uniqueTag(t)}}.writeContext(t)
	mustBuild(t, dir, nil)
	if _, out := mustBuild(t, dir, nil); !strings.Contains(out, "CACHED") {
		t.Errorf("unchanged mount input was not cached:\n%s", out)
	}
	changed := "changed-" + uniqueTag(t)
	if err := os.WriteFile(filepath.Join(dir, "in/f"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	res, out := mustBuild(t, dir, nil)
	if strings.Contains(out, "CACHED") {
		t.Errorf("changed mount input hit the cache:\n%s", out)
	}
	if got, err := os.ReadFile(filepath.Join(unpackResult(t, res), "out")); err != nil || string(got) != changed {
		t.Errorf("/out = %q, %v", got, err)
	}
}
