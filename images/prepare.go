package images

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/envs"
)

// ContentTags returns the content tag of each build of the app at root
// by image name, with the file digests cached in CachePath(root).
func ContentTags(root string, builds []compose.Build) (map[string]string, error) {
	if len(builds) == 0 {
		return nil, nil
	}
	path, err := CachePath(root)
	if err != nil {
		path = "" // no cache directory: hash everything
	}
	h := &Hasher{Cache: OpenFileCache(path)}
	tags, err := h.ContentTags(builds)
	if err != nil {
		return nil, err
	}
	_ = h.Cache.Save() // only a cache
	return tags, nil
}

// Options are how Prepare checks and builds.
type Options struct {
	Config envs.Config     // Registry and Images
	Builds []compose.Build // the app's builds
	Root   string          // the app's root, where a command builder runs
	// Registry looks images up; its zero value uses the docker keychain.
	Registry Registry
	// Builder builds missing own images; nil: from Config.Images.Builder.
	Builder Builder
	// NoBuild reports missing images instead of building them.
	NoBuild  bool
	Progress func(Event)
}

// Checks reports whether up checks images for cfg: with a registry and
// images.check not none.
func Checks(cfg envs.Config) bool {
	return cfg.Registry != "" && cfg.Images.CheckMode() != envs.CheckNone
}

// Prepare is the images step of an up, before anything is applied: the
// images the objects run (own ones only with images.check own) are
// resolved in their registries, missing own ones built (Ensure), and
// every container pinned to its digest (Pin). Without a registry, or
// with images.check none, it does nothing and returns no images.
func Prepare(ctx context.Context, objs []*unstructured.Unstructured, env envs.Env, o Options) ([]*Image, error) {
	if !Checks(o.Config) {
		return nil, nil
	}
	imgs, err := Of(objs, o.Config, o.Builds)
	if err != nil {
		return nil, err
	}
	if o.Config.Images.CheckMode() == envs.CheckOwn {
		own := imgs[:0]
		for _, im := range imgs {
			if im.Own() {
				own = append(own, im)
			}
		}
		imgs = own
	}
	sortImages(imgs)
	builder, err := o.builder()
	if err != nil {
		return imgs, err
	}
	if err := Ensure(ctx, imgs, o.Registry, builder, o.parallel(), o.Root, o.Progress); err != nil {
		return imgs, err
	}
	return imgs, Pin(objs, imgs, env.Commit)
}

// builder is o's builder: o.Builder, else the configured one; none with
// NoBuild.
func (o Options) builder() (Builder, error) {
	if o.NoBuild {
		return nil, nil
	}
	if o.Builder != nil {
		return o.Builder, nil
	}
	return NewBuilder(o.Config.Images.Builder)
}

func (o Options) parallel() int {
	if b := o.Config.Images.Builder; b != nil && b.Parallel > 0 {
		return b.Parallel
	}
	return DefaultBuildParallel
}

// Push is `berth images --push`: the app's own images as env names them,
// resolved, and with push the missing ones built (Ensure). Without push
// it only reports: no error for missing images.
func Push(ctx context.Context, env envs.Env, push bool, o Options) ([]*Image, error) {
	imgs := Own(o.Config, env, o.Builds)
	if !push {
		o.Registry.Resolve(ctx, imgs)
		return imgs, nil
	}
	builder, err := o.builder()
	if err != nil {
		return imgs, err
	}
	return imgs, Ensure(ctx, imgs, o.Registry, builder, o.parallel(), o.Root, o.Progress)
}
