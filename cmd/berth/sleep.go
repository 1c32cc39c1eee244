package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
)

func newSleepCmd(opts *globalOptions) *cobra.Command {
	return newScaleCmd(opts, "sleep", "Scale an environment's workloads to zero (default: the current branch's)",
		`sleep scales the environment's Deployments and StatefulSets to zero, keeping
each one's replicas in the annotation berth.dev/replicas, and marks the
namespace berth.dev/sleeping=true. Services, volumes and config stay. Sleeping
twice keeps the first replicas; "berth wake" restores them.`, lifecycle.Sleep)
}

func newWakeCmd(opts *globalOptions) *cobra.Command {
	return newScaleCmd(opts, "wake", "Restore the replicas of a sleeping environment (default: the current branch's)",
		`wake scales the environment's workloads back to the replicas "berth sleep"
remembered and clears the namespace's berth.dev/sleeping.`, lifecycle.Wake)
}

// scaleExample is the --help example of sleep or wake.
func scaleExample(verb string) string {
	return fmt.Sprintf(`  # the current branch's environment
  berth %[1]s

  # another branch's, or a namespace by name
  berth %[1]s feature/login
  berth %[1]s dev-shop-feature-login`, verb)
}

type scaleFunc = func(ctx context.Context, c *k8s.Client, namespace, project string) ([]lifecycle.Scaled, error)

// scaleOptions are the options of `berth sleep` and `berth wake`.
type scaleOptions struct {
	targetOptions
	verb string // sleep or wake
	do   scaleFunc
}

func newScaleCmd(opts *globalOptions, verb, short, long string, do scaleFunc) *cobra.Command {
	o := &scaleOptions{targetOptions: targetOptions{globalOptions: opts}, verb: verb, do: do}
	cmd := &cobra.Command{
		Use:     verb + " [BRANCH|NAMESPACE]",
		Short:   short,
		Long:    long + "\n\nA namespace berth does not own is refused and left untouched.",
		Example: scaleExample(verb),
		Args:    cobra.MaximumNArgs(1),
		RunE:    runOptions(o),
	}
	o.target.register(cmd)
	return cmd
}

// Validate has nothing to check: the ownership gate is the scale's own.
func (o *scaleOptions) Validate() error { return nil }

// Run scales the environment and lists what changed.
func (o *scaleOptions) Run(ctx context.Context) error {
	scaled, err := o.do(ctx, o.client, o.namespace, o.project)
	out := o.info()
	for _, s := range scaled {
		fmt.Fprintf(out, "  %s/%s scaled to %d\n", s.Kind, s.Name, s.Replicas)
	}
	if err != nil {
		return err
	}
	state := map[string]string{"sleep": "asleep", "wake": "awake"}[o.verb]
	fmt.Fprintf(out, "environment %s is %s (%d workloads changed)\n", o.namespace, state, len(scaled))
	return nil
}
