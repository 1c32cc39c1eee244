package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/compose"
)

// convertOptions are the flags of `berth convert`.
type convertOptions struct {
	*globalOptions
	files      []string
	profiles   []string
	envFiles   []string
	projectDir string
	name       string
	outDir     string
	strict     bool
	force      bool
	waitInit   bool
}

func newConvertCmd(opts *globalOptions) *cobra.Command {
	o := &convertOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:   "convert",
		Short: "Convert a docker-compose app into a kustomize base and overlays",
		Long: `convert reads the compose files the way docker compose does (compose.yaml or
docker-compose.yml plus override files, COMPOSE_FILE, .env, profiles, extends,
include) and writes a kustomize tree:

  DIR/base/             one file per service, generators, images
  DIR/overlays/dev/     spot placement and small resource requests
  DIR/overlays/prod/    a starting point

Every compose key is either mapped or reported in a warning table at the end.
Generated files carry a checksum: files edited by hand are not overwritten
unless --force is given. The directory is replaced atomically.`,
		Example: `  # convert ./compose.yaml into ./deploy
  berth convert

  # several files and a profile, into k8s/
  berth convert -f compose.yaml -f compose.prod.yaml --profile workers -o k8s

  # fail (exit 1) when anything could not be mapped, e.g. in CI
  berth convert --strict

  # check the result
  kubectl kustomize deploy/overlays/dev`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.files, "file", "f", nil, "compose file (repeatable; default: compose.yaml, docker-compose.yml and overrides)")
	f.StringArrayVar(&o.profiles, "profile", nil, "profile to enable (repeatable)")
	f.StringArrayVar(&o.envFiles, "env-file", nil, "environment file instead of .env (repeatable)")
	f.StringVar(&o.projectDir, "project-directory", "", "project directory (default: the first file's directory)")
	f.StringVarP(&o.name, "project-name", "p", "", "project name (default: from the compose file or directory)")
	f.StringVarP(&o.outDir, "output", "o", "deploy", "output directory")
	f.BoolVar(&o.strict, "strict", false, "exit non-zero when there are warnings (nothing is written)")
	f.BoolVar(&o.force, "force", false, "overwrite files edited by hand")
	f.BoolVar(&o.waitInit, "wait-init", false, "add init containers waiting for depends_on services (for plain kubectl apply -k)")
	return cmd
}

// Complete has nothing to fill in: compose-go resolves the files.
func (o *convertOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate refuses an empty --output or --file.
func (o *convertOptions) Validate() error {
	if strings.TrimSpace(o.outDir) == "" {
		return usageError("--output must not be empty")
	}
	for _, f := range o.files {
		if strings.TrimSpace(f) == "" {
			return usageError("--file must not be empty")
		}
	}
	return nil
}

// Run converts the compose app and writes the kustomize tree.
func (o *convertOptions) Run(ctx context.Context) error {
	// compose-go reports obsolete keys and unset variables through logrus
	logrus.SetOutput(o.streams.err)
	logrus.SetFormatter(composeLogFormat{})
	p, err := compose.Load(ctx, compose.LoadOptions{
		WorkingDir:  o.projectDir,
		Files:       o.files,
		Profiles:    o.profiles,
		EnvFiles:    o.envFiles,
		ProjectName: o.name,
	})
	if err != nil {
		return err
	}
	base, err := compose.Convert(p, compose.Options{WaitInit: o.waitInit})
	if err != nil {
		return err
	}
	printWarnings(o.streams.err, base.Warnings)
	if o.strict && len(base.Warnings) > 0 {
		return fmt.Errorf("%d warning(s) with --strict; nothing written", len(base.Warnings))
	}
	out := o.outDir
	if err := base.Write(out, compose.WriteOptions{Force: o.force}); err != nil {
		var ee *compose.EditedError
		if errors.As(err, &ee) {
			return err
		}
		return fmt.Errorf("write %s: %w", out, err)
	}
	services := len(p.Services)
	fmt.Fprintf(o.streams.out, "Converted %d service(s) of %q into %s (%d files, %d warning(s)).\n", services, p.Name, out, len(base.Files), len(base.Warnings))
	fmt.Fprintf(o.streams.out, "Build it with: kubectl kustomize %s\n", filepath.ToSlash(filepath.Join(out, "overlays", "dev")))
	return nil
}

// printWarnings writes the warning summary table.
func printWarnings(w io.Writer, ws []compose.Warning) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d warning(s):\n", len(ws))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHERE\tKEY\tWHAT")
	for _, x := range ws {
		where := x.Position()
		if where == "" {
			where = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", where, x.Key, x.Message)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// composeLogFormat prints compose-go's log lines like berth's own messages.
type composeLogFormat struct{}

func (composeLogFormat) Format(e *logrus.Entry) ([]byte, error) {
	return []byte(e.Level.String() + ": " + e.Message + "\n"), nil
}
