package main

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/forward"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/shell"
	"github.com/berth-dev/berth/tui"
)

// berthSelector selects what berth manages: its namespaces and objects.
const berthSelector = meta.LabelManagedBy + "=" + meta.ManagedByBerth

// tuiOptions are the options of `berth` without a command: the terminal UI.
type tuiOptions struct {
	*globalOptions

	// set by Complete
	actions clusterActions
	app     *tuiApp // the app of the working directory, loading
}

// Complete builds the client and starts loading the app of the working
// directory, if any, with its settings resolved once (tui_app.go): the UI
// draws its first frame meanwhile. Outside an app the UI shows every
// project, no current branch, and cannot run up.
func (o *tuiOptions) Complete(cmd *cobra.Command, _ []string) error {
	c, err := k8s.NewClient(o.kube)
	if err != nil {
		return err
	}
	overrides := flagOnlySettings(cmd.Flags(), os.LookupEnv)
	o.app = loadTUIApp(cmd.Context(), cmd.Flags(), overrides, o.log)
	o.actions = clusterActions{c: c, app: o.app.get, overrides: overrides}
	return nil
}

// Validate has nothing to check.
func (o *tuiOptions) Validate() error { return nil }

// Run watches berth's environments on the cluster and opens the UI on them.
func (o *tuiOptions) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	c := o.actions.c
	// Cluster-wide if the user may read pods and workloads everywhere,
	// else namespace by namespace ("envs only"); many namespaces mean
	// many watches: the client is not rate limited.
	w := k8s.NewWatcher(c.Bulk, k8s.WatchOptions{NamespaceSelector: berthSelector, ObjectSelector: berthSelector, Mode: k8s.ModeDetect})
	w.Start(ctx)
	cfg := tui.Config{
		Cluster:   w,
		Logs:      workloadLogs{cs: c.Typed},
		Actions:   o.actions,
		Forwarder: o.actions,
		Shell:     shellIn(c),
		Context:   c.Context,
		Scope:     o.app.scope,
		Tick:      time.Second,
		Prices:    cost.Default(), // until the app's pricing arrives with Scope
	}
	err := tui.Run(ctx, cfg, tuiRunOptions(o.globalOptions, os.Getenv))
	o.app.finish()
	return err
}

// shellIn is the TUI's x: a shell in a container, as `berth exec` opens
// one, on the UI's terminal.
func shellIn(c *k8s.Client) tui.ShellFunc {
	return func(ns, pod, container string) tea.ExecCommand {
		return &shell.Session{Config: c.Config, Client: c.Typed, Stdin: true, TTY: true,
			Container: shell.Container{Namespace: ns, Pod: pod, Container: container}}
	}
}

// tuiRunOptions are the UI's terminal options: NO_COLOR (any value, per
// no-color.org) turns colours off; BERTH_THEME picks the theme.
func tuiRunOptions(opts *globalOptions, getenv func(string) string) tui.RunOptions {
	return tui.RunOptions{
		In:      opts.streams.in,
		Out:     opts.streams.out,
		NoColor: getenv("NO_COLOR") != "",
		Theme:   tui.Theme(getenv("BERTH_THEME")),
	}
}

// clusterActions are the TUI's actions, the same code as `berth up`,
// `down`, `sleep` and `wake`; redeploy is a rollout restart.
type clusterActions struct {
	c         *k8s.Client
	app       func() *envs.App // waits for the app; nil outside one
	overrides envs.Overrides   // BERTH_BRANCH, BERTH_TAG
}

// Up deploys the current branch like `berth up`, reporting its steps.
func (a clusterActions) Up(ctx context.Context, progress func(tui.UpEvent)) (string, error) {
	app := a.app()
	if app == nil {
		return "", fmt.Errorf("no berth app here: run berth in the app's repository")
	}
	env, err := app.Env(a.overrides, time.Now())
	if err != nil {
		return "", err
	}
	if err := withContentTags(app, &env, a.overrides); err != nil {
		return env.Namespace, err
	}
	objs, err := app.RenderContext(ctx, env)
	if err != nil {
		return env.Namespace, renderError(env.Namespace, err)
	}
	report := func(e rollout.Event) { progress(upEvent(e)) }
	start := time.Now()
	if err := upImages(ctx, app, app.Config, env, objs, start, report); err != nil {
		return env.Namespace, err
	}
	mode, err := changedOptions(app.Config, false, false, false) // berth.yaml's baseline.mode
	if err != nil {
		return env.Namespace, err
	}
	err = rollout.Up(ctx, a.c, rollout.UpOptions{Env: env, Objects: objs, Progress: report, Start: start, Changed: mode})
	return env.Namespace, err
}

// upEvent maps an rollout.Up event to one line of the spin-up view.
func upEvent(e rollout.Event) tui.UpEvent {
	if e.Step == stepImages && e.Object != "" {
		return imageUpEvent(e)
	}
	ev := tui.UpEvent{Step: e.Step, State: tui.StepRunning, Detail: e.Message, Time: e.Time}
	switch e.Phase {
	case rollout.UpDone:
		ev.State = tui.StepDone
	case rollout.UpFailed:
		ev.State = tui.StepFailed
	case rollout.UpStarted:
	default:
		ev.Detail = e.Object + " " + string(e.Phase)
		if e.Message != "" {
			ev.Detail += ": " + e.Message
		}
	}
	return ev
}

// project is the project whose envs the actions may change: the app's
// here, else (outside an app) the project label of the namespace itself.
func (a clusterActions) project(ctx context.Context, ns string) (string, error) {
	if app := a.app(); app != nil {
		return app.Config.Project, nil
	}
	obj, err := a.c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get namespace %s: %w", ns, err)
	}
	return obj.Labels[meta.LabelProject], nil
}

// Down deletes the env like `berth down`; the UI watches it go.
func (a clusterActions) Down(ctx context.Context, ns string) error {
	p, err := a.project(ctx, ns)
	if err != nil {
		return err
	}
	return lifecycle.Down(ctx, a.c, ns, p, false)
}

// Sleep scales the env to zero like `berth sleep`.
func (a clusterActions) Sleep(ctx context.Context, ns string) error {
	p, err := a.project(ctx, ns)
	if err != nil {
		return err
	}
	_, err = lifecycle.Sleep(ctx, a.c, ns, p)
	return err
}

// Wake restores the env like `berth wake`.
func (a clusterActions) Wake(ctx context.Context, ns string) error {
	p, err := a.project(ctx, ns)
	if err != nil {
		return err
	}
	_, err = lifecycle.Wake(ctx, a.c, ns, p)
	return err
}

// Restart rolls every berth workload of the env.
func (a clusterActions) Restart(ctx context.Context, ns string) error {
	_, err := k8s.RestartWorkloads(ctx, a.c.Typed, ns, berthSelector, time.Now())
	return err
}

// Forward starts the port-forwards of every service with ports of the env
// in ns, as `berth forward` without arguments does; compose's published
// ports count when ns is an env of the app here.
func (a clusterActions) Forward(ctx context.Context, ns string, report func(forward.Event)) (tui.Forwarding, error) {
	var published []forward.Spec
	if app := a.app(); app != nil {
		if nsProject(ctx, a.c, ns) == app.Config.Project {
			if ports, err := envs.PublishedPorts(ctx, app.Root, app.Config); err == nil {
				published = publishedSpecs(ports)
			}
		}
	}
	specs, err := forwardSpecs(ctx, a.c, ns, nil, published)
	if err != nil {
		return nil, err
	}
	return forward.Start(ctx, forward.Options{Config: a.c.Config, Client: a.c.Typed, Namespace: ns, Report: report}, specs)
}

// nsProject is the project label of namespace ns ("" when unknown).
func nsProject(ctx context.Context, c *k8s.Client, ns string) string {
	obj, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	return obj.Labels[meta.LabelProject]
}
