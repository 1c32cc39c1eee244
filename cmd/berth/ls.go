package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// lsOptions are the options of `berth ls`.
type lsOptions struct {
	*globalOptions
	target      targetFlags
	output      *outputFormat
	allProjects bool

	// set by Complete
	project string // "" with --all-projects
	prices  cost.Table
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
	// URLs are the env's URLs by service (berth.yaml domain); none: absent.
	URLs []status.URL `json:"urls,omitempty"`
	// PullRequest is the number of the pull request the env was deployed
	// for; none: absent.
	PullRequest int `json:"pullRequest,omitempty"`
	// Cost is what the env costs (berth.yaml pricing); absent when unknown.
	Cost *costView `json:"cost,omitempty"`
	// Borrowed is what an env deployed in changed mode borrows from its
	// baseline; absent for a full one.
	Borrowed *borrowView `json:"borrowed,omitempty"`
}

// summarize turns an env's status into its JSON summary.
func summarize(st status.Env) envSummary {
	sum := envSummary{
		Namespace: st.Namespace, Project: st.Project, Branch: st.Branch, Owner: st.Owner, Commit: st.Commit,
		Status: st.Phase, Reason: st.Reason, Ready: st.Ready, Total: st.Total, Spot: st.Spot, OnDemand: st.OnDemand,
		URLs: st.URLs, PullRequest: st.PR, Cost: costViewOf(st), Borrowed: borrowViewOf(st),
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
or of every project with --all-projects, in the TUI's columns: branch, status
(with ready/desired replicas; Sleeping when asleep) and its reason, pods on
spot/on-demand nodes, cost per day (berth.yaml pricing), owner, age and
expiry; PR, the pull request an env was
deployed for, when one was (see up --pr). -o wide and --all-projects add
the project; -o wide also the env's URL (its first, "+n" for more; see
domain in berth.yaml), which -o json lists as urls.`,
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
	cfg, _, err := o.target.config()
	if err != nil {
		return err
	}
	o.prices = cfg.Pricing
	if !o.allProjects {
		o.project = cfg.Project
	}
	o.client, err = k8s.NewClient(o.kube)
	return err
}

// Validate has nothing left to check: -o was checked when it was parsed.
func (o *lsOptions) Validate() error { return nil }

// Run lists the environments as a table, JSON or YAML.
func (o *lsOptions) Run(ctx context.Context) error {
	list, err := lifecycle.List(ctx, o.client, o.project, o.allProjects)
	if err != nil {
		return err
	}
	for i := range list {
		list[i] = list[i].Priced(o.prices)
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
	wide := o.output.String() == "wide"
	return writeLsTable(out, list, o.allProjects || wide, wide, time.Now())
}

func lsRowOf(st status.Env) lsRow {
	return lsRow{
		envSummary: summarize(st),
		Pods:       st.Pods,
		Sleeping:   st.Phase == status.PhaseSleeping,
		Created:    st.Created.UTC(),
	}
}

// writeLsTable writes the environments as the TUI's environments list
// shows them (tui/render), dated at now; project (-o wide or
// --all-projects) adds the PROJECT column, wide (-o wide) the URL column.
func writeLsTable(w io.Writer, list []status.Env, project, wide bool, now time.Time) error {
	clock := render.NewClock(now)
	cols := render.EnvColumns(project)
	rows := make([]render.Row, len(list))
	for i, st := range list {
		rows[i] = render.EnvRow(st, clock, false, project)
		if wide {
			rows[i].Cells = append(rows[i].Cells, render.URLCell(st))
		}
	}
	if wide {
		cols = append(cols, render.URLColumn())
	}
	return render.WriteText(w, cols, rows)
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
