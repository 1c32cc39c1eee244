package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/logs"
)

// logsOptions are the options of `berth logs`.
type logsOptions struct {
	targetOptions
	service    string
	all        bool
	follow     bool
	since      time.Duration
	previous   bool
	container  string
	tail       int64
	timestamps bool

	// set by Complete
	targets []k8s.Target
}

func newLogsCmd(opts *globalOptions) *cobra.Command {
	o := &logsOptions{targetOptions: targetOptions{globalOptions: opts}}
	cmd := &cobra.Command{
		Use:   "logs (SERVICE | --all)",
		Short: "Show the merged logs of every pod and container of a service (default env: the current branch's)",
		Long: `logs shows the logs of every pod of a compose service of an environment, and of
every container of each (init containers first), merged: each line starts
with a short name of its pod and container, [suffix/container], the pod's
shortest unique name suffix (for a Deployment, the pod's random tail),
coloured per pod and container on a terminal (not with NO_COLOR). --all
shows every service of the environment, the service's name first.

With -f it follows: the pods a rollout creates join as their containers
start, the streams of deleted pods end; news about streams (following,
stream ended, errors) goes to stderr. Without -f, pods are read oldest
first. --tail applies to the containers there when it starts.`,
		Example: `  berth logs web
  berth logs web -f --since 10m
  berth logs api -c migrate --previous
  berth logs --all -f --env feature/login`,
		Args: cobra.MaximumNArgs(1),
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	o.target.registerEnv(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "every service of the environment")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep streaming; follow the pods a rollout creates")
	f.DurationVar(&o.since, "since", 0, "only lines newer than this, e.g. 10m")
	f.BoolVarP(&o.previous, "previous", "p", false, "the previous, terminated instance of each container")
	f.StringVarP(&o.container, "container", "c", "", "only this container of each pod")
	f.Int64Var(&o.tail, "tail", -1, "last lines of each container; -1 all, 0 none (only new lines with -f)")
	f.BoolVar(&o.timestamps, "timestamps", false, "start each line with its timestamp")
	return cmd
}

// Complete builds the client, resolves the environment (--env, as status
// does its argument) and the service's workload, or with --all every
// workload of the environment.
func (o *logsOptions) Complete(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		o.service = args[0]
	}
	switch {
	case o.all && o.service != "":
		return usageError("give a SERVICE or --all, not both")
	case !o.all && o.service == "":
		return usageError("name a SERVICE, or --all for every service")
	}
	if err := o.targetOptions.Complete(cmd, []string{o.target.env}); err != nil {
		return err
	}
	ctx := cmd.Context()
	if o.all {
		ts, err := k8s.Targets(ctx, o.client.Typed, o.namespace)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return fmt.Errorf("environment %s has no workloads", o.namespace)
		}
		o.targets = ts
		return nil
	}
	t, err := k8s.ResolveTarget(ctx, o.client.Typed, o.namespace, o.service)
	if err != nil {
		return err
	}
	o.targets = []k8s.Target{t}
	return nil
}

// Validate checks the flags that do not go together.
func (o *logsOptions) Validate() error {
	switch {
	case o.previous && o.follow:
		return usageError("--previous shows a terminated container's log: it cannot be followed (-f)")
	case o.since < 0:
		return usageError("--since must not be negative")
	case o.tail < -1:
		return usageError("--tail must be -1 (all), 0 or more")
	}
	return nil
}

// Run streams the merged logs until they end or, with -f, until interrupted.
func (o *logsOptions) Run(ctx context.Context) error {
	p := logs.Printer{Out: o.streams.out, Err: o.streams.err, Colour: colourFor(o.streams.out, os.Getenv)}
	return streamLogs(ctx, o.client.Typed, o.targets, o.logsOptions(), p.Print)
}

// logsOptions maps the flags to logs.Options (--tail -1 is all, 0 none).
func (o *logsOptions) logsOptions() logs.Options {
	lo := logs.Options{Follow: o.follow, Since: o.since, Previous: o.previous, Container: o.container, Timestamps: o.timestamps}
	switch {
	case o.tail == 0:
		lo.Tail = -1
	case o.tail > 0:
		lo.Tail = o.tail
	}
	return lo
}

// streamLogs is logs.Stream; an interrupt ends it without error.
func streamLogs(ctx context.Context, cs kube.Interface, ts []k8s.Target, o logs.Options, line func(logs.Line)) error {
	err := logs.Stream(ctx, cs, ts, o, line)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// colourFor reports whether prefixes written to w get colours: w is a
// terminal and NO_COLOR (any value, per no-color.org) is not set.
func colourFor(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && getenv("NO_COLOR") == ""
}

// workloadLogs are the TUI's merged logs of a workload (tui.WorkloadLogs),
// streamed as `berth logs` streams them.
type workloadLogs struct {
	cs kube.Interface
}

// WorkloadLogs streams the merged logs of the workload kind/name in ns.
func (c workloadLogs) WorkloadLogs(ctx context.Context, ns, kind, name string, o logs.Options, line func(logs.Line)) error {
	t, err := k8s.ResolveTarget(ctx, c.cs, ns, name)
	if err != nil {
		return err
	}
	if t.Kind != kind || t.Name != name {
		return fmt.Errorf("%s/%s not found in %s", strings.ToLower(kind), name, ns)
	}
	return logs.Stream(ctx, c.cs, []k8s.Target{t}, o, line)
}
