package images

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/compose"
)

// writeTree writes files (slash path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// webBuild is a build of dir with its Dockerfile.
func webBuild(dir string) compose.Build {
	return compose.Build{Services: []string{"web"}, Image: "shop-web", Context: dir, Dockerfile: filepath.Join(dir, "Dockerfile")}
}

func digestOf(t *testing.T, b compose.Build) string {
	t.Helper()
	d, err := (&Hasher{}).Digest(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDigestCoversWhatTheBuildReads(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":        "FROM scratch\nCOPY . /app\n",
		"main.go":           "package main\n",
		"docs/notes.md":     "notes\n",
		"node_modules/x.js": "x\n",
		"logs/keep.txt":     "kept\n",
		"logs/debug.log":    "noise\n",
		".dockerignore":     "node_modules\n*.md\ndocs\nlogs\n!logs/keep.txt\n",
	})
	base := digestOf(t, webBuild(dir))
	if tag := Tag(base); !strings.HasPrefix(tag, "sha-") || len(tag) != len("sha-")+12 {
		t.Fatalf("tag %q, want sha-<12 hex>", tag)
	}
	if again := digestOf(t, webBuild(dir)); again != base {
		t.Fatalf("digest not stable: %s then %s", base, again)
	}
	changes := []struct {
		name    string
		edit    func(t *testing.T, b *compose.Build)
		changes bool
	}{
		{"a source file", func(t *testing.T, b *compose.Build) {
			writeTree(t, dir, map[string]string{"main.go": "package main // v2\n"})
		}, true},
		{"a new file", func(t *testing.T, b *compose.Build) {
			writeTree(t, dir, map[string]string{"pkg/a.go": "package pkg\n"})
		}, true},
		{"the Dockerfile", func(t *testing.T, b *compose.Build) {
			writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY . /srv\n"})
		}, true},
		{"a file brought back by !", func(t *testing.T, b *compose.Build) {
			writeTree(t, dir, map[string]string{"logs/keep.txt": "kept v2\n"})
		}, true},
		{"an ignored file", func(t *testing.T, b *compose.Build) { writeTree(t, dir, map[string]string{"node_modules/x.js": "y\n"}) }, false},
		{"an ignored directory", func(t *testing.T, b *compose.Build) { writeTree(t, dir, map[string]string{"docs/more/a.txt": "a\n"}) }, false},
		{"a file ignored by pattern", func(t *testing.T, b *compose.Build) { writeTree(t, dir, map[string]string{"README.md": "readme\n"}) }, false},
		{"an ignored file beside an exception", func(t *testing.T, b *compose.Build) { writeTree(t, dir, map[string]string{"logs/debug.log": "more\n"}) }, false},
		{"a build arg", func(t *testing.T, b *compose.Build) { v := "1"; b.Args = map[string]*string{"VERSION": &v} }, true},
		{"an arg without value", func(t *testing.T, b *compose.Build) { b.Args = map[string]*string{"VERSION": nil} }, true},
		{"the target", func(t *testing.T, b *compose.Build) { b.Target = "prod" }, true},
		{"the platform", func(t *testing.T, b *compose.Build) { b.Platforms = []string{"linux/arm64"} }, true},
		{"a file's mode", func(t *testing.T, b *compose.Build) {
			if err := os.Chmod(filepath.Join(dir, "main.go"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	prev := base
	for _, c := range changes {
		b := webBuild(dir)
		c.edit(t, &b)
		got := digestOf(t, b)
		if changed := got != prev; changed != c.changes {
			t.Errorf("changing %s: digest changed %v, want %v", c.name, changed, c.changes)
		}
		if b.Args == nil && b.Target == "" && b.Platforms == nil {
			prev = got // file edits stay; settings are per build
		}
	}
}

func TestDockerfileIgnoreFileWins(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile":              "FROM scratch\n",
		"Dockerfile.dockerignore": "secret.txt\n",
		".dockerignore":           "*\n",
		"secret.txt":              "a\n",
		"app.txt":                 "a\n",
	})
	before := digestOf(t, webBuild(dir))
	writeTree(t, dir, map[string]string{"secret.txt": "b\n"})
	if digestOf(t, webBuild(dir)) != before {
		t.Error("a file Dockerfile.dockerignore ignores changed the digest")
	}
	writeTree(t, dir, map[string]string{"app.txt": "b\n"})
	if digestOf(t, webBuild(dir)) == before {
		t.Error("a file .dockerignore ignores but Dockerfile.dockerignore does not left the digest as it was")
	}
}

func TestInlineAndRemoteBuilds(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "a\n"})
	inline := compose.Build{Image: "x", Context: dir, Inline: "FROM scratch\n"}
	other := inline
	other.Inline = "FROM busybox\n"
	if digestOf(t, inline) == digestOf(t, other) {
		t.Error("dockerfile_inline does not count")
	}
	remote := compose.Build{Image: "x", Context: "https://github.com/acme/web.git#main", Remote: true}
	moved := remote
	moved.Context = "https://github.com/acme/web.git#v2"
	if digestOf(t, remote) == digestOf(t, moved) {
		t.Error("a remote context's URL does not count")
	}
	missing := webBuild(dir) // no Dockerfile
	if _, err := (&Hasher{}).Digest(missing); err == nil || !strings.Contains(err.Error(), "image shop-web") {
		t.Errorf("missing Dockerfile: err %v, want one naming the image", err)
	}
}

// The file cache trusts size, mode and mtime: a warm hash does not read
// a file whose stat did not change (proven by changing its bytes behind
// the cache's back), a stat change is read again, and a file written
// within the racy window is never trusted.
func TestFileCacheTrustsStatOnly(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", "a.txt": "aaaa\n"})
	a := filepath.Join(dir, "a.txt")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(a, old, old); err != nil {
		t.Fatal(err)
	}
	cachePath := filepath.Join(t.TempDir(), "cache.json")
	hash := func() string {
		c := OpenFileCache(cachePath)
		d, err := (&Hasher{Cache: c}).Digest(webBuild(dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := hash()
	writeTree(t, dir, map[string]string{"a.txt": "bbbb\n"}) // same size
	if err := os.Chtimes(a, old, old); err != nil {
		t.Fatal(err)
	}
	if hash() != first {
		t.Fatal("a file with the same size, mode and mtime was read again: the cache is not used")
	}
	newer := old.Add(time.Minute)
	if err := os.Chtimes(a, newer, newer); err != nil {
		t.Fatal(err)
	}
	second := hash()
	if second == first {
		t.Fatal("a file with a new mtime kept its cached digest")
	}
	// Recent files are not cached: a same-stat rewrite is seen.
	now := time.Now()
	writeTree(t, dir, map[string]string{"a.txt": "cccc\n"})
	if err := os.Chtimes(a, now, now); err != nil {
		t.Fatal(err)
	}
	third := hash()
	writeTree(t, dir, map[string]string{"a.txt": "dddd\n"})
	if err := os.Chtimes(a, now, now); err != nil {
		t.Fatal(err)
	}
	if hash() == third {
		t.Fatal("a file written within the racy window was trusted from the cache")
	}
}

func TestContentTagsByImage(t *testing.T) {
	web, worker := t.TempDir(), t.TempDir()
	writeTree(t, web, map[string]string{"Dockerfile": "FROM scratch\n", "a": "web\n"})
	writeTree(t, worker, map[string]string{"Dockerfile": "FROM scratch\n", "a": "worker\n"})
	wb := webBuild(web)
	kb := webBuild(worker)
	kb.Image = "shop-worker"
	tags, err := (&Hasher{}).ContentTags([]compose.Build{wb, kb})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 2 || tags["shop-web"] == tags["shop-worker"] || tags["shop-web"] != Tag(digestOf(t, wb)) {
		t.Errorf("tags %v", tags)
	}
}
