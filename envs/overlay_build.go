package envs

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/filters/imagetag"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
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
// labels leave images alone, so the result's images are the tree's (with
// the base kustomization's own entries, which takeImages moves after the
// build too), from which ownImages reads the own ones — and the entries
// are then applied to the result with kustomize's own image filters, as
// its ImageTagTransformer, the overlay's last transformer, would have. A
// tree with vars (resolved after all transformers, so one could read an
// image the overlay set) is built twice as before (twoBuilds, also the
// tests' reference): the tree alone for ownImages, then the overlay with
// its image entries, every entry left to kustomize.
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
	var baseImages []types.Image
	if !twoBuilds {
		var err error
		if baseImages, err = takeImages(fsys, files, baseDir); err != nil {
			return nil, nil, err
		}
	}
	resMap, err := runOverlay(fsys, baseDir, nil, env, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := applyImages(resMap, baseImages); err != nil {
		return nil, nil, fmt.Errorf("build %s: %w", baseDir, err)
	}
	images := ownImages(resMap.Resources(), listed)
	if err := applyImages(resMap, overlayImages(images, env, cfg)); err != nil {
		return nil, nil, fmt.Errorf("build overlay on %s: %w", baseDir, err)
	}
	return resMap, images, nil
}

// takeImages takes the `images:` out of baseDir's kustomization in fsys
// and returns them, for applyImages to apply after the build: kustomize
// compiles a regular expression for every image entry and container it
// compares, most of a build's time with a converted app's dozens of
// images. Only where nothing in that kustomization runs after its image
// transformer or changes how it works: no replacements, components,
// custom transformers, validators or configurations, no build metadata
// (which records transformers on the objects). Else it returns nil and
// leaves the kustomization as it is.
func takeImages(fsys filesys.FileSystem, files map[string][]byte, baseDir string) ([]types.Image, error) {
	file := kustomizationFile(files, baseDir)
	if file == "" {
		return nil, nil
	}
	var k types.Kustomization
	if err := k.Unmarshal(files[file]); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	k.FixKustomization()
	if len(k.Images) == 0 || k.Kind == types.ComponentKind || len(k.Replacements) > 0 || len(k.Components) > 0 ||
		len(k.Transformers) > 0 || len(k.Validators) > 0 || len(k.Configurations) > 0 || len(k.BuildMetadata) > 0 {
		return nil, nil
	}
	// Edited as YAML nodes: every other value keeps its text and style, so
	// kustomize reads it as before.
	rn, err := kyaml.Parse(string(files[file]))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := rn.PipeE(kyaml.Clear("images")); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	data, err := rn.String()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p, err := treePath(file)
	if err != nil {
		return nil, err
	}
	if err := fsys.WriteFile(path.Join(treeRoot, p), []byte(data)); err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return k.Images, nil
}

// applyImages applies image entries to the built objects in order with
// kustomize's own image filters, as its ImageTagTransformer does (the
// containers and initContainers anywhere, and imageFieldSpecs). An entry
// is tried only on the objects with a string its name, a regular
// expression to kustomize, matches in: where none does, no image of the
// object can match it.
func applyImages(resMap resmap.ResMap, entries []types.Image) error {
	if len(entries) == 0 {
		return nil
	}
	var specs struct {
		Images types.FsSlice `json:"images"`
	}
	if err := yaml.Unmarshal([]byte(imageFieldSpecs), &specs); err != nil {
		return fmt.Errorf("image field specs: %w", err)
	}
	texts := map[*resource.Resource]string{}
	for _, img := range entries {
		name, err := regexp.Compile(img.Name)
		if err != nil {
			name = nil // kustomize matches nothing: try every object
		}
		for _, res := range resMap.Resources() {
			if name != nil {
				text, ok := texts[res]
				if !ok {
					var b strings.Builder
					scalars(res.YNode(), &b)
					text = b.String()
					texts[res] = text
				}
				if !name.MatchString(text) {
					continue
				}
			}
			if err := res.ApplyFilter(imagetag.LegacyFilter{ImageTag: img}); err != nil {
				return fmt.Errorf("image %s: %w", img.Name, err)
			}
			if err := res.ApplyFilter(imagetag.Filter{ImageTag: img, FsSlice: specs.Images}); err != nil {
				return fmt.Errorf("image %s: %w", img.Name, err)
			}
			delete(texts, res) // it may have changed
		}
	}
	return nil
}

// scalars writes the value of every scalar under n to b, each on a line,
// following aliases to their anchors' values (the YAML parser refuses an
// anchor that contains itself).
func scalars(n *kyaml.Node, b *strings.Builder) {
	if n == nil {
		return
	}
	switch n.Kind {
	case kyaml.ScalarNode:
		b.WriteString(n.Value)
		b.WriteByte('\n')
	case kyaml.AliasNode:
		scalars(n.Alias, b)
	}
	for _, c := range n.Content {
		scalars(c, b)
	}
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
