package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

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
		Long: `status shows one environment as the TUI's detail view does, in the same
columns: its health and URLs, the rollout of every workload (ready/desired,
up-to-date, available), its jobs, its pods (status, node, spot or
on-demand, message) and the 5 most recent warning events. --watch prints a
new block whenever something changes, until interrupted.

Exit codes: 0, 1 error (also: you may not read the environment's objects,
status NoAccess), 2 usage, 3 the environment has Failed (without --watch).`,
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
	prices, err := o.target.prices()
	if err != nil {
		return err
	}
	sel := meta.LabelEnv + "=" + ns
	opts := k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel, Namespace: ns}
	if base := o.baseline(ctx); base != "" {
		// Its borrowed services run there: watch both envs, each as the
		// caller may read it (cluster-wide or namespace by namespace).
		sel = meta.LabelEnv + " in (" + ns + "," + base + ")"
		opts = k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel, Mode: k8s.ModeDetect}
	}
	w := k8s.NewWatcher(o.client.Typed, opts)
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
		text, err := renderStatus(snap, ns, prices, asJSON)
		if err != nil {
			return err
		}
		fmt.Fprint(o.streams.out, text)
		switch st.Phase {
		case status.PhaseFailed:
			return &exitCodeError{code: exitNotReady, err: fmt.Errorf("environment %s failed: %s", ns, st.Reason)}
		case status.PhaseNoAccess:
			return fmt.Errorf("environment %s: no access to its objects (is there a RoleBinding for you in it?)", ns)
		}
		return nil
	}

	last := ""
	for {
		s := w.Snapshot()
		text, err := renderStatus(s, ns, prices, asJSON)
		if err != nil {
			return err
		}
		// Ages move with every snapshot; print only when more than that changed.
		if key := statusKey(s, ns, prices); key != last {
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
func renderStatus(s *k8s.Snapshot, ns string, prices cost.Table, asJSON bool) (string, error) {
	if asJSON {
		raw, err := json.Marshal(statusViewOf(s, ns, prices))
		return string(raw) + "\n", err
	}
	var b strings.Builder
	err := writeStatus(&b, s, ns, prices)
	return b.String(), err
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
	// Images are the pod template's images, pinned ones as name@sha256:….
	Images []string `json:"images,omitempty"`
}

type jobView struct {
	Name        string        `json:"name"`
	Result      k8s.JobResult `json:"result"`
	Succeeded   int32         `json:"succeeded"`
	Completions int32         `json:"completions"`
	Reason      string        `json:"reason,omitempty"`
	Duration    string        `json:"duration"`
	Images      []string      `json:"images,omitempty"`
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

// statusViewOf gathers what status shows from a snapshot, priced with
// prices; pure.
func statusViewOf(s *k8s.Snapshot, ns string, prices cost.Table) statusView {
	v := statusView{
		envSummary: summarize(envStatus(s, ns, prices)),
		Workloads:  []workloadView{}, Jobs: []jobView{}, Pods: []podView{}, Warnings: []warningView{},
	}
	for _, w := range s.WorkloadsIn(ns) {
		state, detail := status.Rollout(w)
		v.Workloads = append(v.Workloads, workloadView{Kind: w.Kind, Name: w.Name, Desired: w.Desired, Updated: w.Updated,
			Ready: w.Ready, Available: w.Available, Rollout: string(state), Detail: detail, Images: w.Images})
	}
	for _, j := range s.JobsIn(ns) {
		v.Jobs = append(v.Jobs, jobView{Name: j.Name, Result: j.Result, Succeeded: j.Succeeded, Completions: j.Completions,
			Reason: j.Reason, Duration: j.Duration(s.Taken).Truncate(time.Second).String(), Images: j.Images})
	}
	for _, p := range s.PodsIn(ns) {
		v.Pods = append(v.Pods, podView{Name: p.Name, Status: p.Status(), Message: p.Message, Ready: fmt.Sprintf("%d/%d", p.Ready, p.Total),
			Restarts: p.Restarts, Node: p.Node, Capacity: string(s.NodeCapacity(p.Node)), Created: p.Created})
	}
	if s.EventsNamespace == ns {
		for _, e := range render.RecentWarnings(s.Events) {
			v.Warnings = append(v.Warnings, warningView{Last: e.Last, Object: e.Object, Reason: e.Reason, Message: e.Message, Count: e.Count})
		}
	}
	return v
}

// envStatus is the env's status as the TUI shows it: while the API server
// cannot be reached, the stale one (status.Env.Stale: Unknown, "last seen
// …", never a stale Ready) with the connection error added to the reason.
func envStatus(s *k8s.Snapshot, ns string, prices cost.Table) status.Env {
	st := status.Of(s, ns).Priced(prices)
	if c := s.Connection; !c.Connected && c.Err != "" {
		st = st.Stale()
		st.Reason += "; connection lost, re-watching: " + render.OneLine(c.Err)
	}
	return st
}

// statusKey is the view without its ages, to tell real changes apart.
func statusKey(s *k8s.Snapshot, ns string, prices cost.Table) string {
	v := statusViewOf(s, ns, prices)
	for i := range v.Jobs {
		v.Jobs[i].Duration = ""
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// writeStatus renders the env's status as text: what it is and the TUI
// detail view's summary, then the rollouts, jobs, pods and recent warnings
// of ns in s in the view's columns and rows (tui/render), dated at the
// snapshot's time.
func writeStatus(w io.Writer, s *k8s.Snapshot, ns string, prices cost.Table) error {
	clock := render.NewClock(s.Taken)
	st := envStatus(s, ns, prices)
	fmt.Fprintf(w, "Environment %s  (project %s, branch %s", st.Namespace, st.Project, orDash(st.Branch))
	if st.Owner != "" {
		fmt.Fprintf(w, ", owner %s", st.Owner)
	}
	if st.Commit != "" {
		fmt.Fprintf(w, ", commit %s", short(st.Commit))
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "Status: %s", st.Label())
	if st.Reason != "" {
		fmt.Fprintf(w, " (%s)", render.OneLine(st.Reason))
	}
	fmt.Fprintf(w, "; %s; expires %s\n", render.PodCounts(st), clock.Until(st.ExpiresAt))
	if line := render.URLsLine(st.URLs); line != "" {
		fmt.Fprintln(w, line)
	}
	if line := render.CostLine(st); line != "" {
		fmt.Fprintln(w, line)
	}
	if line := render.BorrowLine(st); line != "" {
		fmt.Fprintln(w, "Borrowing: "+line)
	}

	for _, t := range statusTables(s, ns, clock) {
		if len(t.rows) == 0 {
			continue
		}
		fmt.Fprintln(w)
		if err := render.WriteText(w, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// statusTable is one table of `berth status`.
type statusTable struct {
	cols []render.Column
	rows []render.Row
}

// statusTables are the tables of ns in s, as the TUI's detail view builds
// them with every rollout expanded and no filter.
func statusTables(s *k8s.Snapshot, ns string, clock *render.Clock) []statusTable {
	ws := statusTable{cols: render.WorkloadColumns()}
	for _, x := range s.WorkloadsIn(ns) {
		ws.rows = append(ws.rows, render.WorkloadRow(x))
	}
	js := statusTable{cols: render.JobColumns()}
	for _, j := range s.JobsIn(ns) {
		js.rows = append(js.rows, render.JobRow(j, clock))
	}
	ps := statusTable{cols: render.PodColumns()}
	for _, p := range s.PodsIn(ns) {
		ps.rows = append(ps.rows, render.PodRow(p, render.CapacityOf(s, p.Node), clock))
	}
	is := statusTable{cols: render.ImageColumns(), rows: render.ImageRows(s.WorkloadsIn(ns), s.JobsIn(ns))}
	es := statusTable{cols: render.EventColumns()}
	if s.EventsNamespace == ns {
		for _, e := range render.RecentWarnings(s.Events) {
			es.rows = append(es.rows, render.EventRow(e, clock))
		}
	}
	return []statusTable{ws, js, is, ps, es}
}
