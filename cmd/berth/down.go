package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/preview"
	"github.com/berth-dev/berth/status"
)

// downOptions are the options of `berth down`.
type downOptions struct {
	targetOptions
	yes     bool
	wait    bool
	timeout time.Duration
	github  githubFlags
}

func newDownCmd(opts *globalOptions) *cobra.Command {
	o := &downOptions{targetOptions: targetOptions{globalOptions: opts}}
	cmd := &cobra.Command{
		Use:   "down [BRANCH|NAMESPACE]",
		Short: "Delete a dev environment (default: the current branch's)",
		Long: `down deletes the namespace of an environment with everything in it. The
argument is an existing namespace or a branch of the project; without one,
the current git branch's environment is deleted.

A namespace berth does not own (label app.kubernetes.io/managed-by=berth and
the project's berth.dev/project) is refused and left untouched.

On a terminal down asks for confirmation; otherwise --yes is required.

For a pull request (--pr and --github-repo, or detected in GitHub Actions:
then the PR's branch is the default) with GITHUB_TOKEN set, down marks the
env's GitHub Deployments inactive and updates its comment on the pull
request; an env already gone is then not an error (see docs/previews.md).`,
		Example: `  # delete the current branch's environment, waiting until it is gone
  berth down --wait

  # delete another branch's environment from a script
  berth down feature/login --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	f := cmd.Flags()
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.BoolVar(&o.wait, "wait", false, "wait until the namespace is gone")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	o.github.register(cmd)
	return cmd
}

// Complete finds the pull request, if any (its branch is the default
// environment in GitHub Actions), then the environment (targetOptions).
func (o *downOptions) Complete(cmd *cobra.Command, args []string) error {
	if err := o.github.resolve(o.info()); err != nil {
		return err
	}
	if b := o.github.branch(); len(args) == 0 && b != "" && flagOnlySettings(o.target.flags, o.target.lookup).Branch == "" {
		args = []string{b}
	}
	return o.targetOptions.Complete(cmd, args)
}

// Validate has nothing to check before the cluster is asked: Run reports a
// missing or foreign namespace before asking for confirmation.
func (o *downOptions) Validate() error { return nil }

// Run asks for confirmation and deletes the environment, then reports it
// to the pull request and the webhook.
func (o *downOptions) Run(ctx context.Context) error {
	ns := o.namespace
	// Check first, so a missing or foreign namespace is reported as such
	// rather than as a missing confirmation. Down checks again.
	n, err := lifecycle.OwnedNamespace(ctx, o.client, ns, o.project)
	if apierrors.IsNotFound(err) && o.github.reporter != nil {
		// The pull request closed after gc (or a failed first up): the
		// env is gone, its deployments and comment are not.
		fmt.Fprintf(o.info(), "environment %s does not exist\n", ns)
		o.reportDeleted(ctx, envs.Env{Namespace: ns, Branch: o.github.branch(), PR: o.github.pr()})
		return nil
	}
	if err != nil {
		return err
	}
	if !o.yes {
		if !isTerminal(o.streams.in) {
			return usageError("deleting %s needs confirmation: stdin is not a terminal, pass --yes", ns)
		}
		if !confirm(o.streams.in, o.streams.out, n) {
			fmt.Fprintln(o.streams.out, "Cancelled; nothing deleted.")
			return nil
		}
	}
	if o.wait {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	start := time.Now()
	if err := lifecycle.Down(ctx, o.client, ns, o.project, o.wait); err != nil {
		return err
	}
	if o.wait {
		fmt.Fprintf(o.info(), "environment %s deleted (%.1fs)\n", ns, time.Since(start).Seconds())
	} else {
		fmt.Fprintf(o.info(), "environment %s is being deleted\n", ns)
	}
	env := envs.Env{Namespace: ns, Branch: n.Annotations[meta.AnnotationBranch], Owner: n.Annotations[meta.AnnotationOwner],
		PR: status.PullRequestOf(n.Annotations)}
	o.reportDeleted(ctx, env)
	if cfg, _, err := o.target.config(); err == nil {
		notify(ctx, o.streams.err, cfg.Webhook, lifecycle.DownMessage(env.Namespace, env.Branch, env.Owner, env.PR))
	}
	return nil
}

// reportDeleted tells the pull request, if any, that env was deleted.
func (o *downOptions) reportDeleted(ctx context.Context, env envs.Env) {
	if o.github.report(ctx, o.streams.err, func(ctx context.Context, r *preview.Reporter) error {
		return r.Closed(ctx, preview.Report{Env: env, State: preview.StateDeleted, At: time.Now()})
	}) {
		fmt.Fprintf(o.info(), "reported on %s: deployments inactive, comment updated\n", o.github.target)
	}
}

// confirm shows what would be deleted and reads y or yes.
func confirm(in io.Reader, out io.Writer, n *corev1.Namespace) bool {
	what := n.Name
	if b := n.Annotations[meta.AnnotationBranch]; b != "" {
		what += ", branch " + b
	}
	if who := n.Annotations[meta.AnnotationOwner]; who != "" {
		what += ", owner " + who
	}
	fmt.Fprintf(out, "Delete environment %s and everything in it? [y/N] ", what)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
