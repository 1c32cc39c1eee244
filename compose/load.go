package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
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
	return load(ctx, o, true)
}

// load is Load; lean narrows compose-go's work where the files allow it
// (the same project, faster): its type casts to the patterns whose keys the
// files hold (casts.go) and its defaults and path walks to the parts of the
// model they can reach (walks.go). Without lean, compose-go loads as it
// does by itself.
func load(ctx context.Context, o LoadOptions, lean bool) (p *types.Project, err error) {
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
	var po *cli.ProjectOptions
	var w *walks
	// compose-go is third-party code fed user input: never let it crash us.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("load compose files: compose-go failed on this input: %v", r)
			if w != nil && w.err != nil { // it went on after the walks failed
				p, err = nil, locateError(w.err, po.ConfigPaths, po.Environment)
			}
		}
	}()
	po, err = cli.NewProjectOptions(files, fns...)
	if err != nil {
		return nil, fmt.Errorf("load compose files: %w", err)
	}
	if lean {
		if w, err = leanOptions(po); err != nil {
			return nil, fmt.Errorf("load compose files: %w", err)
		}
	}
	p, err = po.LoadProject(ctx)
	if w != nil && w.err != nil {
		p, err = nil, w.err
	}
	if err != nil {
		return nil, locateError(err, po.ConfigPaths, po.Environment)
	}
	if w != nil && !w.ran {
		// compose-go no longer showed the hook the model: load as it does
		return load(ctx, o, false)
	}
	return p, nil
}

// leanOptions adds the narrowed casts and walks to po when its files' text
// tells what they hold (composeTexts: no stdin, include or extends, whose
// files and paths compose-go handles on its own); the walks are nil when
// not added.
func leanOptions(po *cli.ProjectOptions) (*walks, error) {
	texts, ok := composeTexts(po.ConfigPaths)
	if !ok {
		return nil, nil
	}
	dir, err := po.GetWorkingDir()
	if err != nil {
		return nil, err
	}
	w := &walks{workingDir: dir}
	if err := cli.WithLoadOptions(withCasts(texts), w.option)(po); err != nil {
		return nil, err
	}
	return w, nil
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
