package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// lsOptions are the options of `berth ls`.
type lsOptions struct {
	*globalOptions
	target      targetFlags
	output      *outputFormat
	allProjects bool

	// set by Complete
	project string // "" with --all-projects
	client  *k8s.Client
}

// listFormats are the -o values of listing commands (ls, gc).
var listFormats = []string{"json", "yaml", "wide"}

// envSummary is the health of one environment in `ls` and `status` JSON/YAML.
type envSummary struct {
	Namespace string       `json:"namespace"`
	Project   string       `json:"project"`
	Branch    string       `json:"branch"`
	Owner     string       `json:"owner,omitempty"`
	Commit    string       `json:"commit,omitempty"`
	Status    status.Phase `json:"status"`
	Reason    string       `json:"reason,omitempty"`
	Ready     int          `json:"ready"`
	Total     int          `json:"total"`
	Spot      int          `json:"spot"`
	OnDemand  int          `json:"onDemand"`
	ExpiresAt *time.Time   `json:"expiresAt,omitempty"`
}

// summarize turns an env's status into its JSON summary.
func summarize(st status.Env) envSummary {
	sum := envSummary{
		Namespace: st.Namespace, Project: st.Project, Branch: st.Branch, Owner: st.Owner, Commit: st.Commit,
		Status: st.Phase, Reason: st.Reason, Ready: st.Ready, Total: st.Total, Spot: st.Spot, OnDemand: st.OnDemand,
	}
	if !st.ExpiresAt.IsZero() {
		t := st.ExpiresAt.UTC()
		sum.ExpiresAt = &t
	}
	return sum
}

// lsRow is one environment in `berth ls -o json|yaml`.
type lsRow struct {
	envSummary
	Pods     int       `json:"pods"`
	Sleeping bool      `json:"sleeping"`
	Created  time.Time `json:"created"`
}

func newLsCmd(opts *globalOptions) *cobra.Command {
	o := &lsOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the dev environments of the project",
		Long: `ls lists berth's environments of the project (from berth.yaml or --project),
or of every project with --all-projects: branch, owner, age, expiry, health,
ready/desired replicas, pods on spot vs on-demand nodes, and sleep state.`,
		Example: `  berth ls
  berth ls --all-projects -o wide
  berth ls -o json | jq '.[] | select(.status != "Ready")'`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	o.output = addOutputFlag(cmd, "", listFormats, "output format: json, yaml or wide")
	cmd.Flags().BoolVarP(&o.allProjects, "all-projects", "A", false, "list the environments of every project")
	return cmd
}

// Complete resolves the project (unless --all-projects) and builds the client.
func (o *lsOptions) Complete(*cobra.Command, []string) error {
	if !o.allProjects {
		cfg, _, err := o.target.config()
		if err != nil {
			return err
		}
		o.project = cfg.Project
	}
	var err error
	o.client, err = k8s.NewClient(o.kube)
	return err
}

// Validate has nothing left to check: -o was checked when it was parsed.
func (o *lsOptions) Validate() error { return nil }

// Run lists the environments as a table, JSON or YAML.
func (o *lsOptions) Run(ctx context.Context) error {
	list, err := envs.List(ctx, o.client, o.project, o.allProjects)
	if err != nil {
		return err
	}
	out := o.streams.out
	switch format := o.output.String(); format {
	case "json", "yaml":
		rows := make([]lsRow, 0, len(list))
		for _, st := range list {
			rows = append(rows, lsRowOf(st))
		}
		return writeData(out, format, rows)
	}
	if len(list) == 0 {
		if o.quiet {
			return nil
		}
		if o.allProjects {
			fmt.Fprintln(o.streams.err, "No berth environments.")
		} else {
			fmt.Fprintf(o.streams.err, "No berth environments of project %s (--all-projects shows every project's).\n", o.project)
		}
		return nil
	}
	writeLsTable(out, list, o.output.String() == "wide", time.Now())
	return nil
}

func lsRowOf(st status.Env) lsRow {
	return lsRow{
		envSummary: summarize(st),
		Pods:       st.Pods,
		Sleeping:   st.Phase == status.PhaseSleeping,
		Created:    st.Created.UTC(),
	}
}

func writeLsTable(w io.Writer, list []status.Env, wide bool, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "NAMESPACE\tBRANCH\tOWNER\tAGE\tEXPIRES\tSTATUS\tREADY\tSPOT/ON-DEMAND\tSLEEPING"
	if wide {
		head += "\tPROJECT\tCOMMIT\tREASON"
	}
	fmt.Fprintln(tw, head)
	for _, st := range list {
		sleeping := "no"
		if st.Phase == status.PhaseSleeping {
			sleeping = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%d/%d\t%s",
			st.Namespace, orDash(st.Branch), orDash(st.Owner), age(now, st.Created), expires(now, st.ExpiresAt),
			st.Phase, st.Ready, st.Total, st.Spot, st.OnDemand, sleeping)
		if wide {
			fmt.Fprintf(tw, "\t%s\t%s\t%s", st.Project, orDash(short(st.Commit)), orDash(st.Reason))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}

// writeData writes v as indented JSON or YAML.
func writeData(w io.Writer, format string, v any) error {
	if format == "yaml" {
		raw, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		_, err = w.Write(raw)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// age is kubectl's AGE: 45s, 12m, 5h3m, 3d.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(t))
}

// expires is "6d", "expired", or "never".
func expires(now, t time.Time) string {
	switch {
	case t.IsZero():
		return "never"
	case !now.Before(t):
		return "expired"
	}
	return duration.HumanDuration(t.Sub(now))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}
