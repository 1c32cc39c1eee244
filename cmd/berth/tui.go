package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui"
)

// berthSelector selects what berth manages: its namespaces and objects.
const berthSelector = envs.LabelManagedBy + "=" + envs.ManagedByBerth

// runTUI opens the terminal UI on the berth environments of the cluster.
func runTUI(cmd *cobra.Command, opts *globalOptions) error {
	c, err := k8s.NewClient(opts.kube)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()

	w := k8s.NewWatcher(c.Typed, k8s.WatchOptions{NamespaceSelector: berthSelector, ObjectSelector: berthSelector})
	w.Start(ctx)

	// The app of the working directory is optional: outside one the UI
	// shows every project, no current branch, and cannot run up.
	a := clusterActions{c: c}
	var project, branch string
	if app, err := envs.LoadApp(ctx, envs.AppOptions{}); err == nil {
		a.app = app
		project = app.Config.Project
		if env, err := app.Env(envs.Overrides{}, time.Now()); err == nil {
			branch = env.Branch
		}
	}

	cfg := tui.Config{
		Cluster: w,
		Actions: a,
		Context: c.Context,
		Project: project,
		Branch:  branch,
		Tick:    time.Second,
	}
	ro := tui.RunOptions{
		In:      opts.streams.in,
		Out:     opts.streams.out,
		NoColor: os.Getenv("NO_COLOR") != "",
		Theme:   tui.Theme(os.Getenv("BERTH_THEME")),
	}
	return tui.Run(ctx, cfg, ro)
}

// clusterActions are the TUI's actions: up through envs.Up, redeploy as a
// rollout restart, delete as an owned-namespace delete. Sleep and wake
// come with their commands.
type clusterActions struct {
	c   *k8s.Client
	app *envs.App // nil outside an app
}

// Up deploys the current branch like `berth up`, reporting its steps.
func (a clusterActions) Up(ctx context.Context, progress func(tui.UpEvent)) (string, error) {
	if a.app == nil {
		return "", fmt.Errorf("no berth app here: run berth in the app's repository")
	}
	env, err := a.app.Env(envs.Overrides{}, time.Now())
	if err != nil {
		return "", err
	}
	objs, err := a.app.Render(env)
	if err != nil {
		return env.Namespace, err
	}
	err = envs.Up(ctx, a.c, envs.UpOptions{Env: env, Objects: objs, Progress: func(e envs.Event) { progress(upEvent(e)) }})
	return env.Namespace, err
}

// upEvent maps an envs.Up event to one line of the spin-up view.
func upEvent(e envs.Event) tui.UpEvent {
	ev := tui.UpEvent{Step: e.Step, State: tui.StepRunning, Detail: e.Message, Time: e.Time}
	switch e.Phase {
	case envs.UpDone:
		ev.State = tui.StepDone
	case envs.UpFailed:
		ev.State = tui.StepFailed
	case envs.UpStarted:
	default:
		ev.Detail = e.Object + " " + string(e.Phase)
		if e.Message != "" {
			ev.Detail += ": " + e.Message
		}
	}
	return ev
}

// Down deletes the env's namespace after checking berth owns it.
func (a clusterActions) Down(ctx context.Context, ns string) error {
	obj, err := a.c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get namespace %s: %w", ns, err)
	}
	if err := envs.CheckOwned("namespace "+ns, obj.Labels, obj.Labels[envs.LabelProject]); err != nil {
		return err
	}
	if a.app != nil && obj.Labels[envs.LabelProject] != a.app.Config.Project {
		return fmt.Errorf("namespace %s belongs to project %q, not %q", ns, obj.Labels[envs.LabelProject], a.app.Config.Project)
	}
	policy := metav1.DeletePropagationForeground
	if err := a.c.Typed.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	return nil
}

func (a clusterActions) Sleep(context.Context, string) error { return tui.ErrNotAvailable }
func (a clusterActions) Wake(context.Context, string) error  { return tui.ErrNotAvailable }

// Restart rolls every berth workload of the env.
func (a clusterActions) Restart(ctx context.Context, ns string) error {
	_, err := k8s.RestartWorkloads(ctx, a.c.Typed, ns, berthSelector, time.Now())
	return err
}
