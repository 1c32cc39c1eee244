package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// narrowGrant is the developer grant of a load's run (issue 20's narrow
// grant, testcluster.NarrowGrant): named after the run, so unload's
// namespace deletion and `narrow -delete` clean it up.
func narrowGrant(run string) testcluster.NarrowGrant {
	return testcluster.NarrowGrant{User: run + "-dev@example.com", Group: run + ":developers", DeveloperRole: run + "-developer"}
}

// runNarrow gives a developer the narrow grant on a load — cluster-wide
// only namespaces, nodes and self reviews; in each of the load's
// namespaces the env role through a RoleBinding, as `berth up` makes —
// applies deploy/rbac's priority level and FlowSchema for developers (as
// `berth rbac install` does) and writes a kubeconfig of that developer,
// in the developers' group too, to -out: a client certificate of its own
// signed by the local cluster's CA, as a developer has credentials of
// their own (impersonation would add authorization checks to every
// request). With -delete it removes the grant instead
// (the RoleBindings go with the namespaces).
func runNarrow(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("narrow", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig of the (private) bench cluster")
	run := fs.String("run", "", "run id printed by load")
	out := fs.String("out", "", "where to write the developer's kubeconfig")
	del := fs.Bool("delete", false, "remove the grant")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *run == "" || *kubeconfig == "" || *out == "" && !*del {
		return fmt.Errorf("narrow: -kubeconfig, -run and -out (or -delete) are required")
	}
	cs, err := bulkClient(*kubeconfig)
	if err != nil {
		return err
	}
	g := narrowGrant(*run)
	admin, err := k8s.NewClient(k8s.Flags{Kubeconfig: *kubeconfig})
	if err != nil {
		return err
	}
	if *del {
		return g.Delete(ctx, admin.Bulk)
	}
	if g.PriorityGroup, err = testcluster.ApplyPriority(ctx, admin); err != nil {
		return err
	}
	load, err := scaleload.Open(ctx, cs, *run)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := g.Create(ctx, admin.Bulk); err != nil {
		return err
	}
	if err := scaleload.Parallel(32, len(load.Namespaces), func(i int) error {
		return g.BindEnv(ctx, admin.Bulk, load.Namespaces[i])
	}); err != nil {
		return err
	}
	if err := g.WriteKubeconfig(*kubeconfig, *out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "narrow grant for %s (groups %s, %s): %d RoleBindings in %s; kubeconfig %s\n",
		g.User, g.Group, g.PriorityGroup, len(load.Namespaces), time.Since(t0).Round(time.Millisecond), *out)
	return nil
}
