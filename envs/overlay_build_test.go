package envs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/genapp"
)

// The overlay built once, its image entries applied to the result,
// renders exactly what building the tree alone for the own images and
// then the overlay with its entries renders: the same objects in the same
// order, for trees with and without build marks, with a registry, content
// tags, images in init containers, CronJobs and a custom kind.
func TestOverlayOneBuildEqualsTwo(t *testing.T) {
	realistic := t.TempDir()
	if err := genapp.WriteRealistic(realistic, genapp.RealisticOptions{}); err != nil {
		t.Fatal(err)
	}
	loaded := func(dir string) (map[string][]byte, string) {
		app, err := LoadApp(context.Background(), AppOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return app.Files, app.BaseDir
	}
	type tree struct {
		name    string
		files   map[string][]byte
		baseDir string
	}
	var trees []tree
	files, baseDir := loaded(realistic)
	trees = append(trees, tree{"realistic", files, baseDir})
	files, baseDir = loaded(filepath.Join("..", "examples", "shop"))
	trees = append(trees, tree{"examples/shop", files, baseDir})
	app := readApp(t)
	trees = append(trees, tree{"testdata/app base", app, "base"}, tree{"testdata/app overlays/dev", app, "overlays/dev"})
	trees = append(trees, tree{"unmarked", unmarkedTree, ""})
	trees = append(trees, tree{"anchors and quoted values", anchorTree, ""})

	for _, tr := range trees {
		for _, registry := range []string{"", "reg.local:5000/team"} {
			cfg := testConfig()
			cfg.Registry = registry
			env := testEnv(t, cfg, "feature/x", "abc123")
			env.ImageTags = map[string]string{"shop/web": "sha-0123456789ab", "app": "sha-feedfacecafe"}
			one, err := overlay(tr.files, tr.baseDir, env, cfg, false, nil)
			if err != nil {
				t.Fatalf("%s: %v", tr.name, err)
			}
			two, err := overlay(tr.files, tr.baseDir, env, cfg, true, nil)
			if err != nil {
				t.Fatalf("%s: %v", tr.name, err)
			}
			if len(one) != len(two) {
				t.Fatalf("%s registry %q: %d objects in one build, %d in two", tr.name, registry, len(one), len(two))
			}
			for i := range one {
				a, _ := json.Marshal(one[i].Object)
				b, _ := json.Marshal(two[i].Object)
				if string(a) != string(b) {
					t.Errorf("%s registry %q: object %d differs:\none build:  %s\ntwo builds: %s", tr.name, registry, i, a, b)
				}
			}
		}
	}
}

// A tree with vars is built twice: a var resolves after every transformer
// and so could read an image the overlay's entries set.
func TestOverlayVarsBuildTwice(t *testing.T) {
	files := map[string][]byte{}
	for k, v := range unmarkedTree {
		files[k] = v
	}
	files["kustomization.yaml"] = append(append([]byte{}, unmarkedTree["kustomization.yaml"]...),
		"vars:\n- name: APP_IMAGE\n  objref: {apiVersion: apps/v1, kind: Deployment, name: app}\n  fieldref:\n    fieldpath: spec.template.spec.containers[0].image\n"...)
	vars, err := usesVars(files, ".")
	if err != nil || !vars {
		t.Fatalf("usesVars = %v, %v; want true", vars, err)
	}
	cfg := testConfig()
	objs, err := Overlay(files, "", testEnv(t, cfg, "main", ""), cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := byKindName(objs)["Deployment/app"]
	if c := containers(t, d); c["app"]["image"] != "app:main" {
		t.Errorf("image %v, want app:main", c["app"]["image"])
	}
}

// unmarkedTree has no build marks (own images: the unpinned ones), images
// in init containers, a CronJob and a custom kind with containers.
var unmarkedTree = map[string][]byte{
	"kustomization.yaml": []byte("resources: [app.yaml]\nimages:\n- name: app\n- name: redis\n  newTag: \"7\"\n- name: tool\n"),
	"app.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      initContainers: [{name: init, image: app}]
      containers: [{name: app, image: app:latest}, {name: redis, image: redis}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: tool, image: tool:1}]
          volumes: [{name: data, image: {reference: app:latest}}]
---
apiVersion: example.com/v1
kind: Pipeline
metadata: {name: build}
spec:
  steps:
  - containers: [{name: step, image: app}]
`),
}

// anchorTree's kustomization keeps quoted values YAML 1.1 would read
// otherwise unquoted ("on", "0755") next to its images, and its
// Deployment takes an image from an anchor: the images moved after the
// build must leave the one as kustomize reads it and still reach the
// other.
var anchorTree = map[string][]byte{
	"kustomization.yaml": []byte(`resources: [app.yaml]
commonAnnotations:
  feature: "on"
  mode: "0755"
labels:
- pairs: {enabled: "yes"}
images:
- name: app
- name: reg.example/tool
  newTag: "2"
`),
	"app.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata:
      labels: {app: app}
      annotations: {image: &img "reg.example/tool:1"}
    spec:
      containers: [{name: app, image: app}, {name: tool, image: *img}]
`),
}
