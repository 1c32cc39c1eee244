package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// maxWarnings is how many recent warning events status shows.
const maxWarnings = 10

// statusOptions are the options of `berth status`.
type statusOptions struct {
	targetOptions
	watch   bool
	output  *outputFormat
	timeout time.Duration
}

func newStatusCmd(opts *globalOptions) *cobra.Command {
	o := &statusOptions{targetOptions: targetOptions{globalOptions: opts}}
	cmd := &cobra.Command{
		Use:   "status [BRANCH|NAMESPACE]",
		Short: "Show an environment's rollouts, jobs, pods and warnings (default: the current branch's)",
		Long: `status shows one environment: its health, the rollout of every workload
(desired/updated/ready/available), its jobs, its pods (status with reason,
node, spot or on-demand) and recent warning events. --watch prints a new
block whenever something changes, until interrupted.

Exit codes: 0, 1 error, 2 usage, 3 the environment has Failed (without --watch).`,
		Example: `  berth status
  berth status feature/login --watch
  berth status -o json | jq .pods`,
		Args: cobra.MaximumNArgs(1),
		RunE: runOptions(o),
	}
	o.target.register(cmd)
	f := cmd.Flags()
	f.BoolVarP(&o.watch, "watch", "w", false, "stream changes")
	o.output = addOutputFlag(cmd, "", []string{"json"}, "output format: json (with --watch: one object per line)")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the first complete view of the cluster")
	return cmd
}

// Validate has nothing left to check: -o was checked when it was parsed.
func (o *statusOptions) Validate() error { return nil }

// Run prints the environment's status once, or on every change with --watch.
func (o *statusOptions) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	ns := o.namespace
	sel := meta.LabelEnv + "=" + ns
	w := k8s.NewWatcher(o.client.Typed, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel})
	w.OpenEvents(ns)
	changes := w.Subscribe(ctx)
	w.Start(ctx)

	sctx, scancel := context.WithTimeout(ctx, o.timeout)
	snap, err := w.WaitFor(sctx, synced)
	scancel()
	if err != nil {
		if parent.Err() != nil {
			return nil // interrupted
		}
		return fmt.Errorf("reading environment %s: %w", ns, notSyncedError(snap, err))
	}
	asJSON := o.output.String() == "json"
	if !o.watch {
		st := status.Of(snap, ns)
		if st.Phase == status.PhaseMissing {
			return fmt.Errorf("no berth environment %s", ns)
		}
		text, err := renderStatus(snap, ns, asJSON)
		if err != nil {
			return err
		}
		fmt.Fprint(o.streams.out, text)
		if st.Phase == status.PhaseFailed {
			return &exitCodeError{code: exitNotReady, err: fmt.Errorf("environment %s failed: %s", ns, st.Reason)}
		}
		return nil
	}

	last := ""
	for {
		s := w.Snapshot()
		text, err := renderStatus(s, ns, asJSON)
		if err != nil {
			return err
		}
		// Ages move with every snapshot; print only when more than that changed.
		if key := statusKey(s, ns); key != last {
			last = key
			if !asJSON {
				fmt.Fprintf(o.streams.out, "── %s ──\n", s.Taken.Format("15:04:05"))
			}
			fmt.Fprint(o.streams.out, text)
		}
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-changes:
			if !ok {
				return nil
			}
		}
	}
}

// renderStatus is the status of ns in s as text blocks, or as one line of
// JSON.
func renderStatus(s *k8s.Snapshot, ns string, asJSON bool) (string, error) {
	v := watchViewOf(s, ns)
	if asJSON {
		raw, err := json.Marshal(v)
		return string(raw) + "\n", err
	}
	var b strings.Builder
	writeStatus(&b, v, s.Taken)
	return b.String(), nil
}

// synced holds once every watched resource has been listed (or refused).
func synced(s *k8s.Snapshot) bool {
	for _, r := range k8s.AllResources() {
		st, ok := s.Resources[r]
		if !ok || !st.Synced && !st.Forbidden {
			return false
		}
	}
	return true
}

func notSyncedError(s *k8s.Snapshot, err error) error {
	if s != nil && !s.Connection.Connected && s.Connection.Err != "" {
		return errors.New(s.Connection.Err)
	}
	for _, r := range s.Errors() {
		return fmt.Errorf("%s: %s", r, s.Resources[r].Err)
	}
	return err
}

// statusView is `berth status -o json`.
type statusView struct {
	envSummary

	Workloads []workloadView `json:"workloads"`
	Jobs      []jobView      `json:"jobs"`
	Pods      []podView      `json:"pods"`
	Warnings  []warningView  `json:"warnings"`
}

type workloadView struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Desired   int32  `json:"desired"`
	Updated   int32  `json:"updated"`
	Ready     int32  `json:"ready"`
	Available int32  `json:"available"`
	Rollout   string `json:"rollout"`
	Detail    string `json:"detail,omitempty"`
}

type jobView struct {
	Name        string        `json:"name"`
	Result      k8s.JobResult `json:"result"`
	Succeeded   int32         `json:"succeeded"`
	Completions int32         `json:"completions"`
	Reason      string        `json:"reason,omitempty"`
	Duration    string        `json:"duration"`
}

type podView struct {
	Name     string    `json:"name"`
	Status   string    `json:"status"`
	Message  string    `json:"message,omitempty"`
	Ready    string    `json:"ready"`
	Restarts int32     `json:"restarts"`
	Node     string    `json:"node,omitempty"`
	Capacity string    `json:"capacity,omitempty"`
	Created  time.Time `json:"created"`
}

type warningView struct {
	Last    time.Time `json:"last"`
	Object  string    `json:"object"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Count   int32     `json:"count"`
}

// statusViewOf gathers what status shows from a snapshot; pure.
func statusViewOf(s *k8s.Snapshot, ns string) statusView {
	st := status.Of(s, ns)
	v := statusView{
		envSummary: summarize(st),
		Workloads:  []workloadView{}, Jobs: []jobView{}, Pods: []podView{}, Warnings: []warningView{},
	}
	for _, w := range s.WorkloadsIn(ns) {
		state, detail := status.Rollout(w)
		v.Workloads = append(v.Workloads, workloadView{Kind: w.Kind, Name: w.Name, Desired: w.Desired, Updated: w.Updated,
			Ready: w.Ready, Available: w.Available, Rollout: string(state), Detail: detail})
	}
	for _, j := range s.JobsIn(ns) {
		v.Jobs = append(v.Jobs, jobView{Name: j.Name, Result: j.Result, Succeeded: j.Succeeded, Completions: j.Completions,
			Reason: j.Reason, Duration: j.Duration(s.Taken).Truncate(time.Second).String()})
	}
	for _, p := range s.PodsIn(ns) {
		v.Pods = append(v.Pods, podView{Name: p.Name, Status: p.Status(), Message: p.Message, Ready: fmt.Sprintf("%d/%d", p.Ready, p.Total),
			Restarts: p.Restarts, Node: p.Node, Capacity: string(s.NodeCapacity(p.Node)), Created: p.Created})
	}
	if s.EventsNamespace == ns {
		for _, e := range s.Events {
			if e.Type != "Warning" {
				continue
			}
			v.Warnings = append(v.Warnings, warningView{Last: e.Last, Object: e.Object, Reason: e.Reason, Message: e.Message, Count: e.Count})
			if len(v.Warnings) == maxWarnings {
				break
			}
		}
	}
	return v
}

// phaseUnknown is the status shown while the API server cannot be reached:
// the last known state may be stale, so it is never shown as Ready.
const phaseUnknown status.Phase = "Unknown"

// watchViewOf is statusViewOf, except that a lost connection to the API
// server turns the status into Unknown with the connection error as reason
// (the last known workloads and pods are still listed).
func watchViewOf(s *k8s.Snapshot, ns string) statusView {
	v := statusViewOf(s, ns)
	if c := s.Connection; !c.Connected && c.Err != "" {
		v.Status = phaseUnknown
		v.Reason = "connection to the API server lost, re-watching: " + c.Err
	}
	return v
}

// statusKey is the view without its ages, to tell real changes apart.
func statusKey(s *k8s.Snapshot, ns string) string {
	v := watchViewOf(s, ns)
	for i := range v.Jobs {
		v.Jobs[i].Duration = ""
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// writeStatus renders the view as text blocks; now dates the ages.
func writeStatus(w io.Writer, v statusView, now time.Time) {
	fmt.Fprintf(w, "Environment %s  (project %s, branch %s", v.Namespace, v.Project, orDash(v.Branch))
	if v.Owner != "" {
		fmt.Fprintf(w, ", owner %s", v.Owner)
	}
	if v.Commit != "" {
		fmt.Fprintf(w, ", commit %s", short(v.Commit))
	}
	fmt.Fprintln(w, ")")
	exp := time.Time{}
	if v.ExpiresAt != nil {
		exp = *v.ExpiresAt
	}
	fmt.Fprintf(w, "Status: %s %d/%d ready", v.Status, v.Ready, v.Total)
	if v.Reason != "" {
		fmt.Fprintf(w, " (%s)", v.Reason)
	}
	fmt.Fprintf(w, "; pods on spot %d, on-demand %d; expires %s\n", v.Spot, v.OnDemand, expires(now, exp))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(v.Workloads) > 0 {
		fmt.Fprintln(tw, "\nWORKLOAD\tDESIRED\tUPDATED\tREADY\tAVAILABLE\tROLLOUT")
		for _, x := range v.Workloads {
			rollout := x.Rollout
			if x.Detail != "" && x.Rollout != string(status.RolloutComplete) {
				rollout += ": " + x.Detail
			}
			fmt.Fprintf(tw, "%s/%s\t%d\t%d\t%d\t%d\t%s\n", x.Kind, x.Name, x.Desired, x.Updated, x.Ready, x.Available, rollout)
		}
	}
	if len(v.Jobs) > 0 {
		fmt.Fprintln(tw, "\nJOB\tSTATUS\tCOMPLETIONS\tDURATION\tREASON")
		for _, j := range v.Jobs {
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\n", j.Name, j.Result, j.Succeeded, j.Completions, j.Duration, orDash(j.Reason))
		}
	}
	if len(v.Pods) > 0 {
		fmt.Fprintln(tw, "\nPOD\tSTATUS\tREADY\tRESTARTS\tNODE\tCAPACITY\tAGE")
		for _, p := range v.Pods {
			status := p.Status
			if p.Message != "" && p.Status != "Running" {
				status += ": " + clipText(p.Message, 60)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", p.Name, status, p.Ready, p.Restarts, orDash(p.Node), orDash(p.Capacity), age(now, p.Created))
		}
	}
	if len(v.Warnings) > 0 {
		fmt.Fprintln(tw, "\nWARNING\tOBJECT\tAGE\tMESSAGE")
		for _, e := range v.Warnings {
			msg := clipText(e.Message, 100)
			if e.Count > 1 {
				msg = fmt.Sprintf("%s (x%d)", msg, e.Count)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Reason, e.Object, age(now, e.Last), msg)
		}
	}
	_ = tw.Flush()
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
