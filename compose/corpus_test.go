package compose

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// corpusDir is the shared corpus of real compose apps, relative to this
// package.
const corpusDir = "../testdata/compose-corpus/awesome-compose"

// corpusApps lists the app directories of the corpus; the test fails when
// the corpus is missing.
func corpusApps(tb testing.TB) []string {
	tb.Helper()
	ents, err := os.ReadDir(corpusDir)
	if err != nil {
		tb.Fatalf("compose corpus missing: %v", err)
	}
	var apps []string
	for _, e := range ents {
		if e.IsDir() {
			apps = append(apps, e.Name())
		}
	}
	sort.Strings(apps)
	if len(apps) == 0 {
		tb.Fatalf("compose corpus %s is empty", corpusDir)
	}
	return apps
}

// loadApp loads one corpus app with an empty process environment.
func loadApp(tb testing.TB, app string) *Base {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join(corpusDir, app))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir, Environment: []string{}})
	if err != nil {
		tb.Fatalf("load %s: %v", app, err)
	}
	b, err := Convert(p, Options{})
	if err != nil {
		tb.Fatalf("convert %s: %v", app, err)
	}
	return b
}

// build runs kustomize in memory over a converted tree.
func build(tb testing.TB, b *Base, overlay string) resmap.ResMap {
	tb.Helper()
	fs := filesys.MakeFsInMemory()
	for p, data := range b.Files {
		if err := fs.WriteFile("/out/"+p, data); err != nil {
			tb.Fatal(err)
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/out/"+overlay)
	if err != nil {
		tb.Fatalf("kustomize build %s: %v", overlay, err)
	}
	return m
}

func TestCorpusConvertsAndBuilds(t *testing.T) {
	for _, app := range corpusApps(t) {
		t.Run(app, func(t *testing.T) {
			b := loadApp(t, app)
			for _, ov := range []string{"base", "overlays/dev", "overlays/prod"} {
				m := build(t, b, ov)
				if m.Size() == 0 {
					t.Errorf("%s: no objects", ov)
				}
			}
		})
	}
}
