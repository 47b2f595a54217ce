package build

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestBuildAddURL: ADD downloads a URL, checks --checksum, and stores the file 0600.
func TestBuildAddURL(t *testing.T) {
	const body = "downloaded\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/files/data.txt" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	good := digest.FromString(body).String()
	bad := digest.FromString("other").String()

	tag := uniqueTag(t)
	df := "FROM " + baseName + "\nADD --checksum=" + good + " " + srv.URL + "/files/data.txt /dl/\nCMD [\"true\"]\n"
	mustBuild(t, buildCase{dockerfile: df}.writeContext(t), func(o *Options) { o.Tags = []string{tag} })
	rootfs := unpack(t, tag)
	if got, err := os.ReadFile(filepath.Join(rootfs, "dl/data.txt")); err != nil || string(got) != body {
		t.Errorf("/dl/data.txt = %q, %v", got, err)
	}
	checkOwner(t, rootfs, "dl/data.txt", 0o600, 0, 0)

	for name, df := range map[string]string{
		"bad checksum": "FROM " + baseName + "\nADD --checksum=" + bad + " " + srv.URL + "/files/data.txt /dl/\n",
		"not found":    "FROM " + baseName + "\nADD " + srv.URL + "/nothing /dl/\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := build(t, buildCase{dockerfile: df}.writeContext(t), nil)
			if err == nil {
				t.Fatal("build succeeded")
			}
			mustContain(t, err.Error(), "Dockerfile:2: ADD: ")
		})
	}
}

// TestBuildCopyFromImage: COPY --from names an image of the store, not a stage.
func TestBuildCopyFromImage(t *testing.T) {
	tag := uniqueTag(t)
	df := "FROM scratch\nCOPY --from=" + baseName + " /bin/busybox /bb\nCOPY --from=" + baseName + " /etc/pass* /etc/\n"
	res, _ := mustBuild(t, buildCase{dockerfile: df}.writeContext(t), func(o *Options) { o.Tags = []string{tag} })
	var names []string
	for _, l := range res.Image.Manifest.Layers {
		names = append(names, layerNames(t, l)...)
	}
	if !contains(names, "bb") || !contains(names, "etc/passwd") {
		t.Errorf("layers hold %v, want bb and etc/passwd", names)
	}
}
