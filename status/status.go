// Package status computes an environment's health from a k8s snapshot: the
// phase, its reason and the counts the CLI and the TUI show. It is pure and
// depends only on k8s and meta, so presentation (tui/render) can use it
// without linking the deploy engine.
package status

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// Phase summarizes an environment's health in one word.
type Phase string

// Environment phases, from best to most urgent.
const (
	PhaseReady       Phase = "Ready"
	PhaseEmpty       Phase = "Empty"       // no workloads or jobs (yet)
	PhaseProgressing Phase = "Progressing" // rolling out, pods starting, jobs running
	PhaseFailed      Phase = "Failed"      // something will not heal by waiting
	PhaseSleeping    Phase = "Sleeping"    // scaled to zero by `berth sleep`
	PhaseTerminating Phase = "Terminating" // namespace being deleted
	PhaseMissing     Phase = "Missing"     // no such namespace in the snapshot
	PhaseNoAccess    Phase = "NoAccess"    // the caller may not read the env's objects (no RoleBinding there for it)
	PhaseUnknown     Phase = "Unknown"     // the API server is unreachable: the last seen state may be stale
)

// Stale returns st as shown while the API server is unreachable: phase
// Unknown, the last seen state kept in Reason, never a stale Ready.
func (st Env) Stale() Env {
	st.Reason = "last seen " + st.Label()
	st.Phase = PhaseUnknown
	return st
}

// Env is the health of one environment computed from a snapshot.
type Env struct {
	Namespace string
	Project   string
	Branch    string // raw branch from the annotation, else the slug label
	Owner     string
	Commit    string

	Phase  Phase
	Reason string // why Failed or Progressing, e.g. "web: CrashLoopBackOff"

	Ready, Total int // ready / desired replicas over all workloads

	Pods                   int // pods not finished
	Spot, OnDemand, Others int // those pods by capacity type of their node (Others: unscheduled or unlabelled)

	Created   time.Time
	ExpiresAt time.Time     // zero when the env never expires
	ExpiresIn time.Duration // from the snapshot's time; negative once expired

	URLs []URL // the env's URLs (meta.AnnotationURLs), sorted by service
	PR   int   // pull request it was deployed for (meta.AnnotationPullRequest); 0: none

	// Usage is what the env's pods hold of their nodes and its storage
	// (meta.AnnotationStorage); Cost is Usage priced (see Priced), zero
	// until then.
	Usage cost.Usage
	Cost  cost.Estimate

	// Borrow is set for an env deployed in changed mode: what it borrows
	// from its baseline and how that fares.
	Borrow *BorrowState
}

// Priced returns st with its usage priced by t.
func (st Env) Priced(t cost.Table) Env {
	st.Cost = t.Estimate(st.Usage)
	if st.Borrow != nil {
		b := *st.Borrow
		b.Cost = t.Estimate(b.Usage)
		st.Borrow = &b
	}
	return st
}

// storageOf reads meta.AnnotationStorage; 0 when absent or unreadable.
func storageOf(annotations map[string]string) int64 {
	q, err := resource.ParseQuantity(annotations[meta.AnnotationStorage])
	if err != nil {
		return 0
	}
	return q.Value()
}

// Status computes the health of the env in namespace ns. It is pure: the
// same snapshot always gives the same answer.
func Of(s *k8s.Snapshot, ns string) Env {
	n, ok := s.Namespace(ns)
	if !ok {
		return Env{Namespace: ns, Phase: PhaseMissing}
	}
	st := Env{
		Namespace: ns,
		Project:   n.Labels[meta.LabelProject],
		Branch:    n.Annotations[meta.AnnotationBranch],
		Owner:     n.Annotations[meta.AnnotationOwner],
		Commit:    n.Annotations[meta.AnnotationCommit],
		Created:   n.Created,
		URLs:      URLsOf(n.Annotations),
		PR:        PullRequestOf(n.Annotations),
	}
	if st.Branch == "" {
		st.Branch = n.Labels[meta.LabelBranch]
	}
	if t, err := time.Parse(time.RFC3339, n.Annotations[meta.AnnotationExpiresAt]); err == nil {
		st.ExpiresAt = t
		st.ExpiresIn = t.Sub(s.Taken)
	}

	workloads, jobs, pods := s.WorkloadsIn(ns), s.JobsIn(ns), s.PodsIn(ns)
	var progressing []string
	var failed string
	for _, w := range workloads {
		st.Total += int(w.Desired)
		st.Ready += int(min(w.Ready, w.Desired))
		state, reason := Rollout(w)
		switch state {
		case RolloutFailed:
			failed = statusFirst(failed, w.Name+": "+reason)
		case RolloutProgressing:
			progressing = append(progressing, w.Name)
		}
	}
	for _, j := range jobs {
		switch j.Result {
		case k8s.JobFailed:
			failed = statusFirst(failed, "job "+j.Name+": "+statusOr(j.Reason, "failed"))
		case k8s.JobRunning:
			progressing = append(progressing, "job "+j.Name)
		}
	}
	var waiting string
	for _, p := range pods {
		if p.Phase == "Succeeded" || (p.Phase == "Failed" && p.OwnerKind == "Job") {
			continue
		}
		st.Pods++
		switch s.NodeCapacity(p.Node) {
		case k8s.CapacitySpot:
			st.Spot++
		case k8s.CapacityOnDemand:
			st.OnDemand++
		default:
			st.Others++
		}
		who := p.Name
		if p.OwnerName != "" {
			who = p.OwnerName
		}
		switch {
		case p.Deleting:
		case k8s.IsFailureReason(p.Reason) || p.LastTermination == "OOMKilled" && p.Ready < p.Total:
			failed = statusFirst(failed, who+": "+statusOr(p.Reason, p.LastTermination))
		case p.Reason == "Unschedulable":
			waiting = statusFirst(waiting, who+": Unschedulable")
		}
	}

	st.Usage = cost.UsageOf(pods, s.Nodes, storageOf(n.Annotations))
	if b, ok := BorrowingOf(n.Annotations); ok {
		bs := borrowStateOf(s, b)
		st.Borrow = &bs
		if r := bs.reason(); r != "" {
			failed = statusFirst(failed, r)
		}
	}

	switch why, denied := s.Denied(ns); {
	case n.Terminating:
		st.Phase = PhaseTerminating
	case denied:
		st.Phase, st.Reason = PhaseNoAccess, why
		st.Usage = cost.Usage{Unknown: true}
	case n.Annotations[meta.AnnotationSleeping] == "true":
		st.Phase = PhaseSleeping
	case failed != "":
		st.Phase, st.Reason = PhaseFailed, failed
	case waiting != "":
		st.Phase, st.Reason = PhaseProgressing, waiting
	case len(progressing) > 0:
		st.Phase = PhaseProgressing
		st.Reason = progressing[0]
		if len(progressing) > 1 {
			st.Reason = fmt.Sprintf("%s +%d", progressing[0], len(progressing)-1)
		}
	case len(workloads) == 0 && len(jobs) == 0:
		st.Phase = PhaseEmpty
	default:
		st.Phase = PhaseReady
	}
	return st
}

// Label is the phase as shown in lists: "Ready 3/3", "Failed", ….
func (st Env) Label() string {
	if st.Phase == PhaseReady || st.Phase == PhaseProgressing {
		return fmt.Sprintf("%s %d/%d", st.Phase, st.Ready, st.Total)
	}
	return string(st.Phase)
}

// RolloutState is where a workload's rollout stands.
type RolloutState string

// Rollout states, as `kubectl rollout status` reports them.
const (
	RolloutComplete    RolloutState = "Complete"
	RolloutProgressing RolloutState = "Progressing"
	RolloutFailed      RolloutState = "ProgressDeadlineExceeded"
	RolloutPaused      RolloutState = "Paused"
)

// Rollout tells where a workload's rollout stands and why.
func Rollout(w k8s.Workload) (RolloutState, string) {
	if c, ok := w.Condition("Progressing"); ok && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded" {
		return RolloutFailed, statusOr(c.Message, c.Reason)
	}
	if w.Paused {
		return RolloutPaused, "paused"
	}
	switch {
	case w.ObservedGeneration < w.Generation:
		return RolloutProgressing, "waiting for the controller"
	case w.Updated < w.Desired:
		return RolloutProgressing, fmt.Sprintf("%d of %d updated", w.Updated, w.Desired)
	case w.Current > w.Updated:
		return RolloutProgressing, fmt.Sprintf("%d old pods terminating", w.Current-w.Updated)
	case w.Available < w.Desired || w.Ready < w.Desired:
		return RolloutProgressing, fmt.Sprintf("%d of %d ready", w.Ready, w.Desired)
	}
	return RolloutComplete, ""
}

func statusFirst(cur, s string) string {
	if cur != "" {
		return cur
	}
	return s
}

func statusOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// PullRequestOf reads meta.AnnotationPullRequest; 0 when absent or not a
// positive number.
func PullRequestOf(annotations map[string]string) int {
	n, err := strconv.Atoi(annotations[meta.AnnotationPullRequest])
	if err != nil || n < 0 {
		return 0
	}
	return n
}
