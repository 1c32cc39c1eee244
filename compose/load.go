package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
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
func Load(ctx context.Context, o LoadOptions) (p *types.Project, err error) {
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
	p, err = po.LoadProject(ctx)
	if err != nil {
		return nil, locateError(err, po.ConfigPaths)
	}
	return p, nil
}

// keyPathInError finds a dotted compose key path such as
// "services.web.ports.0" in a compose-go error message.
var keyPathInError = regexp.MustCompile(`\b((?:services|volumes|networks|secrets|configs|include|models)(?:\.[A-Za-z0-9_.-]+)?)`)

// LoadError is a compose loading error with the source position of the key
// it is about, when known. Unwrap gives compose-go's error.
type LoadError struct {
	File string
	Line int
	Key  string
	Err  error
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
	}
	return e.Err.Error()
}

func (e *LoadError) Unwrap() error { return e.Err }

// locateError adds file:line to a loader error that names a key path.
func locateError(err error, files []string) error {
	m := keyPathInError.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("load compose files%s: %w", baseNames(files), err)
	}
	pos := newPositions(files, os.ReadFile, func(s string) string { return s })
	file, line := pos.lookup(m[1])
	if line == 0 {
		return fmt.Errorf("load compose files%s: %w", baseNames(files), err)
	}
	return &LoadError{File: file, Line: line, Key: m[1], Err: err}
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
