package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// appFlags are the flags that locate the app and pick its environment.
type appFlags struct {
	dir      string
	files    []string
	profiles []string
	envFiles []string
	branch   string
	tag      string
}

func (a *appFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.dir, "dir", "", "directory of the app (default: the working directory; berth.yaml is looked up to the git root)")
	f.StringArrayVarP(&a.files, "file", "f", nil, "compose file instead of berth.yaml's (repeatable)")
	f.StringArrayVar(&a.profiles, "profile", nil, "compose profile to enable (repeatable)")
	f.StringArrayVar(&a.envFiles, "env-file", nil, "environment file instead of .env (repeatable)")
	f.StringVar(&a.branch, "branch", "", "branch to deploy as ($BERTH_BRANCH; default: git HEAD; detached HEAD: the short commit)")
}

// load reads the app and lays the command's flags and BERTH_* variables
// over its berth.yaml (see applySettings).
func (a *appFlags) load(cmd *cobra.Command, g *globalOptions) (*envs.App, error) {
	app, err := envs.LoadApp(cmd.Context(), a.options())
	if err != nil {
		return nil, err
	}
	if err := applySettings(&app.Config, cmd.Flags(), os.LookupEnv, g.log); err != nil {
		return nil, err
	}
	return app, nil
}

// render loads the app (see load) and renders the environment of the
// branch: the objects `berth up` applies.
func (a *appFlags) render(cmd *cobra.Command, g *globalOptions) (*envs.App, envs.Env, []*unstructured.Unstructured, error) {
	app, err := a.load(cmd, g)
	if err != nil {
		return nil, envs.Env{}, nil, err
	}
	env, err := app.Env(envs.Overrides{Branch: a.branch, Tag: a.tag}, time.Now())
	if err != nil {
		return nil, envs.Env{}, nil, err
	}
	objs, err := app.Render(env)
	if err != nil {
		return nil, env, nil, fmt.Errorf("render %s: %w", env.Namespace, err)
	}
	return app, env, objs, nil
}

func (a *appFlags) options() envs.AppOptions {
	return envs.AppOptions{Dir: a.dir, Files: a.files, Profiles: a.profiles, EnvFiles: a.envFiles}
}

type upOptions struct {
	app     appFlags
	output  string
	timeout time.Duration
	strict  bool // refuse plaintext Secrets on a non-local cluster
}

func newUpCmd(opts *globalOptions) *cobra.Command {
	o := &upOptions{}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create or update the dev environment of the current git branch",
		Long: `up deploys the app to its own namespace, <prefix>-<project>-<branch>:
namespace, quota, config and services first, then pre-deploy Jobs (migrations,
seed data; each must succeed), then workloads in depends_on order, waiting for
each as compose would. Re-running converges; objects the app no longer has are
pruned. A namespace berth does not own is never touched. First, a preflight
checks what the app needs (pods, PVCs, storage, CPU, memory, Service types)
against the quota; if it does not fit, up applies nothing.

Exit codes: 0 ready, 1 error, 2 usage or the environment does not fit its
quota (nothing applied), 3 the environment failed to become ready.`,
		Example: `  # deploy the current branch
  berth up

  # deploy as another branch, with images tagged v1.2.3, JSON events for CI
  berth up --branch feature/login --tag v1.2.3 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runUp(cmd, opts, o) },
	}
	o.app.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.app.tag, "tag", "", "image tag for the app's own images ($BERTH_TAG; default: the branch slug)")
	f.String("project", "", "project instead of berth.yaml's ($BERTH_PROJECT)")
	f.String("prefix", "", "namespace prefix instead of berth.yaml's ($BERTH_PREFIX)")
	f.String("registry", "", "registry for the app's own images instead of berth.yaml's ($BERTH_REGISTRY)")
	f.String("ttl", "", "lifetime after this deploy instead of berth.yaml's ttl, e.g. 2d ($BERTH_TTL)")
	f.StringVarP(&o.output, "output", "o", "", "progress format: json (one event per line)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for each Job and each wave of workloads")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "refuse Secrets with plaintext values from the repo on a non-local cluster (see docs/secrets.md)")
	return cmd
}

func runUp(cmd *cobra.Command, g *globalOptions, o *upOptions) error {
	if o.output != "" && o.output != "json" {
		return usageError("unknown output format %q (want json)", o.output)
	}
	ctx := cmd.Context()
	app, env, objs, err := o.app.render(cmd, g)
	if err != nil {
		return err
	}
	c, err := k8s.NewClient(g.kube)
	if err != nil {
		return err
	}
	if err := checkPlainSecrets(g.streams.err, c.Config.Host, objs, o.strict); err != nil {
		return err
	}
	out := g.info()
	progress := printEvent(out)
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = printEventLive(out)
	}
	if o.output == "json" {
		enc := json.NewEncoder(g.streams.out)
		progress = func(e envs.Event) { _ = enc.Encode(e) }
	} else {
		fmt.Fprintf(out, "berth up %s (branch %s, %d objects) on %s\n", env.Namespace, env.Branch, len(objs), c.Config.Host)
	}
	err = envs.Up(ctx, c, envs.UpOptions{Env: env, Objects: objs, Timeout: o.timeout, Progress: progress})
	notify(ctx, g.streams.err, app.Config.Webhook, envs.UpMessage(env, err))
	var upErr *envs.UpError
	var preErr *envs.PreflightError
	if errors.As(err, &preErr) {
		return &exitCodeError{code: exitUsage, err: err}
	}
	if errors.As(err, &upErr) && upErr.NotReady() {
		return &exitCodeError{code: exitNotReady, err: err}
	}
	return err
}

// printEventLive is printEvent for a terminal: waiting updates replace one
// live line (with a spinner) instead of piling up.
func printEventLive(w io.Writer) func(envs.Event) {
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	plain := printEvent(w)
	n, live := 0, false
	return func(e envs.Event) {
		if live {
			fmt.Fprint(w, "\r\033[K")
			live = false
		}
		if e.Phase == envs.UpWaiting {
			fmt.Fprintf(w, "%6.1fs %c %s: %s", e.Elapsed.Seconds(), frames[n%len(frames)], e.Object, e.Message)
			n++
			live = true
			return
		}
		plain(e)
	}
}

// printEvent writes one plain line per event, kubectl style.
func printEvent(w io.Writer) func(envs.Event) {
	return func(e envs.Event) {
		at := fmt.Sprintf("%6.1fs", e.Elapsed.Seconds())
		switch e.Phase {
		case envs.UpStarted:
			fmt.Fprintf(w, "%s ▸ %s: %s\n", at, e.Step, e.Message)
		case envs.UpApplied, envs.UpPruned, envs.UpRetry, envs.UpSkipped:
			fmt.Fprintf(w, "%s   %s %s %s\n", at, e.Object, e.Phase, e.Message)
		case envs.UpWaiting:
			fmt.Fprintf(w, "%s   %s waiting: %s\n", at, e.Object, e.Message)
		case envs.UpReady:
			fmt.Fprintf(w, "%s   %s ready\n", at, e.Object)
		case envs.UpDone:
			fmt.Fprintf(w, "%s ✓ %s %s\n", at, e.Step, e.Message)
		case envs.UpFailed:
			fmt.Fprintf(w, "%s ✗ %s failed\n", at, e.Step)
		}
	}
}
