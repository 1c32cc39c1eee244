package compose

import (
	"path/filepath"
	"sort"
	"strings"
)

// Build is an image the app builds from source: a service with `build:`,
// as `berth images` hashes and builds it.
type Build struct {
	// Services are the compose services running the image, sorted (shop's
	// web, migrate and seed build ./web as three images; genapp's services
	// share one).
	Services []string `json:"services"`
	// Image is the image name in the tree, without tag: the service's
	// image (its tag dropped), or <project>-<service> as compose names it.
	Image string `json:"image"`
	// Context is the absolute local build context; for a remote one (a git
	// or https URL), the URL as given.
	Context string `json:"context"`
	// Remote reports a remote Context: its files are not read.
	Remote bool `json:"remote,omitempty"`
	// Dockerfile is the absolute path of the Dockerfile, "" with Inline.
	Dockerfile string `json:"dockerfile,omitempty"`
	// Inline is the dockerfile_inline content.
	Inline string `json:"inline,omitempty"`
	// Args are the build args; a nil value is an arg given without one.
	Args      map[string]*string `json:"args,omitempty"`
	Target    string             `json:"target,omitempty"`
	Platforms []string           `json:"platforms,omitempty"`
}

// builds lists the images the project builds, one per image name, sorted
// by name; services sharing an image name add themselves to its Services
// (the first service in name order gives the build settings).
func (c *converter) builds() []Build {
	byImage := map[string]*Build{}
	for _, name := range c.order {
		pl := c.plans[name]
		b := pl.s.Build
		if b == nil {
			continue
		}
		image, _, _ := splitImage(pl.image)
		if have := byImage[image]; have != nil {
			have.Services = append(have.Services, name)
			continue
		}
		out := &Build{Services: []string{name}, Image: image, Context: c.buildContextAbs(pl.s),
			Inline: b.DockerfileInline, Target: b.Target, Platforms: append([]string(nil), b.Platforms...)}
		if out.Context == "" {
			out.Context, out.Remote = b.Context, true
		}
		if out.Inline == "" && !out.Remote {
			file := b.Dockerfile
			if file == "" {
				file = "Dockerfile"
			}
			if !filepath.IsAbs(file) {
				file = filepath.Join(out.Context, file)
			}
			out.Dockerfile = file
		} else if out.Inline == "" {
			out.Dockerfile = b.Dockerfile
		}
		if len(b.Args) > 0 {
			out.Args = map[string]*string{}
			for k, v := range b.Args {
				out.Args[k] = v
			}
		}
		byImage[image] = out
	}
	var out []Build
	for _, b := range byImage {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Image, out[j].Image) < 0 })
	return out
}
