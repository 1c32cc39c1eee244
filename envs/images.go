package envs

import (
	"strings"
)

// Images is berth.yaml's images: where the app's own images live, which
// images up resolves in the registry before applying, and the builder of
// the missing ones (the images package does the work).
type Images struct {
	// Registry prefixes the app's own images: web → <registry>/web. It is
	// the top-level registry's newer spelling; give one of them.
	Registry string `yaml:"registry,omitempty"`
	// Check is which images up resolves (and pins by digest) before
	// applying: all (default: the app's own and third-party ones), own,
	// or none. Without a registry, up checks none.
	Check string `yaml:"check,omitempty"`
	// Builder builds the app's own images missing from the registry; with
	// none, up stops before applying and lists them.
	Builder *Builder `yaml:"builder,omitempty"`
}

// Image check modes of Images.Check.
const (
	CheckAll  = "all"
	CheckOwn  = "own"
	CheckNone = "none"
)

// Builder kinds of Builder.Kind.
const (
	BuilderDocker   = "docker"
	BuilderBuildKit = "buildkit"
	BuilderCommand  = "command"
)

// Builder is how berth builds and pushes an image.
type Builder struct {
	// Kind is docker (docker buildx build --push), buildkit (buildctl
	// against the buildkitd at Address) or command (Command run by sh).
	Kind string `yaml:"kind"`
	// Address is the buildkitd address for kind buildkit, e.g.
	// tcp://buildkitd.buildkit:1234.
	Address string `yaml:"address,omitempty"`
	// Command, for kind command, builds and pushes $IMAGE from $CONTEXT
	// with $DOCKERFILE (and $TARGET, $PLATFORMS); run by sh in the app's
	// root.
	Command string `yaml:"command,omitempty"`
	// Parallel is how many builds run at once; default 2.
	Parallel int `yaml:"parallel,omitempty"`
}

// resolveImages makes images.registry and the top-level registry one
// setting (Config.Registry) and checks images.
func (c *Config) resolveImages() error {
	switch {
	case c.Images.Registry != "" && c.Registry != "" && c.Images.Registry != c.Registry:
		return fieldErr("images.registry", "%q differs from registry %q: give one of them", c.Images.Registry, c.Registry)
	case c.Images.Registry != "":
		c.Registry = c.Images.Registry
	}
	c.Images.Registry = ""
	return c.Images.validate()
}

func (im Images) validate() error {
	switch im.Check {
	case "", CheckAll, CheckOwn, CheckNone:
	default:
		return fieldErr("images.check", "%q must be all, own or none", im.Check)
	}
	b := im.Builder
	if b == nil {
		return nil
	}
	switch b.Kind {
	case BuilderDocker:
	case BuilderBuildKit:
		if b.Address == "" {
			return fieldErr("images.builder.address", "kind buildkit needs the buildkitd address, e.g. tcp://buildkitd:1234")
		}
	case BuilderCommand:
		if strings.TrimSpace(b.Command) == "" {
			return fieldErr("images.builder.command", "kind command needs the command that builds and pushes $IMAGE")
		}
	default:
		return fieldErr("images.builder.kind", "%q must be docker, buildkit or command", b.Kind)
	}
	if b.Parallel < 0 {
		return fieldErr("images.builder.parallel", "must not be negative")
	}
	return nil
}

// CheckMode is Images.Check with its default.
func (im Images) CheckMode() string {
	if im.Check == "" {
		return CheckAll
	}
	return im.Check
}
