package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// everyInstruction uses every Dockerfile instruction at least once.
const everyInstruction = `ARG BASE=test/busybox
ARG GLOBAL=g1
FROM ${BASE} AS base
ARG GLOBAL
ARG FROMARG=default
ARG TARGETARCH
LABEL stage=base
RUN --mount=type=cache,target=/cache --mount=type=tmpfs,target=/scratch --mount=type=bind,source=ctx.txt,target=/mnt/ctx.txt \
    echo "$GLOBAL $FROMARG $TARGETARCH" > /args.txt && cat /mnt/ctx.txt > /from-bind.txt && touch /scratch/x && \
    echo c > /cache/c && mkdir -p /gone && echo x > /gone/file && echo keep > /keep.txt

FROM base
MAINTAINER someone@example.com
ENV A=1 B="two words"
WORKDIR /work
COPY --chown=app:staff --chmod=640 *.txt ./
COPY --link dir/ /copied/
ADD --chown=1000:1000 files.tar.gz /unpacked/
SHELL ["/bin/sh", "-ec"]
RUN --mount=type=cache,target=/cache <<EOT
rm -rf /gone
echo "$A $B" > /work/env.txt
ls /cache > /work/cache-seen
EOT
USER app
RUN ["/bin/sh", "-c", "id -u > /tmp/uid"]
COPY --from=base /args.txt /from-base.txt
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=30s CMD true
ONBUILD RUN echo triggered > /triggered
ENTRYPOINT ["/bin/echo"]
CMD ["hello"]
`

func everyInstructionCase(t *testing.T) buildCase {
	return buildCase{dockerfile: everyInstruction, files: map[string]string{
		"ctx.txt":       "from the context\n",
		"a.txt":         "a\n",
		"ignored.txt":   "must not be copied\n",
		"dir/sub/f":     "deep\n",
		".dockerignore": "ignored.txt\n",
		"files.tar.gz":  tarGz(t, map[string]string{"x/y": "archived\n"}),
	}}
}

func TestBuildEveryInstruction(t *testing.T) {
	dir := everyInstructionCase(t).writeContext(t)
	tag := uniqueTag(t)
	res, _ := mustBuild(t, dir, func(o *Options) {
		o.Tags = []string{tag}
		o.BuildArgs = map[string]string{"FROMARG": "override"}
	})
	cfg := readConfig(t, res)
	checkConfig(t, cfg)
	if n := len(res.Image.Manifest.Layers); n != 9 {
		t.Errorf("%d layers, want 9 (base, RUN, WORKDIR, 3 COPY/ADD, 2 RUN, COPY)", n)
	}
	if n := len(cfg.RootFS.DiffIDs); n != len(res.Image.Manifest.Layers) {
		t.Errorf("%d diff ids for %d layers", n, len(res.Image.Manifest.Layers))
	}
	rootfs := unpack(t, tag)
	checkFiles(t, rootfs)
	// The heredoc RUN deleted /gone, made by an earlier layer: a whiteout.
	if names := layerNames(t, res.Image.Manifest.Layers[6]); !contains(names, ".wh.gone") {
		t.Errorf("layer 6 has no whiteout for /gone: %v", names)
	}
}

func checkConfig(t *testing.T, cfg dockerspec.DockerOCIImage) {
	t.Helper()
	c := cfg.Config
	checks := []struct{ name, got, want string }{
		{"Env", strings.Join(c.Env, ";"), "A=1;B=two words"},
		{"WorkingDir", c.WorkingDir, "/work"},
		{"User", c.User, "app"},
		{"StopSignal", c.StopSignal, "SIGUSR1"},
		{"Entrypoint", strings.Join(c.Entrypoint, " "), "/bin/echo"},
		{"Cmd", strings.Join(c.Cmd, " "), "hello"},
		{"Shell", strings.Join(c.Shell, " "), "/bin/sh -ec"},
		{"OnBuild", strings.Join(c.OnBuild, ";"), "RUN echo triggered > /triggered"},
		{"Author", cfg.Author, "someone@example.com"},
		{"label", c.Labels["stage"], "base"},
	}
	for _, ck := range checks {
		if !strings.Contains(ck.got, ck.want) {
			t.Errorf("config %s = %q, want it to contain %q", ck.name, ck.got, ck.want)
		}
	}
	for _, p := range []string{"8080/tcp", "53/udp"} {
		if _, ok := c.ExposedPorts[p]; !ok {
			t.Errorf("ExposedPorts %v lacks %s", c.ExposedPorts, p)
		}
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("Volumes %v lacks /data", c.Volumes)
	}
	if c.Healthcheck == nil || c.Healthcheck.Interval != 30*time.Second {
		t.Errorf("Healthcheck = %+v, want a 30s interval", c.Healthcheck)
	}
	var empty int
	for _, h := range cfg.History {
		if h.EmptyLayer {
			empty++
		}
	}
	if len(cfg.History)-empty != len(cfg.RootFS.DiffIDs) {
		t.Errorf("history has %d non-empty entries for %d layers", len(cfg.History)-empty, len(cfg.RootFS.DiffIDs))
	}
}

func checkFiles(t *testing.T, rootfs string) {
	t.Helper()
	content := map[string]string{
		"args.txt":        "g1 override " + runtime.GOARCH + "\n",
		"from-bind.txt":   "from the context\n",
		"keep.txt":        "keep\n",
		"work/a.txt":      "a\n",
		"work/env.txt":    "1 two words\n",
		"work/cache-seen": "c\n", // the cache mount kept the first RUN's file
		"copied/sub/f":    "deep\n",
		"unpacked/x/y":    "archived\n",
		"tmp/uid":         "1000\n",
		"from-base.txt":   "g1 override " + runtime.GOARCH + "\n",
		"work/ctx.txt":    "from the context\n",
	}
	for name, want := range content {
		got, err := os.ReadFile(filepath.Join(rootfs, name))
		if err != nil {
			t.Errorf("/%s: %v", name, err)
		} else if string(got) != want {
			t.Errorf("/%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"gone", "scratch/x", "cache/c", "work/ignored.txt", "mnt/ctx.txt", "triggered"} {
		if _, err := os.Lstat(filepath.Join(rootfs, name)); err == nil {
			t.Errorf("/%s exists, want it absent", name)
		}
	}
	checkOwner(t, rootfs, "work/a.txt", 0o640, 1000, 50)
	checkOwner(t, rootfs, "unpacked/x/y", 0, 1000, 1000)
	checkOwner(t, rootfs, "copied/sub/f", 0o644, 0, 0)
	checkOwner(t, rootfs, "work", 0o755, 0, 0)
}

func checkOwner(t *testing.T, rootfs, name string, mode os.FileMode, uid, gid uint32) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(rootfs, name))
	if err != nil {
		t.Errorf("/%s: %v", name, err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if mode != 0 && fi.Mode().Perm() != mode {
		t.Errorf("/%s mode %o, want %o", name, fi.Mode().Perm(), mode)
	}
	if st.Uid != uid || st.Gid != gid {
		t.Errorf("/%s owner %d:%d, want %d:%d", name, st.Uid, st.Gid, uid, gid)
	}
}

func TestBuildOnbuildTriggers(t *testing.T) {
	parent := uniqueTag(t)
	mustBuild(t, buildCase{dockerfile: "FROM " + baseName + "\nONBUILD RUN echo triggered > /triggered\nCMD [\"true\"]\n"}.writeContext(t),
		func(o *Options) { o.Tags = []string{parent} })
	child := uniqueTag(t)
	res, out := mustBuild(t, buildCase{dockerfile: "FROM " + parent + "\n"}.writeContext(t),
		func(o *Options) { o.Tags = []string{child} })
	mustContain(t, out, "RUN echo triggered")
	if cfg := readConfig(t, res); len(cfg.Config.OnBuild) != 0 {
		t.Errorf("child image inherited ONBUILD %q", cfg.Config.OnBuild)
	}
	if got, err := os.ReadFile(filepath.Join(unpack(t, child), "triggered")); err != nil || string(got) != "triggered\n" {
		t.Errorf("/triggered = %q, %v", got, err)
	}
}

func readConfig(t *testing.T, res *Result) dockerspec.DockerOCIImage {
	t.Helper()
	var cfg dockerspec.DockerOCIImage
	if err := readJSONBlob(sharedStore(t), res.Image.Manifest.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// layerNames lists the entries of a stored gzip layer.
func layerNames(t *testing.T, d ocispec.Descriptor) []string {
	t.Helper()
	rc, err := sharedStore(t).OpenBlob(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, strings.TrimSuffix(h.Name, "/"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasSuffix(x, "/"+s) {
			return true
		}
	}
	return false
}

// tarGz makes a gzip'd tar of files, for ADD tests.
func tarGz(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(1, 0)}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
