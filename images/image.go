package images

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
)

// State is what the registry check found of an image.
type State string

// Image states.
const (
	StateUnchecked State = "unchecked" // not looked up (images.check)
	StatePresent   State = "present"   // in the registry
	StateMissing   State = "missing"   // not in the registry
	StateBuilt     State = "built"     // built and pushed by this run
	StateError     State = "error"     // the registry could not be asked
)

// Image is one image of an environment.
type Image struct {
	// Ref is the image as the pod specs name it before pinning:
	// <registry>/shop-web:sha-3f9a0c1b2d4e, postgres:16.
	Ref string `json:"ref"`
	// Build is the build of an own image (built from source); nil for a
	// third-party one.
	Build *compose.Build `json:"-"`
	// Services run the image: a build's compose services, or the
	// workloads whose pods use a third-party image.
	Services []string `json:"services"`
	State    State    `json:"state"`
	// Digest is the manifest digest (sha256:...) once resolved.
	Digest string `json:"digest,omitempty"`
	// Err says why the check failed (StateError).
	Err error `json:"-"`
}

// Own reports whether the app builds the image from source.
func (im *Image) Own() bool { return im.Build != nil }

// Pinned is Ref with its digest: <ref>@sha256:..., or Ref unresolved.
func (im *Image) Pinned() string {
	if im.Digest == "" || strings.Contains(im.Ref, "@") {
		return im.Ref
	}
	return im.Ref + "@" + im.Digest
}

// Tag is the tag of Ref, "" when it has none.
func (im *Image) Tag() string {
	name, _, _ := strings.Cut(im.Ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	return ""
}

// Own returns the own images of the app as an environment names them:
// <registry>/<image>:<its tag in env> for each build.
func Own(cfg envs.Config, env envs.Env, builds []compose.Build) []*Image {
	out := make([]*Image, 0, len(builds))
	for i := range builds {
		b := &builds[i]
		out = append(out, &Image{Ref: envs.PushedName(cfg, b.Image) + ":" + env.TagOf(b.Image), Build: b,
			Services: append([]string(nil), b.Services...), State: StateUnchecked})
	}
	return out
}

// Of returns the images the pod specs of objs run, sorted by Ref: the
// own ones (named as Own names them) with their build, the others
// with the workloads running them.
func Of(objs []*unstructured.Unstructured, cfg envs.Config, builds []compose.Build) ([]*Image, error) {
	own := map[string]*compose.Build{}
	for i := range builds {
		own[envs.PushedName(cfg, builds[i].Image)] = &builds[i]
	}
	byRef := map[string]*Image{}
	users := map[string]map[string]bool{}
	err := eachContainer(objs, func(obj *unstructured.Unstructured, c map[string]any) error {
		ref, _ := c["image"].(string)
		if ref == "" {
			return nil
		}
		im := byRef[ref]
		if im == nil {
			im = &Image{Ref: ref, State: StateUnchecked, Build: own[nameOf(ref)]}
			byRef[ref] = im
			users[ref] = map[string]bool{}
		}
		users[ref][obj.GetName()] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Image, 0, len(byRef))
	for _, ref := range sortedKeys(byRef) {
		im := byRef[ref]
		if im.Build != nil {
			im.Services = append([]string(nil), im.Build.Services...)
		} else {
			im.Services = sortedKeys(users[ref])
		}
		out = append(out, im)
	}
	return out, nil
}

// eachContainer calls f with every container and init container of the
// pod specs of objs.
func eachContainer(objs []*unstructured.Unstructured, f func(obj *unstructured.Unstructured, c map[string]any) error) error {
	for _, obj := range objs {
		spec, err := envs.PodSpec(obj)
		if err != nil {
			return err
		}
		if spec == nil {
			continue
		}
		for _, field := range []string{"initContainers", "containers"} {
			cs, _ := spec[field].([]any)
			for _, c := range cs {
				m, ok := c.(map[string]any)
				if !ok {
					return fmt.Errorf("%s %s: %s entry is %T, not an object", obj.GetKind(), obj.GetName(), field, c)
				}
				if err := f(obj, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// nameOf strips the tag and digest from an image reference.
func nameOf(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// Pin rewrites the image of every container of objs to its digest
// (Pinned), so a tag pushed again cannot change a running environment,
// and renames the pre-deploy Jobs for their new content (the commit is
// the environment's, as Overlay named them).
func Pin(objs []*unstructured.Unstructured, imgs []*Image, commit string) error {
	pinned := map[string]string{}
	for _, im := range imgs {
		if p := im.Pinned(); p != im.Ref {
			pinned[im.Ref] = p
		}
	}
	if len(pinned) == 0 {
		return nil
	}
	changed := map[*unstructured.Unstructured]bool{}
	err := eachContainer(objs, func(obj *unstructured.Unstructured, c map[string]any) error {
		ref, _ := c["image"].(string)
		if p, ok := pinned[ref]; ok {
			c["image"] = p
			changed[obj] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if changed[obj] && envs.IsPreDeployJob(obj) {
			if err := envs.NameJobByContent(obj, commit); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortImages orders images own first, then by Ref.
func sortImages(imgs []*Image) {
	sort.SliceStable(imgs, func(i, j int) bool {
		if imgs[i].Own() != imgs[j].Own() {
			return imgs[i].Own()
		}
		return imgs[i].Ref < imgs[j].Ref
	})
}
