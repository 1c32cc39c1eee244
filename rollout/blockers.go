package rollout

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/k8s"
)

// Blockers are states that will not heal by waiting: up fails the step at
// once with them instead of waiting out its timeout. The rules, each
// against what a real cluster writes:
//
//   - A pod reason of k8s.IsFailureReason blocks (crash loops,
//     InvalidImageName, bad config), except two that can heal:
//     ErrImagePull/ImagePullBackOff block only when the registry refuses
//     access (401/403, unauthorized, denied, authentication required) or
//     says the image does not exist (not found, manifest unknown); other
//     pull errors (timeouts, resets, 429, 5xx) are the registry's hiccups,
//     which the kubelet retries. berth deploys images that are already
//     pushed, so a missing tag is a typo or a push not done: push, then up
//     again. And CreateContainerConfigError naming a ConfigMap or Secret
//     this up applies is the kubelet's cache lagging behind the apply.
//   - A pod in ContainerCreating whose FailedMount event says a ConfigMap
//     or Secret this up does not apply is not found blocks.
//   - An unschedulable pod blocks when every reason the scheduler gives
//     holds for good: a PVC this up does not apply is not found (an
//     external volume), or nodes do not match the pod's node
//     selector/affinity or have taints it does not tolerate — but only
//     while every node is Ready, schedulable and free of node-condition and
//     autoscaler taints (a node that is starting, draining or under
//     pressure may match again) and no autoscaler said it brings a node
//     (a TriggeredScaleUp or Nominated event about the pod). Any other
//     reason (Insufficient cpu/memory, too many pods, cordoned nodes,
//     unbound PVCs, pod (anti-)affinity) waits: capacity comes and goes.
//   - A controller that cannot create pods because the API server refuses
//     them (exceeded quota, a LimitRange's per-pod or per-container bound,
//     PodSecurity) blocks — a Deployment's ReplicaFailure condition, or a
//     FailedCreate event about a Job, StatefulSet or DaemonSet newer than
//     it — unless a pod of the namespace is terminating or the workload's
//     rollout still has old pods to remove: either frees quota.
//   - A Job over its backoff limit fails (JobFailed); a progress deadline
//     exceeded fails its Deployment.

// upObjects is the set of objects (Kind/name) an up applies: a missing one
// of them is on its way, any other never comes by waiting.
type upObjects map[string]bool

func newUpObjects(objs []*unstructured.Unstructured) upObjects {
	own := upObjects{}
	for _, o := range objs {
		own[objName(o)] = true
	}
	return own
}

// podTrouble returns the first pod problem, naming every pod it holds for
// with its node; bad is true when it will not heal by waiting. A Job's
// failed pods are left to the Job controller, which retries them up to the
// backoff limit.
func podTrouble(snap *k8s.Snapshot, pods []k8s.Pod, job bool, own upObjects) (why string, bad bool) {
	var waiting, blocked string
	var blockedPods []k8s.Pod
	for _, p := range pods {
		if p.Deleting || (job && p.Phase == "Failed") {
			continue
		}
		reason, permanent := podBlocked(snap, p, own)
		switch {
		case reason == "":
		case permanent && (blocked == "" || reason == blocked):
			blocked = reason
			blockedPods = append(blockedPods, p)
		case !permanent && waiting == "":
			waiting = podsWhy([]k8s.Pod{p}, reason)
		}
	}
	if blocked != "" {
		return podsWhy(blockedPods, blocked), true
	}
	return waiting, false
}

// podsWhy names pods, with their nodes, and what holds them.
func podsWhy(pods []k8s.Pod, why string) string {
	names := make([]string, 0, len(pods))
	for _, p := range pods {
		if p.Node != "" {
			names = append(names, p.Name+" on node "+p.Node)
		} else {
			names = append(names, p.Name)
		}
	}
	noun := "pod"
	if len(pods) > 1 {
		noun = "pods"
	}
	return fmt.Sprintf("%s %s: %s", noun, strings.Join(names, ", "), why)
}

// podBlocked says what holds one pod ("" when nothing worth saying) and
// whether it holds for good.
func podBlocked(snap *k8s.Snapshot, p k8s.Pod, own upObjects) (string, bool) {
	why := withMessage(p.Reason, p.Message)
	switch base := strings.TrimPrefix(p.Reason, "Init:"); {
	case base == "ErrImagePull" || base == "ImagePullBackOff":
		if pullRefused(p.Message) {
			return why, true
		}
		for _, e := range podEvents(snap, p, "Failed") {
			if pullRefused(e.Message) {
				return withMessage(p.Reason, e.Message), true
			}
		}
		return why, false
	case base == "CreateContainerConfigError":
		return why, !own[missingRef(p.Message)]
	case k8s.IsFailureReason(p.Reason):
		return why, true
	case p.Reason == "Unschedulable":
		return why, unschedulableForGood(snap, p, own)
	case p.Reason == "ContainerCreating":
		for _, e := range podEvents(snap, p, "FailedMount") {
			if ref := missingRef(e.Message); ref != "" && !own[ref] {
				return withMessage("FailedMount", e.Message), true
			}
		}
		return why, false
	}
	return "", false
}

var (
	// pullRefusal matches a registry's refusal or a missing image in a
	// kubelet's pull error, not a status code inside a digest.
	pullRefusal = regexp.MustCompile(`(?i)unauthorized|authentication required|denied|forbidden|\b40[13]\b|not found|manifest unknown`)
	// missingObject matches the kubelet's and the scheduler's "not found"
	// for a ConfigMap, Secret or PVC.
	missingObject = regexp.MustCompile(`\b(configmap|secret|persistentvolumeclaim) "([^"]+)" not found`)
)

func pullRefused(msg string) bool { return pullRefusal.MatchString(msg) }

// missingRef returns the object (Kind/name) a "not found" message names,
// or "".
func missingRef(msg string) string {
	m := missingObject.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	kind := map[string]string{"configmap": "ConfigMap", "secret": "Secret", "persistentvolumeclaim": "PersistentVolumeClaim"}[m[1]]
	return kind + "/" + m[2]
}

// podEvents returns the warning events with the given reason about pod p.
func podEvents(snap *k8s.Snapshot, p k8s.Pod, reason string) []k8s.Event {
	var out []k8s.Event
	for _, e := range snap.Events {
		if e.Object == "Pod/"+p.Name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// unschedulableForGood reports whether every reason in the scheduler's
// message for p holds until someone changes the env or the cluster.
func unschedulableForGood(snap *k8s.Snapshot, p k8s.Pod, own upObjects) bool {
	if len(podEvents(snap, p, "TriggeredScaleUp")) > 0 || len(podEvents(snap, p, "Nominated")) > 0 {
		return false
	}
	reasons := schedulerReasons(p.Message)
	if len(reasons) == 0 {
		return false
	}
	for _, r := range reasons {
		switch {
		case strings.HasPrefix(r, "persistentvolumeclaim "):
			if ref := missingRef(r); ref == "" || own[ref] {
				return false
			}
		case strings.Contains(r, "didn't match Pod's node affinity/selector"), strings.Contains(r, "untolerated taint"):
			if !nodesSettled(snap) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// schedulerReasons splits "0/5 nodes are available: 2 Insufficient cpu,
// 3 node(s) had untolerated taint(s). preemption: …" into its reasons,
// without their node counts.
func schedulerReasons(msg string) []string {
	_, rest, ok := strings.Cut(msg, "nodes are available: ")
	if !ok {
		return nil
	}
	rest, _, _ = strings.Cut(rest, ". ")
	rest = strings.TrimSuffix(rest, ".")
	var out []string
	for _, r := range strings.Split(rest, ", ") {
		if n, after, ok := strings.Cut(r, " "); ok && strings.Trim(n, "0123456789") == "" {
			r = after
		}
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// transientTaints are taint keys that nodes lose by themselves: node
// conditions, nodes being initialised or removed by an autoscaler.
var transientTaints = []string{"node.kubernetes.io/", "node.cloudprovider.kubernetes.io/uninitialized", "ToBeDeletedByClusterAutoscaler", "DeletionCandidateOfClusterAutoscaler", "karpenter.sh/disrupted", "karpenter.sh/unregistered"}

// nodesSettled reports whether every node berth can see is Ready,
// schedulable and free of transient taints; with no nodes visible it
// cannot tell and trusts the scheduler's message.
func nodesSettled(snap *k8s.Snapshot) bool {
	for _, n := range snap.Nodes {
		if !n.Ready || n.Unschedulable {
			return false
		}
		for _, t := range n.Taints {
			for _, prefix := range transientTaints {
				if strings.HasPrefix(t, prefix) {
					return false
				}
			}
		}
	}
	return true
}

// createRefusal matches the API server refusing a pod for good: a quota, a
// LimitRange bound, PodSecurity.
var createRefusal = regexp.MustCompile(`exceeded quota|usage per (Container|Pod) is|violates PodSecurity`)

// createRefused says why the controller of obj (Kind/name, created at
// created, with conditions conds; replacing while its rollout has old
// pods left) cannot create its pods, and whether that holds for good. A
// Deployment says so in its ReplicaFailure condition; a Job, StatefulSet
// or DaemonSet only in FailedCreate events.
func createRefused(snap *k8s.Snapshot, ns, obj string, created time.Time, conds []k8s.Condition, replacing bool) (string, bool) {
	var why string
	for _, c := range conds {
		if c.Type == "ReplicaFailure" && c.Status == "True" && createRefusal.MatchString(c.Message) {
			why = withMessage(c.Reason, c.Message)
		}
	}
	for _, e := range snap.Events { // newest first; event times have whole seconds
		if why != "" {
			break
		}
		if e.Reason == "FailedCreate" && e.Object == obj && !e.Last.Before(created.Truncate(time.Second)) && createRefusal.MatchString(e.Message) {
			why = withMessage("FailedCreate", strings.TrimPrefix(e.Message, "Error creating: "))
		}
	}
	if why == "" {
		return "", false
	}
	if replacing {
		return why + " (waiting: the rollout still removes old pods)", false
	}
	for _, p := range snap.PodsIn(ns) {
		if p.Deleting {
			return why + " (waiting: pod " + p.Name + " is terminating)", false
		}
	}
	return why, true
}
