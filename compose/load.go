package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadOptions select the compose files and environment like the docker
// compose command line does.
type LoadOptions struct {
	// WorkingDir is the project directory (--project-directory); default the
	// directory of the first file, or the current directory.
	WorkingDir string
	// Files are the -f files, relative to WorkingDir when it is set. When
	// empty, COMPOSE_FILE or compose.yaml/docker-compose.yml (plus their
	// override files) are found as docker compose finds them.
	Files []string
	// Profiles are the active profiles (--profile).
	Profiles []string
	// EnvFiles replace the default .env file (--env-file).
	EnvFiles []string
	// ProjectName overrides the project name (-p).
	ProjectName string
	// Environment (KEY=VALUE) replaces the process environment for
	// interpolation when non-nil; tests use it for reproducible output.
	Environment []string
}

// Load reads a compose project: default files, .env, interpolation, extends,
// include, profiles and multiple files merged. Service environments are left
// unresolved so that Convert can keep env_file entries apart from
// environment. Errors keep compose-go's detail and add the file and line of
// the offending key when it can be found.
func Load(ctx context.Context, o LoadOptions) (*types.Project, error) {
	return load(ctx, o, withCasts)
}

// load is Load with the loader option that narrows compose-go's type casts
// to the compose files' keys (casts.go); nil keeps compose-go's own.
func load(ctx context.Context, o LoadOptions, casts func(files []string) func(*loader.Options)) (p *types.Project, err error) {
	// compose-go compiles its JSON schema once per process, when it first
	// validates (~15 ms, a quarter of a small app's load): compile it on
	// another core while the files are read, parsed and interpolated.
	go func() { _ = schema.Validate(map[string]any{}) }()
	files := make([]string, len(o.Files))
	for i, f := range o.Files {
		if o.WorkingDir != "" && f != "-" && !filepath.IsAbs(f) {
			f = filepath.Join(o.WorkingDir, f)
		}
		files[i] = f
	}
	env := cli.WithOsEnv
	if o.Environment != nil {
		env = cli.WithEnv(o.Environment)
	}
	fns := []cli.ProjectOptionsFn{
		env,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(o.Profiles...),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithResolvedPaths(true),
		cli.WithoutEnvironmentResolution,
	}
	if o.WorkingDir != "" {
		fns = append([]cli.ProjectOptionsFn{cli.WithWorkingDirectory(o.WorkingDir)}, fns...)
	}
	if o.ProjectName != "" {
		fns = append(fns, cli.WithName(o.ProjectName))
	}
	// compose-go is third-party code fed user input: never let it crash us.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("load compose files: compose-go failed on this input: %v", r)
		}
	}()
	po, err := cli.NewProjectOptions(files, fns...)
	if err != nil {
		return nil, fmt.Errorf("load compose files: %w", err)
	}
	if casts != nil {
		if err := cli.WithLoadOptions(casts(po.ConfigPaths))(po); err != nil {
			return nil, fmt.Errorf("load compose files: %w", err)
		}
	}
	p, err = po.LoadProject(ctx)
	if err != nil {
		return nil, locateError(err, po.ConfigPaths, po.Environment)
	}
	return p, nil
}

// baseNames lists the file names of paths for messages, with a leading
// space: " compose.yaml, x.yaml"; "" for none.
func baseNames(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return " " + strings.Join(names, ", ")
}
