package envs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"
)

// Where Overlay puts the tree and the environment's kustomization in its
// in-memory filesystem: side by side, so a base at the tree's root works.
const (
	treeRoot    = "/tree"
	overlayRoot = "/berth-env"
)

// DefaultBaseDir picks the kustomization an environment builds on from a
// tree written by `berth convert`: "overlays/dev" if present, else "base",
// else the root.
func DefaultBaseDir(files map[string][]byte) string {
	for _, dir := range []string{"overlays/dev", "base"} {
		if kustomizationFile(files, dir) != "" {
			return dir
		}
	}
	return "."
}

// Overlay renders the environment env over the kustomize tree in files
// (paths relative to its root, e.g. "base/kustomization.yaml"), built on
// the kustomization in baseDir ("" for DefaultBaseDir). krusty builds an
// overlay in memory that sets the namespace, the ownership labels (on pod
// templates too, never on selectors), the env tag (and cfg.Registry as
// name prefix) of the app's own images among those the tree's `images:`
// lists (see ownImages), and adds the ResourceQuota and LimitRange, in one
// build of the tree (buildOverlay). Then spot placement (PlaceOnSpot) is
// added to every pod spec and pre-deploy Jobs are named by content
// (JobContentName). With cfg.Registry set, containers of the app's own
// images that set no imagePullPolicy get Always: the branch tag is reused
// by every push. Last, applyExternal gives external volumes a claim (or
// berth.yaml's mapping), renames mapped Secrets and ConfigMaps and makes
// NodePort and LoadBalancer Services ClusterIP where the quota allows none.
// When cfg sets a domain, exposeURLs puts every Ingress on the env's own
// host (or makes HTTPRoutes of them) and records the URLs on the Namespace.
// The result starts with the environment's Namespace.
func Overlay(files map[string][]byte, baseDir string, env Env, cfg Config) ([]*unstructured.Unstructured, error) {
	return overlay(files, baseDir, env, cfg, false, nil)
}

// overlay is Overlay; twoBuilds builds the tree alone to find the own
// images, then the overlay (see buildOverlay): the tests' reference. left
// are objects of the app left out of files (RenderBorrowing): not
// rendered, but what they mount and name counts for applyExternal.
func overlay(files map[string][]byte, baseDir string, env Env, cfg Config, twoBuilds bool, left []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if baseDir == "" {
		baseDir = DefaultBaseDir(files)
	}
	baseDir = path.Clean(filepath.ToSlash(baseDir))
	fsys := filesys.MakeFsInMemory()
	for name, data := range files {
		p, err := treePath(name)
		if err != nil {
			return nil, err
		}
		if err := fsys.WriteFile(path.Join(treeRoot, p), data); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
	}
	if _, err := treePath(baseDir); err != nil && baseDir != "." {
		return nil, err
	}
	if kustomizationFile(files, baseDir) == "" {
		return nil, fmt.Errorf("no kustomization.yaml in %s", baseDir)
	}
	listed := map[string]bool{}
	if err := listedImages(files, baseDir, map[string]bool{}, listed); err != nil {
		return nil, err
	}
	resMap, images, err := buildOverlay(fsys, files, baseDir, listed, env, cfg, twoBuilds)
	if err != nil {
		return nil, err
	}
	pushed := map[string]bool{} // own images as pushed to cfg.Registry
	for _, name := range images {
		pushed[PushedName(cfg, name)] = true
	}
	ns, err := runtime.DefaultUnstructuredConverter.ToUnstructured(env.NamespaceObject())
	if err != nil {
		return nil, fmt.Errorf("namespace object: %w", err)
	}
	delete(ns, "status")
	delete(ns, "spec")
	out := []*unstructured.Unstructured{{Object: ns}}
	for _, res := range resMap.Resources() {
		// Through JSON, numbers become the int64/float64 unstructured expects.
		data, err := res.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("rendered %s: %w", res.CurId(), err)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("rendered %s: %w", res.CurId(), err)
		}
		if obj.GetKind() == "Namespace" {
			return nil, fmt.Errorf("%s defines Namespace %q: berth creates the environment's namespace itself; remove it", baseDir, obj.GetName())
		}
		if err := PlaceOnSpot(obj, cfg.Spot); err != nil {
			return nil, err
		}
		if cfg.Registry != "" {
			if err := pullAlways(obj, pushed); err != nil {
				return nil, err
			}
		}
		if IsPreDeployJob(obj) {
			if err := nameJobByContent(obj, env.Commit); err != nil {
				return nil, err
			}
		}
		out = append(out, obj)
	}
	out, err = applyExternal(out, left, env, cfg)
	if err != nil {
		return nil, err
	}
	return exposeURLs(out, left, env, cfg)
}

// overlayKustomization returns the files of the environment's overlay:
// kustomization.yaml and what it refers to.
func overlayKustomization(baseDir string, images []string, env Env, cfg Config) (map[string][]byte, error) {
	k := &types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Namespace: env.Namespace,
		Resources: []string{path.Join("..", path.Base(treeRoot), baseDir)},
		Labels: []types.Label{{
			Pairs:            env.ObjectLabels(),
			IncludeTemplates: true,
			// PVCs a StatefulSet creates carry them too.
			IncludeVolumeClaimTemplates: true,
			FieldSpecs: []types.FieldSpec{
				{Gvk: gvkOf("batch", "CronJob"), Path: "spec/jobTemplate/metadata/labels", CreateIfNotPresent: true},
				{Gvk: gvkOf("batch", "CronJob"), Path: "spec/jobTemplate/spec/template/metadata/labels", CreateIfNotPresent: true},
			},
		}},
	}
	k.Images = overlayImages(images, env, cfg)
	extra := map[string][]byte{}
	var quota []byte
	for _, obj := range QuotaObjects(cfg.Quota) {
		y, err := yaml.Marshal(obj.Object)
		if err != nil {
			return nil, fmt.Errorf("quota: %w", err)
		}
		quota = append(append(quota, "---\n"...), y...)
	}
	if quota != nil {
		extra["quota.yaml"] = quota
		k.Resources = append(k.Resources, "quota.yaml")
	}
	y, err := yaml.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("overlay kustomization: %w", err)
	}
	extra[konfig.DefaultKustomizationFileName()] = y
	return extra, nil
}

// listedImages adds to listed the final names of the images in the
// `images:` of the kustomization in dir and of the directories it builds
// on (resources and components), each true if some entry pins its tag or
// digest.
func listedImages(files map[string][]byte, dir string, seen, listed map[string]bool) error {
	return walkKustomizations(files, dir, seen, func(_ string, k *types.Kustomization) error {
		for _, img := range k.Images {
			name := img.Name
			if img.NewName != "" {
				name = img.NewName
			}
			if name != "" {
				listed[name] = listed[name] || img.NewTag != "" || img.Digest != ""
			}
		}
		return nil
	})
}

// pullAlways sets imagePullPolicy Always on the containers of obj running
// one of images that set no policy.
func pullAlways(obj *unstructured.Unstructured, images map[string]bool) error {
	spec, err := PodSpec(obj)
	if err != nil || spec == nil {
		return err
	}
	for _, field := range []string{"initContainers", "containers"} {
		cs, _ := spec[field].([]any)
		for _, c := range cs {
			m, ok := c.(map[string]any)
			if !ok {
				return fmt.Errorf("%s %s: %s entry is %T, not an object", obj.GetKind(), obj.GetName(), field, c)
			}
			image, _ := m["image"].(string)
			if _, set := m["imagePullPolicy"]; !set && images[imageName(image)] {
				m["imagePullPolicy"] = "Always"
			}
		}
	}
	return nil
}

// imageName strips the tag and digest from an image reference.
func imageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// kustomizationFile returns the path of dir's kustomization file in files.
func kustomizationFile(files map[string][]byte, dir string) string {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := path.Join(dir, name)
		if _, ok := files[p]; ok {
			return p
		}
		if _, ok := files["./"+p]; ok {
			return "./" + p
		}
	}
	return ""
}

// treePath cleans a path of the tree and refuses ones leaving it.
func treePath(name string) (string, error) {
	p := path.Clean(filepath.ToSlash(name))
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") || p == "." {
		return "", fmt.Errorf("file %q: want a path inside the tree", name)
	}
	return p, nil
}

// PushedName is the name an own image of the tree (e.g. shop-web) has in
// an environment: with cfg.Registry, <registry>/shop-web (a registry host
// of its own replaced); else as it is.
func PushedName(cfg Config, name string) string {
	if cfg.Registry == "" {
		return name
	}
	return cfg.Registry + "/" + withoutRegistry(name)
}

// TagOf is the tag of the own image name in the environment: its entry in
// ImageTags, else Tag.
func (e Env) TagOf(name string) string {
	if t := e.ImageTags[name]; t != "" {
		return t
	}
	return e.Tag
}

// withoutRegistry drops the registry host from an image name:
// ghcr.io/acme/web → acme/web, localhost:5000/web → web, web → web.
func withoutRegistry(name string) string {
	first, rest, ok := strings.Cut(name, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return name
}

func gvkOf(group, kind string) resid.Gvk { return resid.Gvk{Group: group, Kind: kind} }

// ReadTree reads the regular files under dir into a map keyed by their
// slash-separated path relative to dir, for Overlay.
func ReadTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	return files, nil
}
