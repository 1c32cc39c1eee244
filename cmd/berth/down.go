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

	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// downOptions are the options of `berth down`.
type downOptions struct {
	targetOptions
	yes     bool
	wait    bool
	timeout time.Duration
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

On a terminal down asks for confirmation; otherwise --yes is required.`,
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
	return cmd
}

// Validate has nothing to check before the cluster is asked: Run reports a
// missing or foreign namespace before asking for confirmation.
func (o *downOptions) Validate() error { return nil }

// Run asks for confirmation and deletes the environment.
func (o *downOptions) Run(ctx context.Context) error {
	ns := o.namespace
	// Check first, so a missing or foreign namespace is reported as such
	// rather than as a missing confirmation. Down checks again.
	n, err := lifecycle.OwnedNamespace(ctx, o.client, ns, o.project)
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
	return nil
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
