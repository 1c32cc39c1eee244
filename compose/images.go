package compose

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// imageFor is the image of a service: image as given, or
// <project>-<service> when only build is given (as docker compose names it).
func (c *converter) imageFor(pl *plan) (string, error) {
	img := pl.s.Image
	if img == "" {
		if pl.s.Build == nil {
			return "", c.fail(pl.name, "image", fmt.Errorf("neither image nor build is set"))
		}
		img = dnsName(c.p.Name, 63) + "-" + pl.k8s
	}
	c.addImage(img)
	return img, nil
}

// addImage records an image for the base kustomization's images list.
func (c *converter) addImage(img string) {
	name, tag, digest := splitImage(img)
	if c.images[name] == nil {
		c.images[name] = map[string]bool{}
	}
	c.images[name][tag+"@"+digest] = true
}

// splitImage splits an image reference into name, tag and digest.
func splitImage(ref string) (name, tag, digest string) {
	name = ref
	if i := strings.Index(name, "@"); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}

// buildContextAbs is the absolute local build context of a service, or "".
func (c *converter) buildContextAbs(s types.ServiceConfig) string {
	if s.Build == nil || s.Build.Context == "" || strings.Contains(s.Build.Context, "://") {
		return ""
	}
	ctx := s.Build.Context
	if !filepath.IsAbs(ctx) {
		ctx = filepath.Join(c.p.WorkingDir, ctx)
	}
	return filepath.Clean(ctx)
}

// buildContext is the build context for the annotation: relative to the
// project directory for local contexts, verbatim for remote ones.
func (c *converter) buildContext(b *types.BuildConfig) string {
	if b.Context == "" || strings.Contains(b.Context, "://") || strings.HasPrefix(b.Context, "git@") {
		return b.Context
	}
	ctx := b.Context
	if !filepath.IsAbs(ctx) {
		ctx = filepath.Join(c.p.WorkingDir, ctx)
	}
	rel := c.relToProject(filepath.Clean(ctx))
	if rel == "." {
		return "."
	}
	if strings.HasPrefix(rel, "../") || rel == ".." || strings.HasPrefix(rel, "/") {
		return rel
	}
	return "./" + rel
}
