package main

import (
	"context"
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
	"github.com/berth-dev/berth/images"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/preview"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// appFlags are the flags that locate the app and pick its environment.
type appFlags struct {
	dir      string
	files    []string
	profiles []string
	envFiles []string
	branch   string
	tag      string
	pr       int // the pull request deployed for (githubFlags)
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
	return a.renderWith(cmd, g, func(app *envs.App, env envs.Env) ([]*unstructured.Unstructured, error) {
		return app.RenderContext(cmd.Context(), env)
	})
}

// renderWith is render with r rendering the loaded app's env.
func (a *appFlags) renderWith(cmd *cobra.Command, g *globalOptions, r func(*envs.App, envs.Env) ([]*unstructured.Unstructured, error)) (*envs.App, envs.Env, []*unstructured.Unstructured, error) {
	defer renderGC()()
	app, err := a.load(cmd, g)
	if err != nil {
		return nil, envs.Env{}, nil, err
	}
	o := envs.Overrides{Branch: a.branch, Tag: a.tag, PR: a.pr}
	env, err := app.Env(o, time.Now())
	if err != nil {
		return nil, envs.Env{}, nil, err
	}
	if err := withContentTags(app, &env, o); err != nil {
		return nil, env, nil, err
	}
	objs, err := r(app, env)
	if err != nil {
		return nil, env, nil, renderError(env.Namespace, err)
	}
	return app, env, objs, nil
}

func (a *appFlags) options() envs.AppOptions {
	return envs.AppOptions{Dir: a.dir, Files: a.files, Profiles: a.profiles, EnvFiles: a.envFiles}
}

// upOptions are the options of `berth up`.
type upOptions struct {
	*globalOptions
	app     appFlags
	output  *outputFormat
	timeout time.Duration
	strict  bool // refuse plaintext Secrets on a non-local cluster
	github  githubFlags
	changed changedFlags

	// set by Complete
	loaded *envs.App
	cfg    envs.Config
	env    envs.Env
	objs   []*unstructured.Unstructured
	mode   *rollout.ChangedOptions // changed mode; nil: full
	client *k8s.Client
}

func newUpCmd(opts *globalOptions) *cobra.Command {
	o := &upOptions{globalOptions: opts}
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

With a domain in berth.yaml, each service with an ingress or published ports
gets a host of the environment's own; up ends with the URLs (-o json: urls
on the last event).

For a pull request (--pr and --github-repo, or detected in GitHub Actions:
then the PR's branch is deployed) with GITHUB_TOKEN set, up reports to
GitHub: a Deployment with statuses in_progress, then success or failure,
and one comment on the pull request, edited on every up. GitHub failing is
a warning, never a failed up (see docs/previews.md).

With a registry (berth.yaml images.registry), up first resolves every image
of the environment in its registry and pins the applied pod specs to their
digests. The app's own images are tagged by content (sha-<12 hex> of what
their build reads; --tag overrides): a missing one is built and pushed by
images.builder, or, with no builder, up stops and lists it. A failed build
stops up with the builder's last lines. Nothing is applied before all
images are there.

With --changed (or baseline.mode: changed in berth.yaml), up deploys only
the services whose rendered workload differs from the baseline env's
(baseline.branch or baseline.namespace) and gives the others a Service of
the same name pointing at the baseline's: see docs/baseline.md.

Exit codes: 0 ready, 1 error (a failed build too), 2 usage, the environment
does not fit its quota, images are missing or changed mode refused a
migration against a borrowed database (nothing applied), 3 the environment
failed to become ready.`,
		Example: `  # deploy the current branch
  berth up

  # deploy as another branch, with images tagged v1.2.3, JSON events for CI
  berth up --branch feature/login --tag v1.2.3 -o json

  # deploy pull request 42's branch and report it on the pull request
  GITHUB_TOKEN=... berth up --branch feature/login --github-repo acme/shop --pr 42


  # deploy only what differs from the baseline (berth.yaml baseline.branch: main)
  berth up --changed`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.app.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.app.tag, "tag", "", "image tag for all the app's own images ($BERTH_TAG; default: each image's content tag)")
	f.String("project", "", "project instead of berth.yaml's ($BERTH_PROJECT)")
	f.String("prefix", "", "namespace prefix instead of berth.yaml's ($BERTH_PREFIX)")
	f.String("registry", "", "registry for the app's own images instead of berth.yaml's ($BERTH_REGISTRY)")
	f.String("ttl", "", "lifetime after this deploy instead of berth.yaml's ttl, e.g. 2d ($BERTH_TTL)")
	o.output = addOutputFlag(cmd, "", []string{"json"}, "progress format: json (one event per line)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for each Job and each wave of workloads")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "refuse Secrets with plaintext values from the repo on a non-local cluster (see docs/secrets.md)")
	o.github.register(cmd)
	o.changed.register(cmd)
	return cmd
}

// Complete renders the branch's environment (settings resolved once, laid
// over berth.yaml) and builds the cluster client.
func (o *upOptions) Complete(cmd *cobra.Command, _ []string) error {
	note := o.info()
	if o.output.String() == "json" && !o.quiet {
		note = o.streams.err // stdout is the JSON events
	}
	if err := o.github.resolve(note); err != nil {
		return err
	}
	if o.app.branch == "" {
		o.app.branch = o.github.branch() // the pull request's, in GitHub Actions
	}
	o.app.pr = o.github.pr()
	app, env, objs, err := o.app.renderWith(cmd, o.globalOptions, o.render(cmd.Context()))
	if err != nil {
		return err
	}
	o.loaded, o.cfg, o.env, o.objs = app, app.Config, env, objs
	return nil
}

// render resolves changed mode and the client, then renders the env: in
// changed mode, the services whose sources are the baseline's are left
// out of the render (rollout.Unchanged).
func (o *upOptions) render(ctx context.Context) func(*envs.App, envs.Env) ([]*unstructured.Unstructured, error) {
	return func(app *envs.App, env envs.Env) ([]*unstructured.Unstructured, error) {
		var err error
		if o.mode, err = o.changed.options(app.Config); err != nil {
			return nil, err
		}
		if o.client, err = k8s.NewClient(o.kube); err != nil {
			return nil, err
		}
		if o.mode == nil || o.mode.Dependents {
			return app.RenderContext(ctx, env) // dependents are found on the full render
		}
		return renderChanged(ctx, o.log, o.client, app, env, o.mode)
	}
}

// Validate refuses (with --strict) or warns about plaintext Secrets bound
// for a cluster that is not local.
func (o *upOptions) Validate() error {
	return checkPlainSecrets(o.streams.err, o.client.Config.Host, o.objs, o.strict)
}

// Run deploys the environment, printing progress, and notifies the webhook.
func (o *upOptions) Run(ctx context.Context) error {
	out := o.info()
	progress := printEvent(out)
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = printEventLive(out)
	}
	urls := envs.URLs(o.objs)
	if o.output.String() == "json" {
		enc := json.NewEncoder(o.streams.out)
		progress = func(e rollout.Event) { _ = enc.Encode(upEventOf(e, urls)) }
	} else {
		fmt.Fprintf(out, "berth up %s (branch %s, %d objects) on %s\n", o.env.Namespace, o.env.Branch, len(o.objs), o.client.Config.Host)
	}
	o.github.report(ctx, o.streams.err, func(ctx context.Context, r *preview.Reporter) error {
		return r.Started(ctx, preview.Report{Env: o.env, State: preview.StateDeploying, URLs: urls, At: time.Now()})
	})
	start := time.Now()
	err := upImages(ctx, o.loaded, o.cfg, o.env, o.objs, start, progress)
	if err == nil {
		err = rollout.Up(ctx, o.client, rollout.UpOptions{Env: o.env, Objects: o.objs, Timeout: o.timeout, Progress: deployedURLs(progress, &urls), Start: start, Changed: o.mode})
	}
	if line := render.URLsLine(urls); err == nil && line != "" && o.output.String() != "json" {
		fmt.Fprintln(o.streams.out, line)
	}
	reported := o.github.report(ctx, o.streams.err, func(ctx context.Context, r *preview.Reporter) error {
		services, serr := preview.Services(ctx, o.client.Typed, o.env.Namespace)
		if serr != nil {
			o.log.Debug("preview: no service table", "err", serr)
		}
		return r.Finished(ctx, preview.NewReport(o.env, urls, services, err, time.Now()))
	})
	if reported && o.output.String() != "json" {
		fmt.Fprintf(out, "reported on %s: deployment %d, comment updated\n", o.github.target, o.github.reporter.Deployment())
	}
	notify(ctx, o.streams.err, o.cfg.Webhook, lifecycle.UpMessage(o.env, urls, err))
	var upErr *rollout.UpError
	var preErr *rollout.PreflightError
	var missing *images.MissingError
	var shared *rollout.SharedStateError
	if errors.As(err, &preErr) || errors.As(err, &missing) || errors.As(err, &shared) {
		return &exitCodeError{code: exitUsage, err: err}
	}
	if errors.As(err, &upErr) && upErr.NotReady() {
		return &exitCodeError{code: exitNotReady, err: err}
	}
	return err
}

// upJSONEvent is an up event in `up -o json`: the last one (step "done")
// carries the env's URLs.
type upJSONEvent struct {
	rollout.Event
	URLs []status.URL `json:"urls,omitempty"`
}

func upEventOf(e rollout.Event, urls []status.URL) upJSONEvent {
	if e.Step == "done" && e.Phase == rollout.UpDone {
		return upJSONEvent{Event: e, URLs: urls}
	}
	return upJSONEvent{Event: e}
}

// printEventLive is printEvent for a terminal: waiting updates replace one
// live line (with a spinner) instead of piling up.
func printEventLive(w io.Writer) func(rollout.Event) {
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	plain := printEvent(w)
	n, live := 0, false
	return func(e rollout.Event) {
		if live {
			fmt.Fprint(w, "\r\033[K")
			live = false
		}
		if e.Phase == rollout.UpWaiting {
			fmt.Fprintf(w, "%6.1fs %c %s: %s", e.Elapsed.Seconds(), frames[n%len(frames)], e.Object, e.Message)
			n++
			live = true
			return
		}
		plain(e)
	}
}

// printEvent writes one plain line per event, kubectl style.
func printEvent(w io.Writer) func(rollout.Event) {
	return func(e rollout.Event) {
		at := fmt.Sprintf("%6.1fs", e.Elapsed.Seconds())
		if e.Step == stepImages && e.Object != "" {
			printImageEvent(w, at, e)
			return
		}
		switch e.Phase {
		case rollout.UpStarted:
			fmt.Fprintf(w, "%s ▸ %s: %s\n", at, e.Step, e.Message)
		case rollout.UpApplied, rollout.UpPruned, rollout.UpRetry, rollout.UpSkipped:
			fmt.Fprintf(w, "%s   %s %s %s\n", at, e.Object, e.Phase, e.Message)
		case rollout.UpWaiting:
			fmt.Fprintf(w, "%s   %s waiting: %s\n", at, e.Object, e.Message)
		case rollout.UpReady:
			fmt.Fprintf(w, "%s   %s ready\n", at, e.Object)
		case rollout.UpDone:
			fmt.Fprintf(w, "%s ✓ %s %s\n", at, e.Step, e.Message)
		case rollout.UpFailed:
			fmt.Fprintf(w, "%s ✗ %s failed\n", at, e.Step)
		}
	}
}
