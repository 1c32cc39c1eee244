package envs

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/kustomize/api/filters/imagetag"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/meta"
)

// imageFieldSpecs are where kustomize's ImageTagTransformer sets images
// besides the containers and initContainers it finds anywhere: its
// default configuration (kustomize api/internal/konfig/builtinpluginconsts,
// images.go), which an overlay without `configurations:` uses.
const imageFieldSpecs = `
images:
- path: spec/containers[]/image
  create: true
- path: spec/initContainers[]/image
  create: true
- path: spec/volumes[]/image/reference
  create: true
- path: spec/template/spec/containers[]/image
  create: true
- path: spec/template/spec/initContainers[]/image
  create: true
- path: spec/template/spec/volumes[]/image/reference
  create: true
- path: spec/jobTemplate/spec/template/spec/volumes[]/image/reference
  create: true
`

// buildOverlay writes the environment's overlay into fsys and builds it,
// returning the result and the app's own images (ownImages). One build:
// the overlay is built without its image entries — its namespace and
// labels leave images alone, so the result's images are the tree's, from
// which ownImages reads the own ones — and the entries are then applied
// to the result with kustomize's own image filters, as its
// ImageTagTransformer, the overlay's last transformer, would have. A tree
// with vars (resolved after all transformers, so one could read an image
// the overlay set) is built twice as before (twoBuilds): the tree alone
// for ownImages, then the overlay with its image entries.
func buildOverlay(fsys filesys.FileSystem, files map[string][]byte, baseDir string, listed map[string]bool, env Env, cfg Config, twoBuilds bool) (resmap.ResMap, []string, error) {
	if !twoBuilds && len(listed) > 0 {
		vars, err := usesVars(files, baseDir)
		if err != nil {
			return nil, nil, err
		}
		twoBuilds = vars
	}
	if twoBuilds && len(listed) > 0 {
		built, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, path.Join(treeRoot, baseDir))
		if err != nil {
			return nil, nil, fmt.Errorf("build %s: %w", baseDir, err)
		}
		images := ownImages(built.Resources(), listed)
		resMap, err := runOverlay(fsys, baseDir, images, env, cfg)
		return resMap, images, err
	}
	resMap, err := runOverlay(fsys, baseDir, nil, env, cfg)
	if err != nil {
		return nil, nil, err
	}
	images := ownImages(resMap.Resources(), listed)
	if len(images) == 0 {
		return resMap, nil, nil
	}
	var specs struct {
		Images types.FsSlice `json:"images"`
	}
	if err := yaml.Unmarshal([]byte(imageFieldSpecs), &specs); err != nil {
		return nil, nil, fmt.Errorf("image field specs: %w", err)
	}
	for _, img := range overlayImages(images, env, cfg) {
		if err := resMap.ApplyFilter(imagetag.LegacyFilter{ImageTag: img}); err != nil {
			return nil, nil, fmt.Errorf("build overlay on %s: image %s: %w", baseDir, img.Name, err)
		}
		if err := resMap.ApplyFilter(imagetag.Filter{ImageTag: img, FsSlice: specs.Images}); err != nil {
			return nil, nil, fmt.Errorf("build overlay on %s: image %s: %w", baseDir, img.Name, err)
		}
	}
	return resMap, images, nil
}

// runOverlay writes the overlay kustomization (with entries for images)
// into fsys and builds it.
func runOverlay(fsys filesys.FileSystem, baseDir string, images []string, env Env, cfg Config) (resmap.ResMap, error) {
	extra, err := overlayKustomization(baseDir, images, env, cfg)
	if err != nil {
		return nil, err
	}
	for name, data := range extra {
		if err := fsys.WriteFile(path.Join(overlayRoot, name), data); err != nil {
			return nil, fmt.Errorf("write overlay %s: %w", name, err)
		}
	}
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, overlayRoot)
	if err != nil {
		return nil, fmt.Errorf("build overlay on %s: %w", baseDir, err)
	}
	return resMap, nil
}

// overlayImages are the overlay's image entries: each own image gets the
// env's tag and, with cfg.Registry, its pushed name.
func overlayImages(images []string, env Env, cfg Config) []types.Image {
	var out []types.Image
	for _, name := range images {
		img := types.Image{Name: name, NewTag: env.TagOf(name)}
		if cfg.Registry != "" {
			img.NewName = PushedName(cfg, name)
		}
		out = append(out, img)
	}
	return out
}

// usesVars reports whether a kustomization of the tree (baseDir and what
// it builds on) declares vars.
func usesVars(files map[string][]byte, baseDir string) (bool, error) {
	vars := false
	err := walkKustomizations(files, baseDir, map[string]bool{}, func(_ string, k *types.Kustomization) error {
		vars = vars || len(k.Vars) > 0
		return nil
	})
	return vars, err
}

// ownImages returns, sorted, the listed images that are the app's own and
// so get the environment's tag: those used by workloads annotated with
// meta.AnnotationBuildContext (as `berth convert` marks images built from
// source) or, in a tree without such annotations, those whose tag no
// entry pins (postgres pinned to 16 stays postgres:16). resources are the
// tree's, built: their images as the tree sets them.
func ownImages(resources []*resource.Resource, listed map[string]bool) []string {
	if len(listed) == 0 {
		return nil
	}
	built, marked := map[string]bool{}, false
	for _, res := range resources {
		if _, ok := res.GetAnnotations()[meta.AnnotationBuildContext]; !ok {
			continue
		}
		marked = true
		for _, field := range [][]string{{"containers"}, {"initContainers"}} {
			path := append(append([]string{}, PodSpecPath(res.GetKind())...), field...)
			cs, err := res.GetSlice(strings.Join(path, "."))
			if err != nil {
				continue
			}
			for _, c := range cs {
				if m, ok := c.(map[string]any); ok {
					if image, ok := m["image"].(string); ok {
						built[imageName(image)] = true
					}
				}
			}
		}
	}
	var own []string
	for _, name := range sortedKeys(listed) {
		if (marked && built[name]) || (!marked && !listed[name]) {
			own = append(own, name)
		}
	}
	return own
}
