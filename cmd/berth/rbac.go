package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/access"
	"github.com/berth-dev/berth/k8s"
)

func newRBACCmd(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rbac",
		Short: "Install and check the RBAC that lets developers use berth (deploy/rbac)",
		Long: `rbac installs deploy/rbac — developers may create berth environments and do
anything inside them, and nothing else — in an order that never leaves a
grant without its guard, and checks a cluster's setup as the current user.
See docs/rbac.md.`,
		Example: `  # as a cluster admin
  berth rbac install

  # as a developer: are the guards active, do I have what berth needs?
  berth rbac check`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRBACInstallCmd(opts), newRBACCheckCmd(opts, "check"))
	return cmd
}

// rbacInstallOptions are the options of `berth rbac install`.
type rbacInstallOptions struct {
	*globalOptions
	dir     string
	timeout time.Duration

	// set by Complete
	manifests *access.Manifests
	client    *k8s.Client
}

func newRBACInstallCmd(opts *globalOptions) *cobra.Command {
	o := &rbacInstallOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Apply deploy/rbac: the admission policies, and once they are active, the grants",
		Long: `install builds deploy/rbac (the copy built into berth, or --dir: the
directory or an overlay of it) and applies it as the current user, a cluster
admin, in two steps:

  1. the ValidatingAdmissionPolicies and their bindings, which confine the
     developers' group to berth's namespaces;
  2. once they deny, several times in a row, the dry-runs of a user
     impersonated in the developers' group (in a namespace berth-rbac-probe-…
     created for it and deleted after), the ClusterRoles and the
     ClusterRoleBinding that grant the developers their rights.

If the policies are not active within --timeout, nothing is granted and the
error says what the API server answered instead. Installing again is safe.`,
		Example: `  berth rbac install
  berth rbac install --dir deploy/overlays/eng   # an overlay naming another group`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "kustomization to install instead of the built-in deploy/rbac (an overlay of it)")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the policies to become active")
	return cmd
}

// Complete builds the manifests and the client.
func (o *rbacInstallOptions) Complete(*cobra.Command, []string) error {
	var err error
	if o.dir != "" {
		o.manifests, err = access.BuildDir(o.dir)
	} else {
		o.manifests, err = access.Embedded()
	}
	if err != nil {
		return err
	}
	o.client, err = k8s.NewClient(o.kube)
	return err
}

// Validate checks the timeout.
func (o *rbacInstallOptions) Validate() error {
	if o.timeout <= 0 {
		return usageError("--timeout must be positive, not %s", o.timeout)
	}
	return nil
}

// Run installs and reports each step.
func (o *rbacInstallOptions) Run(ctx context.Context) error {
	out := o.info()
	err := access.Install(ctx, o.client, access.InstallOptions{
		Manifests: o.manifests,
		Timeout:   o.timeout,
		Progress: func(e access.Event) {
			switch {
			case e.Object != "":
				fmt.Fprintf(out, "%-8s %s applied\n", e.Step, e.Object)
			default:
				fmt.Fprintf(out, "%-8s %s\n", e.Step, e.Message)
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deploy/rbac installed for group %s\n", o.manifests.Group)
	return nil
}
