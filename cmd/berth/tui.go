package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

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

	// The project and branch of the working directory are best effort:
	// outside a repo the UI shows every project and no current branch.
	var project, branch string
	if cfg, err := envs.LoadConfig(envs.ConfigFile); err == nil {
		project = cfg.Project
	}
	if g, err := envs.ResolveGit("."); err == nil {
		branch = g.Branch
	}

	cfg := tui.Config{
		Cluster: w,
		Actions: clusterActions{c: c},
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
	if err := tui.Run(ctx, cfg, ro); err != nil {
		return fmt.Errorf("run terminal UI: %w", err)
	}
	return nil
}

// clusterActions implements the TUI's actions. Restart is here; up, down
// and sleep/wake are wired when their commands land.
type clusterActions struct{ c *k8s.Client }

func (a clusterActions) Up(context.Context, func(tui.UpEvent)) (string, error) {
	return "", tui.ErrNotAvailable
}

func (a clusterActions) Down(context.Context, string) error  { return tui.ErrNotAvailable }
func (a clusterActions) Sleep(context.Context, string) error { return tui.ErrNotAvailable }
func (a clusterActions) Wake(context.Context, string) error  { return tui.ErrNotAvailable }

func (a clusterActions) Restart(ctx context.Context, ns string) error {
	_, err := k8s.RestartWorkloads(ctx, a.c.Typed, ns, berthSelector, time.Now())
	return err
}
