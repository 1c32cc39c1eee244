package k8s

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodFromStatus(t *testing.T) {
	ctrl := true
	waiting := func(reason, msg string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	oom := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}
	pod := func(phase corev1.PodPhase, cs ...corev1.ContainerStatus) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-5d9c-abcde", Labels: map[string]string{"pod-template-hash": "5d9c"},
				OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-5d9c", Controller: &ctrl}}},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}, NodeName: "n1"},
			Status: corev1.PodStatus{Phase: phase, ContainerStatuses: cs},
		}
		return p
	}
	terminating := pod(corev1.PodRunning, corev1.ContainerStatus{Name: "app", State: running, Ready: true})
	terminating.DeletionTimestamp = &metav1.Time{}
	unsched := pod(corev1.PodPending)
	unsched.Spec.NodeName = ""
	unsched.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/5 nodes are available"}}
	initWait := pod(corev1.PodPending, corev1.ContainerStatus{Name: "app", State: waiting("PodInitializing", "")})
	initWait.Spec.InitContainers = []corev1.Container{{Name: "migrate"}}
	initWait.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", State: waiting("CrashLoopBackOff", "back-off")}}

	tests := []struct {
		name              string
		pod               *corev1.Pod
		status, msg, last string
		ready, restarts   int
	}{
		{"running", pod(corev1.PodRunning, corev1.ContainerStatus{Name: "app", State: running, Ready: true}), "Running", "", "", 1, 0},
		{"crashloop", pod(corev1.PodRunning, corev1.ContainerStatus{Name: "app", State: waiting("CrashLoopBackOff", "back-off 5m"), RestartCount: 7}), "CrashLoopBackOff", "back-off 5m", "", 0, 7},
		{"image pull", pod(corev1.PodPending, corev1.ContainerStatus{Name: "app", State: waiting("ErrImagePull", "not found")}), "ErrImagePull", "not found", "", 0, 0},
		{"oom now", pod(corev1.PodRunning, corev1.ContainerStatus{Name: "app", State: oom}), "OOMKilled", "", "", 0, 0},
		{"oom before", pod(corev1.PodRunning, corev1.ContainerStatus{Name: "app", State: waiting("CrashLoopBackOff", ""), LastTerminationState: oom, RestartCount: 2}), "CrashLoopBackOff", "last terminated: OOMKilled", "OOMKilled", 0, 2},
		{"unschedulable", unsched, "Unschedulable", "0/5 nodes are available", "", 0, 0},
		{"init crash", initWait, "Init:CrashLoopBackOff", "back-off", "", 0, 0},
		{"terminating", terminating, "Terminating", "", "", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PodFrom(tt.pod)
			if p.Status() != tt.status || p.Message != tt.msg || p.LastTermination != tt.last || p.Ready != tt.ready || int(p.Restarts) != tt.restarts {
				t.Errorf("got status %q msg %q last %q ready %d restarts %d", p.Status(), p.Message, p.LastTermination, p.Ready, p.Restarts)
			}
			if p.OwnerKind != "Deployment" || p.OwnerName != "web" {
				t.Errorf("owner = %s/%s, want Deployment/web", p.OwnerKind, p.OwnerName)
			}
		})
	}
}

func TestCapacityTypeOf(t *testing.T) {
	for labels, want := range map[[2]string]CapacityType{
		{LabelKarpenterCapacityType, "spot"}:      CapacitySpot,
		{LabelKarpenterCapacityType, "on-demand"}: CapacityOnDemand,
		{LabelEKSCapacityType, "SPOT"}:            CapacitySpot,
		{LabelEKSCapacityType, "ON_DEMAND"}:       CapacityOnDemand,
		{"other", "spot"}:                         CapacityUnknown,
	} {
		if got := CapacityTypeOf(map[string]string{labels[0]: labels[1]}); got != want {
			t.Errorf("%v: got %q, want %q", labels, got, want)
		}
	}
}

// TestSchedulerMessageTail: the scheduler's message for a missing PVC, as
// the local cluster (v1.36) writes it in the pod condition and in the
// FailedScheduling event, loses its repeated tail; messages whose last
// sentence says something new keep it.
func TestSchedulerMessageTail(t *testing.T) {
	const preemption = ". no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
	for _, tt := range []struct{ msg, want string }{
		{`0/5 nodes are available: persistentvolumeclaim "uploads" not found. not found`, `0/5 nodes are available: persistentvolumeclaim "uploads" not found`},
		{"0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector" + preemption, "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector" + preemption},
		{"0/5 nodes are available: 2 Insufficient cpu.", "0/5 nodes are available: 2 Insufficient cpu."},
		{"a. b. c", "a. b. c"},
		{"", ""},
	} {
		p := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: tt.msg},
		}}}
		if got := PodFrom(p).Message; got != tt.want {
			t.Errorf("pod message %q: got %q, want %q", tt.msg, got, tt.want)
		}
		e := &corev1.Event{Reason: "FailedScheduling", Message: tt.msg}
		if got := EventFrom(e).Message; got != tt.want {
			t.Errorf("event message %q: got %q, want %q", tt.msg, got, tt.want)
		}
	}
}
