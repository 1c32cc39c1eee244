package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/access"
	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// Exit codes of `berth rbac check` (and `berth doctor`).
const (
	exitGuardInactive = 4
	exitMissingGrants = 5
)

// rbacCheckOptions are the options of `berth rbac check` and `berth doctor`.
type rbacCheckOptions struct {
	*globalOptions
	group  string
	output *outputFormat

	// set by Complete
	namespace string // -n, when given
	client    *k8s.Client
}

// newRBACCheckCmd builds `berth rbac check`, or the same as `berth doctor`
// (use "doctor").
func newRBACCheckCmd(opts *globalOptions, use string) *cobra.Command {
	o := &rbacCheckOptions{globalOptions: opts}
	display, short := "berth rbac check", "Check, as the current user, that deploy/rbac's guards deny and berth's grants are there"
	if use == "doctor" {
		display, short = "berth doctor", "Check this cluster's setup for berth as the current user (as berth rbac check)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: `check asks the API server, as the current user, with requests that change
nothing (server-side dry-runs; admission policies run on them):

  guard namespaces     delete a namespace berth does not manage
  guard rolebindings   create a RoleBinding to berth-developer-env in it

and reports for each: "ok" (berth's admission policy denied it),
"guard inactive" (it was allowed) or "not applicable" (RBAC or another
check denied it first, or the user is not in the developers' group, to
whom the policies apply). Then, with SelfSubjectAccessReviews, whether the
user has each grant berth needs outside the environments.

The namespace probed is -n, else kube-node-lease, else the first one berth
does not manage. The developers' group is --group, else berth.yaml's
developerGroup, else berth:developers.

Exit codes: 0 ok, 1 error, 2 usage, 4 a guard is inactive, 5 a grant berth
needs is missing (4 wins when both).`,
		Example: `  ` + display + `
  ` + display + ` -n team-payments    # a namespace developers have rights in
  ` + display + ` -o json`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	cmd.Flags().StringVar(&o.group, "group", "", "the developers' group (default: berth.yaml's developerGroup, else "+envs.DefaultDeveloperGroup+")")
	o.output = addOutputFlag(cmd, "", []string{"json"}, "output format: json")
	return cmd
}

// Complete resolves the group and the namespace and builds the client.
func (o *rbacCheckOptions) Complete(cmd *cobra.Command, _ []string) error {
	if o.group == "" {
		g, err := developerGroup()
		if err != nil {
			return err
		}
		o.group = g
	}
	if f := cmd.Flags().Lookup("namespace"); f != nil && f.Changed {
		o.namespace = o.kube.Namespace
	}
	var err error
	o.client, err = k8s.NewClient(o.kube)
	return err
}

// developerGroup is berth.yaml's developerGroup (nearest up from the
// working directory, not above the git root), else the default.
func developerGroup() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := envs.FindRoot(wd)
	if err != nil {
		return "", err
	}
	cfg, err := envs.LoadConfig(filepath.Join(root, envs.ConfigFile))
	if err != nil {
		return "", err
	}
	return cfg.DeveloperGroup, nil
}

// Validate refuses a namespace -n names that no one may delete (-o was
// checked when it was parsed).
func (o *rbacCheckOptions) Validate() error {
	if o.namespace == "" {
		return nil
	}
	if err := access.ValidateTarget(o.namespace); err != nil {
		return &exitCodeError{code: exitUsage, err: err}
	}
	return nil
}

// Run checks, prints the report and exits 4 or 5 when it found trouble.
func (o *rbacCheckOptions) Run(ctx context.Context) error {
	r, err := access.Check(ctx, o.client, access.CheckOptions{Group: o.group, Namespace: o.namespace})
	if err != nil {
		return err
	}
	if o.output.String() == "json" {
		if err := writeData(o.streams.out, "json", r); err != nil {
			return err
		}
	} else if err := writeCheck(o.streams.out, r); err != nil {
		return err
	}
	if bad := r.Inactive(); len(bad) > 0 {
		var names []string
		for _, g := range bad {
			names = append(names, g.Name+" ("+g.Probe+" was allowed)")
		}
		return &exitCodeError{code: exitGuardInactive, err: fmt.Errorf("guard inactive: %s; install the policies: berth rbac install", strings.Join(names, ", "))}
	}
	if missing := r.Missing(); len(missing) > 0 {
		var names []string
		for _, g := range missing {
			names = append(names, g.Name)
		}
		return &exitCodeError{code: exitMissingGrants, err: fmt.Errorf("missing grants: %s; see docs/rbac.md", strings.Join(names, ", "))}
	}
	return nil
}

// writeCheck writes the report as three tables (guards, grants, the
// developers' priority level) under a line naming the user.
func writeCheck(w io.Writer, r access.Report) error {
	user := r.User
	if user == "" {
		user = "(the cluster does not say)"
	}
	groups := "-"
	if len(r.Groups) > 0 {
		groups = strings.Join(r.Groups, ", ")
	}
	fmt.Fprintf(w, "user %s, groups %s; developers' group %s\n\n", user, groups, r.DeveloperGroup)
	var rows []render.Row
	for _, g := range r.Guards {
		rows = append(rows, render.Row{Cells: []string{g.Name, string(g.State), g.Probe, g.Answer}})
	}
	cols := []render.Column{{Title: "GUARD"}, {Title: "STATE"}, {Title: "PROBE"}, {Title: "ANSWER"}}
	if err := render.WriteText(w, cols, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rows = rows[:0]
	for _, g := range r.Grants {
		state := "ok"
		if !g.Allowed {
			state = "missing"
		}
		rows = append(rows, render.Row{Cells: []string{g.Name, state, g.For}})
	}
	if err := render.WriteText(w, []render.Column{{Title: "GRANT"}, {Title: "STATE"}, {Title: "FOR"}}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	p := r.Priority
	return render.WriteText(w, []render.Column{{Title: "FLOWSCHEMA"}, {Title: "STATE"}, {Title: "ANSWER"}},
		[]render.Row{{Cells: []string{p.FlowSchema, string(p.State), p.Answer}}})
}
