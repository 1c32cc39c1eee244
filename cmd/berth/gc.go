package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
)

// envWebhook is the environment variable that can carry the webhook URL
// (e.g. from a Secret in the gc CronJob).
const envWebhook = "BERTH_WEBHOOK"

type gcOptions struct {
	target      targetFlags
	dryRun      bool
	allProjects bool
	idleSleep   string
	output      string
}

func newGCCmd(opts *globalOptions) *cobra.Command {
	o := &gcOptions{}
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete expired environments and put idle ones to sleep",
		Long: `gc deletes the environments whose berth.dev/expires-at is past (set by every
up to now + ttl from berth.yaml) and puts to sleep those without a deploy for
longer than idleSleep. Only namespaces berth owns are considered: the
project's, or every project's with --all-projects (as the CronJob in
deploy/gc runs it).

When a webhook is configured ($BERTH_WEBHOOK, else berth.yaml's webhook),
the actions taken are posted to it.`,
		Example: `  # what would be cleaned up
  berth gc --dry-run

  # clean every project's environments, as the in-cluster CronJob does
  berth gc --all-projects -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGC(cmd, opts, o) },
	}
	o.target.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "only show what would be done")
	f.BoolVarP(&o.allProjects, "all-projects", "A", false, "consider the environments of every project")
	f.StringVar(&o.idleSleep, "idle-sleep", "", "idle time before sleep instead of berth.yaml's idleSleep (e.g. 8h, 2d; 0 never)")
	f.StringVarP(&o.output, "output", "o", "", "output format: json, yaml or wide (the table has every column already)")
	return cmd
}

func runGC(cmd *cobra.Command, g *globalOptions, o *gcOptions) error {
	if err := checkListOutput(o.output); err != nil {
		return err
	}
	cfg, _, err := o.target.config()
	if err != nil {
		return err
	}
	if o.idleSleep != "" {
		d, err := envs.ParseDuration(o.idleSleep)
		if err != nil || d < 0 {
			return usageError("--idle-sleep %q: want a duration like 8h or 2d, or 0 for never", o.idleSleep)
		}
		cfg.IdleSleep = d
	}
	if o.allProjects {
		cfg.Project = ""
	}
	c, err := k8s.NewClient(g.kube)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	actions, gcErr := envs.GC(ctx, c, cfg, time.Now(), o.dryRun)

	out := g.streams.out
	if o.output == "json" || o.output == "yaml" {
		if actions == nil {
			actions = []envs.Action{}
		}
		if err := writeData(out, o.output, actions); err != nil {
			return err
		}
	} else {
		writeGCTable(out, g.streams.err, actions, o.dryRun)
	}
	if !o.dryRun && len(actions) > 0 {
		webhook := os.Getenv(envWebhook)
		if webhook == "" {
			webhook = cfg.Webhook
		}
		notify(ctx, g.streams.err, webhook, envs.GCMessage(actions))
	}
	return gcErr
}

func writeGCTable(out, errOut io.Writer, actions []envs.Action, dryRun bool) {
	if len(actions) == 0 {
		fmt.Fprintln(errOut, "Nothing to clean up.")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tNAMESPACE\tPROJECT\tBRANCH\tOWNER\tREASON\tRESULT")
	for _, a := range actions {
		result := "done"
		switch {
		case a.Err != "":
			result = "failed: " + a.Err
		case a.Kind == envs.ActionSkip:
			result = "-"
		case dryRun:
			result = "dry run"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Kind, a.Namespace, a.Project, orDash(a.Branch), orDash(a.Owner), a.Reason, result)
	}
	_ = tw.Flush()
}

// notify posts text to the webhook, if any; a failure is only a warning.
// Nothing is sent once ctx is cancelled (Ctrl-C).
func notify(ctx context.Context, errOut io.Writer, webhook, text string) {
	if webhook == "" || text == "" || ctx.Err() != nil {
		return
	}
	if err := (envs.Notifier{URL: webhook}).Send(ctx, text); err != nil {
		fmt.Fprintf(errOut, "warning: %v\n", err)
	}
}
