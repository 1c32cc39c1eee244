package k8s

import (
	"maps"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Label keys of well-known cloud providers that mark spot capacity.
const (
	LabelKarpenterCapacityType = "karpenter.sh/capacity-type"     // spot | on-demand
	LabelEKSCapacityType       = "eks.amazonaws.com/capacityType" // SPOT | ON_DEMAND
	labelZone                  = "topology.kubernetes.io/zone"
	labelRegion                = "topology.kubernetes.io/region"
	labelInstanceType          = "node.kubernetes.io/instance-type"
)

// NamespaceFrom copies a namespace.
func NamespaceFrom(ns *corev1.Namespace) Namespace {
	return Namespace{
		Name:        ns.Name,
		Labels:      maps.Clone(ns.Labels),
		Annotations: maps.Clone(ns.Annotations),
		Created:     ns.CreationTimestamp.Time,
		Terminating: ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating,
	}
}

// NodeFrom copies a node, deriving its capacity type from its labels.
func NodeFrom(n *corev1.Node) Node {
	out := Node{
		Name:          n.Name,
		Capacity:      CapacityTypeOf(n.Labels),
		Unschedulable: n.Spec.Unschedulable,
		Zone:          n.Labels[labelZone],
		Region:        n.Labels[labelRegion],
		InstanceType:  n.Labels[labelInstanceType],
	}
	if q, ok := n.Status.Allocatable[corev1.ResourceCPU]; ok {
		out.AllocatableCPU = q.MilliValue()
	}
	if q, ok := n.Status.Allocatable[corev1.ResourceMemory]; ok {
		out.AllocatableMemory = q.Value()
	}
	for _, t := range n.Spec.Taints {
		out.Taints = append(out.Taints, t.Key)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			out.Ready = c.Status == corev1.ConditionTrue
		}
	}
	return out
}

// CapacityTypeOf reads Karpenter's or EKS's capacity-type node label.
func CapacityTypeOf(labels map[string]string) CapacityType {
	v := labels[LabelKarpenterCapacityType]
	if v == "" {
		v = labels[LabelEKSCapacityType]
	}
	switch strings.ToLower(strings.ReplaceAll(v, "_", "-")) {
	case "spot":
		return CapacitySpot
	case "on-demand":
		return CapacityOnDemand
	}
	return CapacityUnknown
}

func conditionsFrom[C any](cs []C, get func(C) Condition) []Condition {
	if len(cs) == 0 {
		return nil
	}
	out := make([]Condition, len(cs))
	for i, c := range cs {
		out[i] = get(c)
	}
	return out
}

// podImages lists the images of a pod spec, init containers first.
func podImages(spec corev1.PodSpec) []string {
	var out []string
	for _, c := range spec.InitContainers {
		out = append(out, c.Image)
	}
	for _, c := range spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

// DeploymentFrom copies a Deployment's rollout state.
func DeploymentFrom(d *appsv1.Deployment) Workload {
	return Workload{
		Kind: "Deployment", Namespace: d.Namespace, Name: d.Name,
		Labels: maps.Clone(d.Labels), Annotations: maps.Clone(d.Annotations), Created: d.CreationTimestamp.Time,
		Desired:   replicas(d.Spec.Replicas),
		Current:   d.Status.Replicas,
		Updated:   d.Status.UpdatedReplicas,
		Ready:     d.Status.ReadyReplicas,
		Available: d.Status.AvailableReplicas,

		Generation: d.Generation, ObservedGeneration: d.Status.ObservedGeneration,
		Paused: d.Spec.Paused, Images: podImages(d.Spec.Template.Spec),
		Conditions: conditionsFrom(d.Status.Conditions, func(c appsv1.DeploymentCondition) Condition {
			return Condition{string(c.Type), string(c.Status), c.Reason, c.Message, c.LastUpdateTime.Time}
		}),
	}
}

// StatefulSetFrom copies a StatefulSet's rollout state.
func StatefulSetFrom(s *appsv1.StatefulSet) Workload {
	return Workload{
		Kind: "StatefulSet", Namespace: s.Namespace, Name: s.Name,
		Labels: maps.Clone(s.Labels), Annotations: maps.Clone(s.Annotations), Created: s.CreationTimestamp.Time,
		Desired:   replicas(s.Spec.Replicas),
		Current:   s.Status.Replicas,
		Updated:   s.Status.UpdatedReplicas,
		Ready:     s.Status.ReadyReplicas,
		Available: s.Status.AvailableReplicas,

		Generation: s.Generation, ObservedGeneration: s.Status.ObservedGeneration,
		Images: podImages(s.Spec.Template.Spec),
		Conditions: conditionsFrom(s.Status.Conditions, func(c appsv1.StatefulSetCondition) Condition {
			return Condition{string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time}
		}),
	}
}

// DaemonSetFrom copies a DaemonSet's rollout state.
func DaemonSetFrom(d *appsv1.DaemonSet) Workload {
	return Workload{
		Kind: "DaemonSet", Namespace: d.Namespace, Name: d.Name,
		Labels: maps.Clone(d.Labels), Annotations: maps.Clone(d.Annotations), Created: d.CreationTimestamp.Time,
		Desired:   d.Status.DesiredNumberScheduled,
		Current:   d.Status.CurrentNumberScheduled,
		Updated:   d.Status.UpdatedNumberScheduled,
		Ready:     d.Status.NumberReady,
		Available: d.Status.NumberAvailable,

		Generation: d.Generation, ObservedGeneration: d.Status.ObservedGeneration,
		Images: podImages(d.Spec.Template.Spec),
		Conditions: conditionsFrom(d.Status.Conditions, func(c appsv1.DaemonSetCondition) Condition {
			return Condition{string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time}
		}),
	}
}

// JobFrom copies a Job's progress and result.
func JobFrom(j *batchv1.Job) Job {
	out := Job{
		Namespace: j.Namespace, Name: j.Name,
		Labels: maps.Clone(j.Labels), Annotations: maps.Clone(j.Annotations), Created: j.CreationTimestamp.Time,
		Completions: 1,
		Active:      j.Status.Active,
		Succeeded:   j.Status.Succeeded,
		Failed:      j.Status.Failed,
		Start:       timeOf(j.Status.StartTime),
		Completion:  timeOf(j.Status.CompletionTime),
		Result:      JobRunning,
		Images:      podImages(j.Spec.Template.Spec),
		Conditions: conditionsFrom(j.Status.Conditions, func(c batchv1.JobCondition) Condition {
			return Condition{string(c.Type), string(c.Status), c.Reason, c.Message, c.LastTransitionTime.Time}
		}),
	}
	if j.Spec.Completions != nil {
		out.Completions = *j.Spec.Completions
	}
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		out.Result = JobSuspended
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			out.Result = JobComplete
		case batchv1.JobFailed:
			out.Result, out.Reason, out.Message = JobFailed, c.Reason, c.Message
		}
	}
	return out
}

// EventFrom copies a core/v1 Event.
func EventFrom(e *corev1.Event) Event {
	out := Event{
		Namespace: e.Namespace,
		Type:      e.Type,
		Reason:    e.Reason,
		Message:   trimRepeatedTail(strings.TrimSpace(e.Message)),
		Object:    e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name,
		Count:     e.Count,
		First:     e.FirstTimestamp.Time,
		Last:      e.LastTimestamp.Time,
	}
	if e.Series != nil {
		out.Count = e.Series.Count
		out.Last = e.Series.LastObservedTime.Time
	}
	if out.Last.IsZero() {
		out.Last = e.EventTime.Time
	}
	if out.Last.IsZero() {
		out.Last = e.CreationTimestamp.Time
	}
	if out.First.IsZero() {
		out.First = out.Last
	}
	if out.Count == 0 {
		out.Count = 1
	}
	return out
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func timeOf(t *metav1.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}
