package rollout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// waitState is the verdict on one object in a snapshot.
type waitState struct {
	done bool
	// released: not done, but what depends on the object may start (see
	// evaluate).
	released bool
	failed   bool
	reason   string // why not done (waiting) or why failed
	pods     []k8s.Pod
}

// wait blocks until every object of s is ready (or complete), one fails,
// or the timeout passes. It is driven by the watcher's change notifications.
func (u *upRun) wait(ctx context.Context, s Step) error {
	objs := waitable(s.Objects)
	if len(objs) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, u.o.Timeout)
	defer cancel()
	last := map[string]string{}
	own := newUpObjects(u.o.Objects)
	var failure *UpError
	var failedPods []k8s.Pod
	var pending []string
	_, err := u.w.WaitFor(wctx, func(snap *k8s.Snapshot) bool {
		pending = pending[:0]
		for _, obj := range objs {
			st := evaluate(snap, obj, s.Wait, u.applied[objName(obj)], u.before[objName(obj)], own)
			name := objName(obj)
			switch {
			case st.failed:
				failure = &UpError{Step: s.Name, Object: name, Reason: st.reason, Details: podDetails(st.pods)}
				failedPods = st.pods
				return true
			case st.done:
				if last[name] != "ready" {
					last[name] = "ready"
					u.emit(Event{Step: s.Name, Object: name, Phase: UpReady})
				}
			default:
				pending = append(pending, name+": "+st.reason)
				if last[name] != st.reason {
					last[name] = st.reason
					u.emit(Event{Step: s.Name, Object: name, Phase: UpWaiting, Message: st.reason})
				}
			}
		}
		return len(pending) == 0
	})
	if failure != nil {
		u.addFailureContext(ctx, failure, failedPods)
		return failure
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return &UpError{Step: s.Name, Reason: fmt.Sprintf("timed out after %s", u.o.Timeout), Details: pending}
		}
		return fmt.Errorf("step %s: %w", s.Name, err)
	}
	return nil
}

// waitable keeps the objects a step can wait on: workloads and Jobs.
func waitable(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
			out = append(out, o)
		}
	}
	return out
}

// evaluate judges one object: a Job must complete; a workload must roll
// out (WaitReady) or merely exist (WaitNone). Blockers that will not heal
// by waiting (see blockers.go) fail it at once; own is what this up
// applies. A
// workload seen at a generation older than what applying it returned is a
// stale copy: its rollout status says nothing yet. When the apply changed
// the workload, pods of the revisions it had before are the previous
// rollout's: a crash loop there (the one this up fixes) is no verdict.
func evaluate(snap *k8s.Snapshot, obj *unstructured.Unstructured, wait WaitKind, appliedGeneration int64, before rolloutBefore, own upObjects) waitState {
	ns, name := obj.GetNamespace(), obj.GetName()
	if why, denied := snap.Denied(ns); denied { // the watcher retries; a timeout says why
		return waitState{reason: "cannot watch it: " + why}
	}
	changed := before.generation > 0 && appliedGeneration > before.generation
	var pods []k8s.Pod
	for _, p := range snap.PodsIn(ns) {
		if p.OwnerKind != obj.GetKind() || p.OwnerName != name {
			continue
		}
		if changed && before.revisions[podRevision(p)] {
			continue
		}
		pods = append(pods, p)
	}
	if obj.GetKind() == "Job" {
		for _, j := range snap.JobsIn(ns) {
			if j.Name != name {
				continue
			}
			switch j.Result {
			case k8s.JobComplete:
				return waitState{done: true}
			case k8s.JobFailed:
				return waitState{failed: true, reason: "job failed: " + firstNonEmpty(withMessage(j.Reason, j.Message), "failed"), pods: pods}
			}
			if podsSucceeded(pods, j.Completions) {
				return waitState{released: true, reason: "pods succeeded; waiting for the Job controller to mark it complete"}
			}
			if why, bad := createRefused(snap, ns, objName(obj), j.Created, j.Conditions, false); bad {
				return waitState{failed: true, reason: why}
			} else if why != "" {
				return waitState{reason: why}
			}
			if st, bad := podTrouble(snap, pods, true, own); bad {
				return waitState{failed: true, reason: st, pods: pods}
			} else if st != "" {
				return waitState{reason: st, pods: pods}
			}
			return waitState{reason: fmt.Sprintf("running (%d active, %d succeeded)", j.Active, j.Succeeded)}
		}
		return waitState{reason: "not seen yet"}
	}
	for _, w := range snap.WorkloadsIn(ns) {
		if w.Kind != obj.GetKind() || w.Name != name {
			continue
		}
		if wait == WaitNone {
			return waitState{done: true}
		}
		if w.Generation < appliedGeneration {
			return waitState{reason: "waiting for the watch to see the applied change"}
		}
		state, why := status.Rollout(w)
		switch state {
		case status.RolloutComplete:
			return waitState{done: true}
		case status.RolloutFailed:
			return waitState{failed: true, reason: "ProgressDeadlineExceeded: " + why, pods: pods}
		}
		if why, bad := createRefused(snap, ns, objName(obj), w.Created, w.Conditions, w.Current > w.Updated); bad {
			return waitState{failed: true, reason: why, pods: pods}
		} else if why != "" {
			return waitState{reason: why, pods: pods}
		}
		if st, bad := podTrouble(snap, pods, false, own); bad {
			return waitState{failed: true, reason: st, pods: pods}
		} else if st != "" {
			return waitState{reason: st, pods: pods}
		}
		if appliedGeneration == 1 && podsReady(obj, pods) {
			return waitState{released: true, reason: why}
		}
		return waitState{reason: why}
	}
	return waitState{reason: "not seen yet"}
}

// podsSucceeded reports whether a Job's pods say it succeeded before its
// controller does (it batches pod updates for a second): none is left
// running and at least completions (at least one) succeeded. The
// container exiting 0 is what depends_on's service_completed_successfully
// asks for.
func podsSucceeded(pods []k8s.Pod, completions int32) bool {
	succeeded := int32(0)
	for _, p := range pods {
		switch p.Phase {
		case "Succeeded":
			succeeded++
		case "Failed":
		default:
			return false
		}
	}
	return succeeded >= max(completions, 1)
}

// podsReady reports whether a Deployment or StatefulSet at its first
// generation (one pod template ever, so every pod it owns runs it) has
// its replicas Ready, without minReadySeconds — what depends_on's
// service_healthy asks for — before its controllers count them in its
// status.
func podsReady(obj *unstructured.Unstructured, pods []k8s.Pod) bool {
	if k := obj.GetKind(); k != "Deployment" && k != "StatefulSet" {
		return false
	}
	if m, _, _ := unstructured.NestedInt64(obj.Object, "spec", "minReadySeconds"); m > 0 {
		return false
	}
	want, found, err := unstructured.NestedInt64(obj.Object, "spec", "replicas")
	if err != nil || !found {
		want = 1
	}
	ready := int64(0)
	for _, p := range pods {
		if p.Serving() {
			ready++
		}
	}
	return want > 0 && ready >= want
}

// withMessage joins a reason and its message, once: a reason that
// already ends with the message keeps it once.
func withMessage(reason, msg string) string {
	switch {
	case reason == "":
		return msg
	case msg == "" || strings.HasSuffix(reason, msg):
		return reason
	}
	return reason + ": " + msg
}

func podDetails(pods []k8s.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, fmt.Sprintf("pod %s: %s, ready %d/%d, restarts %d, node %s", p.Name, withMessage(p.Status(), p.Message), p.Ready, p.Total, p.Restarts, firstNonEmpty(p.Node, "<none>")))
	}
	return out
}

// addFailureContext appends the namespace's recent warning events about the
// object and its pods, and the last log lines of the first of its pods
// (as evaluate found them) that failed.
func (u *upRun) addFailureContext(ctx context.Context, e *UpError, pods []k8s.Pod) {
	snap := u.w.Snapshot()
	n := 0
	for _, ev := range snap.Events {
		if ev.Type != "Warning" || !eventAbout(ev.Object, e.Object) {
			continue
		}
		e.Details = append(e.Details, fmt.Sprintf("event %s %s: %s", ev.Object, ev.Reason, ev.Message))
		if n++; n == 5 {
			break
		}
	}
	var pod *k8s.Pod
	for _, p := range pods {
		if p.Phase == "Failed" || k8s.IsFailureReason(p.Reason) {
			pod = &p
			break
		}
	}
	if pod == nil {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var lines []string
	err := k8s.StreamLogs(lctx, u.c.Typed, k8s.LogOptions{Namespace: u.ns, Pod: pod.Name, TailLines: 10}, func(l string) {
		lines = append(lines, l)
	})
	if err != nil {
		e.Details = append(e.Details, fmt.Sprintf("logs of %s: %v", pod.Name, err))
		return
	}
	for _, l := range lines {
		e.Details = append(e.Details, "log "+pod.Name+": "+l)
	}
}

// eventAbout reports whether an event's object (Kind/name) is the workload
// obj (Kind/name) or one its controller made: its ReplicaSets
// (name-<hash>) and pods (name-<hash>-<suffix>, name-<suffix>,
// name-<ordinal>). Generated parts use Kubernetes' safe alphabet (no
// vowels) or digits, so web's objects are told apart from web-admin's.
func eventAbout(event, obj string) bool {
	if event == obj {
		return true
	}
	kind, name, ok := strings.Cut(event, "/")
	if !ok || (kind != "ReplicaSet" && kind != "Pod") {
		return false
	}
	owner := obj[strings.LastIndex(obj, "/")+1:]
	rest, ok := strings.CutPrefix(name, owner+"-")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "-")
	if len(parts) > 2 || (kind == "ReplicaSet" && len(parts) != 1) {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "bcdfghjklmnpqrstvwxz0123456789") != "" {
			return false
		}
	}
	return true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
