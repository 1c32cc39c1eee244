package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/tui/render"
)

// gcOptions are the options of `berth gc`.
type gcOptions struct {
	*globalOptions
	target      targetFlags
	dryRun      bool
	allProjects bool
	output      *outputFormat

	// set by Complete
	cfg    envs.Config // settings resolved once: flags, BERTH_*, berth.yaml
	client *k8s.Client
}

func newGCCmd(opts *globalOptions) *cobra.Command {
	o := &gcOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete expired environments and put idle ones to sleep",
		Long: `gc deletes the environments whose berth.dev/expires-at is past (set by every
up to now + ttl from berth.yaml) and puts to sleep those without a deploy for
longer than idleSleep. Only namespaces berth owns are considered: the
project's, or every project's with --all-projects (as the CronJob in
deploy/gc runs it).

With --dry-run, each action also says what it saves a day (berth.yaml
pricing): a sleep the env's compute, a delete all it costs.

When a webhook is configured ($BERTH_WEBHOOK, else berth.yaml's webhook),
the actions taken are posted to it.`,
		Example: `  # what would be cleaned up
  berth gc --dry-run

  # clean every project's environments, as the in-cluster CronJob does
  berth gc --all-projects -o json`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "only show what would be done")
	f.BoolVarP(&o.allProjects, "all-projects", "A", false, "consider the environments of every project")
	// Read by applySettings, like every setting.
	f.String("idle-sleep", "", "idle time before sleep instead of berth.yaml's idleSleep (e.g. 8h, 2d; 0 never)")
	o.output = addOutputFlag(cmd, "", listFormats, "output format: json, yaml or wide (the table has every column already)")
	return cmd
}

// Complete resolves the settings (--idle-sleep, $BERTH_WEBHOOK and the
// rest over berth.yaml) and builds the client.
func (o *gcOptions) Complete(*cobra.Command, []string) error {
	cfg, _, err := o.target.config()
	if err != nil {
		return err
	}
	if o.allProjects {
		cfg.Project = ""
	}
	o.cfg = cfg
	o.client, err = k8s.NewClient(o.kube)
	return err
}

// Validate has nothing left to check: -o was checked when it was parsed.
func (o *gcOptions) Validate() error { return nil }

// Run cleans up, prints the actions and posts them to the webhook.
func (o *gcOptions) Run(ctx context.Context) error {
	now := time.Now()
	actions, gcErr := lifecycle.GC(ctx, o.client, o.cfg, now, o.dryRun)
	saves := -1.0 // unknown
	if o.dryRun && len(actions) > 0 {
		saves = o.price(ctx, actions, now)
	}

	out := o.streams.out
	if format := o.output.String(); format == "json" || format == "yaml" {
		if actions == nil {
			actions = []lifecycle.Action{}
		}
		if err := writeData(out, format, actions); err != nil {
			return err
		}
	} else if err := writeGCTable(out, o.streams.err, actions, o.dryRun); err != nil {
		return err
	} else if saves >= 0 {
		fmt.Fprintf(out, "Sleeping and deleting these saves %s/day (prices %s, %s).\n", render.Dollars(saves), o.cfg.Pricing.Region, o.cfg.Pricing.Date)
	}
	if !o.dryRun && len(actions) > 0 {
		notify(ctx, o.streams.err, o.cfg.Webhook, lifecycle.Message{Text: lifecycle.GCMessage(actions)})
	}
	return gcErr
}

// writeGCTable writes the actions in gc's columns (tui/render), or says
// there is nothing to do.
func writeGCTable(out, errOut io.Writer, actions []lifecycle.Action, dryRun bool) error {
	if len(actions) == 0 {
		fmt.Fprintln(errOut, "Nothing to clean up.")
		return nil
	}
	rows := make([]render.Row, len(actions))
	for i, a := range actions {
		rows[i] = render.GCRow(render.GCAction{
			Kind: string(a.Kind), Namespace: a.Namespace, Project: a.Project, Branch: a.Branch, Owner: a.Owner,
			Reason: a.Reason, Err: a.Err, DryRun: dryRun, Skip: a.Kind == lifecycle.ActionSkip,
		})
	}
	cols := render.GCColumns()
	if slices.ContainsFunc(actions, func(a lifecycle.Action) bool { return a.SavesPerDay != nil }) {
		cols = append(cols, render.GCSavesColumn())
		for i, a := range actions {
			rows[i].Cells = append(rows[i].Cells, render.GCSaves(a.SavesPerDay))
		}
	}
	return render.WriteText(out, cols, rows)
}

// notify posts m to the webhook, if any; a failure is only a warning.
// Nothing is sent once ctx is cancelled (Ctrl-C).
func notify(ctx context.Context, errOut io.Writer, webhook string, m lifecycle.Message) {
	if webhook == "" || m.Text == "" || ctx.Err() != nil {
		return
	}
	if err := (lifecycle.Notifier{URL: webhook}).Post(ctx, m); err != nil {
		fmt.Fprintf(errOut, "warning: %v\n", err)
	}
}

// price sets what each action saves a day (lifecycle.PriceActions) from one
// list of the envs and returns the total; -1 when they cannot be listed.
func (o *gcOptions) price(ctx context.Context, actions []lifecycle.Action, now time.Time) float64 {
	s, err := lifecycle.ListSnapshot(ctx, o.client, lifecycle.Selector(o.cfg.Project), now)
	if err != nil {
		o.log.Debug("gc: no cost figures", "err", err)
		return -1
	}
	return lifecycle.PriceActions(s, actions, o.cfg.Pricing)
}
