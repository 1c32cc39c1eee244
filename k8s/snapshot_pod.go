package k8s

import (
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// PodFrom copies a pod and computes its kubectl-style status: the reason
// a container waits or died, init progress, Unschedulable with the
// scheduler's message, Terminating.
func PodFrom(p *corev1.Pod) Pod {
	out := Pod{
		Namespace: p.Namespace,
		Name:      p.Name,
		Labels:    maps.Clone(p.Labels),
		Created:   p.CreationTimestamp.Time,
		Phase:     string(p.Status.Phase),
		Node:      p.Spec.NodeName,
		Total:     len(p.Spec.Containers),
		Deleting:  p.DeletionTimestamp != nil,
	}
	if out.Phase == "" {
		out.Phase = string(corev1.PodPending)
	}
	out.OwnerKind, out.OwnerName = podOwner(p)
	out.CPURequest, out.MemoryRequest = podRequests(&p.Spec)
	for _, c := range p.Spec.Containers {
		out.Containers = append(out.Containers, c.Name)
	}
	for _, c := range p.Spec.InitContainers {
		out.InitContainers = append(out.InitContainers, c.Name)
	}
	out.Reason, out.Message = string(p.Status.Reason), p.Status.Message

	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			out.Reason, out.Message = corev1.PodReasonUnschedulable, trimRepeatedTail(c.Message)
		}
	}

	initDone := true
	for i, cs := range p.Status.InitContainerStatuses {
		out.Restarts += cs.RestartCount
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case cs.State.Terminated != nil:
			initDone = false
			r := cs.State.Terminated.Reason
			if r == "" {
				r = fmt.Sprintf("ExitCode:%d", cs.State.Terminated.ExitCode)
			}
			out.Reason, out.Message = "Init:"+r, cs.State.Terminated.Message
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			initDone = false
			out.Reason, out.Message = "Init:"+cs.State.Waiting.Reason, cs.State.Waiting.Message
		default:
			initDone = false
			out.Reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		break
	}

	for _, cs := range p.Status.ContainerStatuses {
		out.Restarts += cs.RestartCount
		if cs.Ready {
			out.Ready++
		}
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason != "" {
			out.LastTermination = t.Reason
		}
		if !initDone {
			continue
		}
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			// A crash-looping container that was OOM-killed says so.
			out.Reason, out.Message = cs.State.Waiting.Reason, cs.State.Waiting.Message
			if out.Reason == "CrashLoopBackOff" && out.LastTermination == "OOMKilled" {
				out.Message = joinNonEmpty("last terminated: OOMKilled", out.Message)
			}
		case cs.State.Terminated != nil && cs.State.Terminated.Reason != "":
			if out.Reason == "" || !isProblem(out.Reason) {
				out.Reason, out.Message = cs.State.Terminated.Reason, cs.State.Terminated.Message
			}
		case cs.State.Terminated != nil:
			if out.Reason == "" {
				if cs.State.Terminated.Signal != 0 {
					out.Reason = fmt.Sprintf("Signal:%d", cs.State.Terminated.Signal)
				} else {
					out.Reason = fmt.Sprintf("ExitCode:%d", cs.State.Terminated.ExitCode)
				}
			}
		}
	}

	if out.Reason == string(p.Status.Phase) {
		out.Reason = ""
	}
	if out.Deleting {
		if p.Status.Reason == "NodeLost" {
			out.Reason = "Unknown"
		} else {
			out.Reason = "Terminating"
		}
	}
	return out
}

// podRequests is what the scheduler counts a pod as requesting (the
// resource-requests rule of Kubernetes): the sum of its containers and
// restartable (sidecar) init containers, or, if larger, what any other init
// container asks plus the sidecars started before it; plus the pod overhead.
func podRequests(spec *corev1.PodSpec) (cpu, memory int64) {
	get := func(r corev1.ResourceList) (int64, int64) {
		var c, m int64
		if q, ok := r[corev1.ResourceCPU]; ok {
			c = q.MilliValue()
		}
		if q, ok := r[corev1.ResourceMemory]; ok {
			m = q.Value()
		}
		return c, m
	}
	for _, c := range spec.Containers {
		dc, dm := get(c.Resources.Requests)
		cpu, memory = cpu+dc, memory+dm
	}
	var sideCPU, sideMem, initCPU, initMem int64
	for _, c := range spec.InitContainers {
		dc, dm := get(c.Resources.Requests)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sideCPU, sideMem = sideCPU+dc, sideMem+dm
			continue
		}
		initCPU, initMem = max(initCPU, sideCPU+dc), max(initMem, sideMem+dm)
	}
	cpu, memory = max(cpu+sideCPU, initCPU), max(memory+sideMem, initMem)
	oc, om := get(spec.Overhead)
	return cpu + oc, memory + om
}

// isProblem reports reasons worse than a plain exit.
func isProblem(reason string) bool {
	switch reason {
	case "CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "OOMKilled", "Unschedulable",
		"CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "RunContainerError", "Evicted":
		return true
	}
	return strings.HasPrefix(reason, "Init:")
}

// IsFailureReason reports pod reasons that will not heal by waiting:
// crash loops, image pulls, bad config, OOM kills, evictions, init failures.
func IsFailureReason(reason string) bool {
	switch reason {
	case "CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "OOMKilled", "Error",
		"CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "RunContainerError", "Evicted":
		return true
	}
	if r, ok := strings.CutPrefix(reason, "Init:"); ok {
		return IsFailureReason(r) || strings.HasPrefix(r, "ExitCode:")
	}
	return strings.HasPrefix(reason, "ExitCode:") || strings.HasPrefix(reason, "Signal:")
}

// podOwner resolves the pod's controller; a ReplicaSet owner is mapped to its
// Deployment through the pod-template-hash suffix.
func podOwner(p *corev1.Pod) (kind, name string) {
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		if o.Kind == "ReplicaSet" {
			if h := p.Labels["pod-template-hash"]; h != "" {
				if d, ok := strings.CutSuffix(o.Name, "-"+h); ok {
					return "Deployment", d
				}
			}
		}
		return o.Kind, o.Name
	}
	return "", ""
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// trimRepeatedTail drops a last sentence that repeats the end of the one
// before it. The scheduler writes a PreFilter failure such as a missing
// PVC, then its preemption verdict, which for such a failure is the same
// error's last words: "0/5 nodes are available: persistentvolumeclaim "x"
// not found. not found".
func trimRepeatedTail(msg string) string {
	i := strings.LastIndex(msg, ". ")
	if i < 0 {
		return msg
	}
	head, tail := msg[:i], strings.TrimSuffix(msg[i+2:], ".")
	if tail != "" && strings.HasSuffix(head, tail) {
		return head
	}
	return msg
}
