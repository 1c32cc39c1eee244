package rollout

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/k8s"
)

// Messages as the local cluster (v1.36 scheduler and controllers, kwok's
// kubelet simulation) and containerd write them.
const (
	msgPVC      = `0/5 nodes are available: persistentvolumeclaim "uploads" not found. not found`
	msgSelector = "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
	msgMixed    = "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
	msgCPU      = "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
	msgQuota    = `pods "web-abc-x7k2p" is forbidden: exceeded quota: berth-quota, requested: pods=1, used: pods=5, limited: pods=5`
)

// blockerFixture is a namespace with Deployment web (2 replicas, rolling
// out), Job migrate and five Ready nodes.
type blockerFixture struct {
	objs []runtime.Object
}

func newBlockerFixture() *blockerFixture {
	f := &blockerFixture{}
	for _, n := range []string{"kwok-ondemand-1", "kwok-ondemand-2", "kwok-spot-1", "kwok-spot-2", "kwok-spot-3"} {
		f.objs = append(f.objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}, Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}})
	}
	f.objs = append(f.objs,
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", Generation: 1}, Spec: appsv1.DeploymentSpec{Replicas: new(int32(2))},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 1}},
		&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "migrate", CreationTimestamp: metav1.NewTime(fixtureNow.Add(-time.Minute))}})
	return f
}

var fixtureNow = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

func (f *blockerFixture) add(o ...runtime.Object) *blockerFixture {
	f.objs = append(f.objs, o...)
	return f
}

// pod is a pod of web, on node (unscheduled when ""), in the given state.
func fixturePod(name, node string, status corev1.PodStatus) *corev1.Pod {
	ctrl := true
	if status.Phase == "" {
		status.Phase = corev1.PodPending
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{"pod-template-hash": "abc"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-abc", Controller: &ctrl}}},
		Spec:   corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "web"}}},
		Status: status,
	}
}

func unschedulable(msg string) corev1.PodStatus {
	return corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: msg}}}
}

func waitingIn(reason, msg string) corev1.PodStatus {
	return corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}}}}
}

func warning(object, reason, msg string, last time.Time) *corev1.Event {
	kind, name, _ := strings.Cut(object, "/")
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name + "." + reason}, Type: "Warning", Reason: reason, Message: msg,
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: name}, LastTimestamp: metav1.NewTime(last)}
}

// TestEvaluateBlockers: each permanent blocker fails its object at once
// with the reason naming the object (and pods, and their nodes); each
// transient look-alike keeps waiting.
func TestEvaluateBlockers(t *testing.T) {
	notReady := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kwok-spot-4"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoSchedule}}}}
	quotaDeploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", Generation: 1}, Spec: appsv1.DeploymentSpec{Replicas: new(int32(2))},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: msgQuota}}}}
	replacing := quotaDeploy.DeepCopy()
	replacing.Status.Replicas, replacing.Status.UpdatedReplicas = 2, 1
	terminating := fixturePod("web-old-1", "kwok-spot-1", corev1.PodStatus{Phase: corev1.PodRunning})
	terminating.OwnerReferences = nil
	terminating.DeletionTimestamp = &metav1.Time{Time: fixtureNow}
	failedJob := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "migrate"}, Status: batchv1.JobStatus{Failed: 1, Conditions: []batchv1.JobCondition{
		{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}}}}

	tests := []struct {
		name   string
		kind   string // Deployment web (default) or Job migrate
		fix    *blockerFixture
		own    []string
		failed bool
		want   []string // substrings of the reason
		not    string   // must not appear
	}{
		{name: "missing PVC", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgPVC))), failed: true,
			want: []string{`pod web-abc-1: Unschedulable: 0/5 nodes are available: persistentvolumeclaim "uploads" not found`}, not: "not found. not found"},
		{name: "PVC this up applies", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgPVC))), own: []string{"PersistentVolumeClaim/uploads"},
			want: []string{"Unschedulable"}},
		{name: "no node matches the selector", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgSelector)), fixturePod("web-abc-2", "", unschedulable(msgSelector))), failed: true,
			want: []string{"pods web-abc-1, web-abc-2: Unschedulable", "didn't match Pod's node affinity/selector"}},
		{name: "selector and taints", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgMixed))), failed: true,
			want: []string{"untolerated taint"}},
		{name: "mismatch while a node starts", fix: newBlockerFixture().add(notReady, fixturePod("web-abc-1", "", unschedulable(msgMixed))),
			want: []string{"Unschedulable"}},
		{name: "mismatch while an autoscaler brings a node", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgSelector)),
			warning("Pod/web-abc-1", "Nominated", "Pod should schedule on: nodeclaim/default-x", fixtureNow)), want: []string{"Unschedulable"}},
		{name: "insufficient cpu", fix: newBlockerFixture().add(fixturePod("web-abc-1", "", unschedulable(msgCPU))), want: []string{"Insufficient cpu"}},
		{name: "invalid image", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-1", waitingIn("InvalidImageName", `Failed to apply default image tag "shop/Web:main": couldn't parse image name "shop/Web:main": invalid reference format`))), failed: true,
			want: []string{"pod web-abc-1 on node kwok-spot-1: InvalidImageName", "shop/Web:main"}},
		{name: "pull unauthorized", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-2", waitingIn("ErrImagePull", `failed to pull and unpack image "registry.example.com/shop/web:main": failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized`))), failed: true,
			want: []string{"pod web-abc-1 on node kwok-spot-2: ErrImagePull", "401 Unauthorized"}},
		{name: "pull access denied", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-2", waitingIn("ImagePullBackOff", `Back-off pulling image "shop/web:main"`)),
			warning("Pod/web-abc-1", "Failed", `Failed to pull image "shop/web:main": pull access denied, repository does not exist or may require authorization`, fixtureNow)), failed: true,
			want: []string{"ImagePullBackOff: Failed to pull image", "pull access denied"}},
		{name: "image not pushed", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-2", waitingIn("ErrImagePull", `failed to pull and unpack image "docker.io/shop/web:main": docker.io/shop/web:main: not found`))), failed: true,
			want: []string{"ErrImagePull", "not found"}},
		{name: "registry timeout", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-2", waitingIn("ErrImagePull", `failed to pull and unpack image "registry.example.com/shop/web@sha256:4010403": dial tcp 10.0.0.9:443: i/o timeout`))),
			want: []string{"i/o timeout"}},
		{name: "missing ConfigMap", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-3", waitingIn("CreateContainerConfigError", `configmap "flags" not found`))), failed: true,
			want: []string{`pod web-abc-1 on node kwok-spot-3: CreateContainerConfigError: configmap "flags" not found`}},
		{name: "missing Secret", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-3", waitingIn("CreateContainerConfigError", `secret "keys" not found`))), failed: true,
			want: []string{`secret "keys" not found`}},
		{name: "ConfigMap this up applies", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-3", waitingIn("CreateContainerConfigError", `configmap "flags" not found`))), own: []string{"ConfigMap/flags"},
			want: []string{"CreateContainerConfigError"}},
		{name: "mount of a missing ConfigMap", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-3", waitingIn("ContainerCreating", "")),
			warning("Pod/web-abc-1", "FailedMount", `MountVolume.SetUp failed for volume "cfg" : configmap "web-config" not found`, fixtureNow)), failed: true,
			want: []string{`pod web-abc-1 on node kwok-spot-3: FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "web-config" not found`}},
		{name: "mount of a ConfigMap this up applies", fix: newBlockerFixture().add(fixturePod("web-abc-1", "kwok-spot-3", waitingIn("ContainerCreating", "")),
			warning("Pod/web-abc-1", "FailedMount", `MountVolume.SetUp failed for volume "cfg" : configmap "web-config" not found`, fixtureNow)), own: []string{"ConfigMap/web-config"},
			want: []string{"ContainerCreating"}},
		{name: "quota exceeded", fix: &blockerFixture{objs: append(newBlockerFixture().objs[:5:5], quotaDeploy)}, failed: true,
			want: []string{"FailedCreate: " + msgQuota}},
		{name: "quota while a pod terminates", fix: &blockerFixture{objs: append(newBlockerFixture().objs[:5:5], quotaDeploy, terminating)},
			want: []string{"exceeded quota", "web-old-1 is terminating"}},
		{name: "quota while the rollout replaces old pods", fix: &blockerFixture{objs: append(newBlockerFixture().objs[:5:5], replacing)},
			want: []string{"exceeded quota", "the rollout still removes old pods"}},
		{name: "job over quota", kind: "Job", fix: newBlockerFixture().add(warning("Job/migrate", "FailedCreate", "Error creating: "+strings.ReplaceAll(msgQuota, "web-abc-x7k2p", "migrate-q8x2z"), fixtureNow)), failed: true,
			want: []string{`FailedCreate: pods "migrate-q8x2z" is forbidden: exceeded quota`}},
		{name: "job over quota before it was recreated", kind: "Job", fix: newBlockerFixture().add(warning("Job/migrate", "FailedCreate", "Error creating: "+msgQuota, fixtureNow.Add(-time.Hour))),
			want: []string{"running"}},
		{name: "job over its backoff limit", kind: "Job", fix: &blockerFixture{objs: append(newBlockerFixture().objs[:6:6], failedJob)}, failed: true,
			want: []string{"job failed: BackoffLimitExceeded: Job has reached the specified backoff limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := k8s.SnapshotFromObjects(tt.fix.objs, fixtureNow, "ns")
			obj := &unstructured.Unstructured{}
			obj.SetNamespace("ns")
			if tt.kind == "Job" {
				obj.SetKind("Job")
				obj.SetName("migrate")
			} else {
				obj.SetKind("Deployment")
				obj.SetName("web")
			}
			own := upObjects{}
			for _, o := range tt.own {
				own[o] = true
			}
			st := evaluate(snap, obj, WaitReady, 1, rolloutBefore{}, own)
			if st.failed != tt.failed || st.done {
				t.Fatalf("failed = %v, done = %v (%q), want failed = %v", st.failed, st.done, st.reason, tt.failed)
			}
			for _, w := range tt.want {
				if !strings.Contains(st.reason, w) {
					t.Errorf("reason %q lacks %q", st.reason, w)
				}
			}
			if tt.not != "" && strings.Contains(st.reason, tt.not) {
				t.Errorf("reason %q holds %q", st.reason, tt.not)
			}
		})
	}
}

func TestSchedulerReasons(t *testing.T) {
	got := strings.Join(schedulerReasons(msgMixed), "|")
	if want := "node(s) didn't match Pod's node affinity/selector|node(s) had untolerated taint(s)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := schedulerReasons("pod has unbound immediate PersistentVolumeClaims"); got != nil {
		t.Errorf("a message without node reasons: got %q", got)
	}
}

func TestWithMessageOnce(t *testing.T) {
	for _, tt := range [][3]string{
		{"Unschedulable", "not found", "Unschedulable: not found"},
		{"job failed: x not found", "not found", "job failed: x not found"},
		{"", "msg", "msg"},
		{"Reason", "", "Reason"},
	} {
		if got := withMessage(tt[0], tt[1]); got != tt[2] {
			t.Errorf("withMessage(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
	}
}
