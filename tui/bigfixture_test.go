package tui

import (
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// bigNS is the namespace of the 60-workload env of the big fixture.
const bigNS = "sentry-master"

// bigServices are the 60 workloads of the big fixture, named like those
// of sentry's self-hosted compose file; many share long prefixes.
var bigServices = []string{
	"clickhouse", "kafka", "postgres", "redis", "memcached", "smtp", "nginx", "relay",
	"web", "worker", "cron", "taskworker", "taskscheduler", "symbolicator", "symbolicator-cleanup", "vroom",
	"vroom-cleanup", "geoipupdate", "sentry-cleanup", "snuba-cleanup", "snuba-api", "snuba-replacer",
	"snuba-errors-consumer", "snuba-outcomes-consumer", "snuba-outcomes-billing-consumer",
	"snuba-group-attributes-consumer", "snuba-transactions-consumer", "snuba-replays-consumer",
	"snuba-issue-occurrence-consumer", "snuba-metrics-consumer", "snuba-spans-consumer",
	"snuba-profiling-profiles-consumer", "snuba-profiling-functions-consumer",
	"snuba-generic-metrics-sets-consumer", "snuba-generic-metrics-counters-consumer",
	"snuba-generic-metrics-distributions-consumer",
	"snuba-subscription-consumer-events", "snuba-subscription-consumer-transactions",
	"snuba-subscription-consumer-metrics", "snuba-subscription-consumer-generic-metrics",
	"snuba-subscription-consumer-eap-spans",
	"events-consumer", "attachments-consumer", "transactions-consumer", "metrics-consumer",
	"generic-metrics-consumer", "billing-metrics-consumer", "ingest-replay-recordings",
	"ingest-occurrences", "ingest-profiles", "ingest-monitors", "ingest-feedback-events",
	"monitors-clock-tick", "monitors-clock-tasks", "post-process-forwarder-errors",
	"post-process-forwarder-transactions", "post-process-forwarder-issue-platform",
	"subscription-consumer-events", "subscription-consumer-transactions", "uptime-checker",
}

// Rollouts of the big fixture that are not Complete.
var (
	bigProgressing = map[string]bool{"web": true, "snuba-subscription-consumer-transactions": true, "ingest-profiles": true, "post-process-forwarder-errors": true}
	bigFailed      = "snuba-subscription-consumer-metrics"
	bigReplicas    = map[string]int32{"web": 3, "worker": 3, "relay": 2, "nginx": 2, "snuba-api": 2, "taskworker": 2}
	bigStateful    = map[string]bool{"clickhouse": true, "kafka": true, "postgres": true, "redis": true}
)

// newBigCluster is the fixture cluster plus env sentry-master: 60
// workloads (4 rolling out, 1 past its progress deadline), 3 jobs and
// 72 pods over spot and on-demand nodes.
func newBigCluster(t testing.TB) *fakeCluster {
	if len(bigServices) != 60 {
		t.Fatalf("big fixture has %d services, want 60", len(bigServices))
	}
	f := &fakeCluster{objs: append(loadObjects(t), bigObjects()...), changes: make(chan struct{}, 1), now: fixtureNow}
	f.rebuild("")
	return f
}

// bigTemplate is the pod template of workload or job name: its image
// pinned to a digest (made from the name) as berth up pins them, but
// smtp's, which names a tag only.
func bigTemplate(name string) corev1.PodTemplateSpec {
	image := "ghcr.io/getsentry/" + name + "@sha256:" + strings.Repeat(hash(name)+hash(name+"/"), 4)[:64]
	if name == "smtp" {
		image = "tianon/exim4:latest"
	}
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: image}}}}
}

// bigConfig is the UI opened in the sentry repo on branch master.
func bigConfig(c Cluster) Config {
	return Config{Cluster: c, Context: "kwok", Project: "sentry", Branch: "master", Prices: fixturePrices}
}

func bigObjects() []runtime.Object {
	at := func(ago time.Duration) metav1.Time { return metav1.NewTime(fixtureNow.Add(-ago)) }
	managed := map[string]string{"app.kubernetes.io/managed-by": "berth"}
	objs := []runtime.Object{&corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: bigNS, CreationTimestamp: at(30 * time.Minute),
			Labels: map[string]string{"app.kubernetes.io/managed-by": "berth", "berth.dev/project": "sentry", "berth.dev/branch-slug": "master"},
			Annotations: map[string]string{"berth.dev/branch": "master", "berth.dev/owner": "eve@example.com",
				"berth.dev/created-at": fixtureNow.Add(-30 * time.Minute).Format(time.RFC3339), "berth.dev/expires-at": fixtureNow.Add(71 * time.Hour).Format(time.RFC3339)}},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}}
	nodes := []string{"kwok-spot-1", "kwok-od-1", "kwok-spot-2", "kwok-spot-3", "kwok-od-2"}
	podN := 0
	pod := func(name, owner, ownerKind string, phase corev1.PodPhase, cs corev1.ContainerStatus, ago time.Duration) *corev1.Pod {
		node := nodes[podN%len(nodes)]
		podN++
		cs.Name, cs.Image = owner, "x"
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: bigNS, Labels: managed, CreationTimestamp: at(ago),
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: ownerKind, Name: owner, UID: types.UID("u-" + owner), Controller: ptr(true)}}},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: owner, Image: "x",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")}}}}},
			Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{cs}},
		}
	}
	running := corev1.ContainerStatus{Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	creating := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	crashing := corev1.ContainerStatus{RestartCount: 9, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}

	for _, name := range bigServices {
		want := bigReplicas[name]
		if want == 0 {
			want = 1
		}
		ready, updated := want, want
		conds := []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"}}
		switch {
		case bigProgressing[name]:
			ready, updated = want-1, want-1
			if want == 1 {
				updated = 1
			}
		case name == bigFailed:
			ready = 0
			conds = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded",
				Message: fmt.Sprintf("ReplicaSet %q has timed out progressing.", name+"-"+hash(name))}}
		}
		meta := metav1.ObjectMeta{Name: name, Namespace: bigNS, Labels: managed, Generation: 1, CreationTimestamp: at(25 * time.Minute)}
		if bigStateful[name] {
			objs = append(objs, &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Replicas: &want, Template: bigTemplate(name)},
				Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: want, CurrentReplicas: want, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: ready}})
			for i := range want {
				objs = append(objs, pod(fmt.Sprintf("%s-%d", name, i), name, "StatefulSet", corev1.PodRunning, running, 25*time.Minute))
			}
			continue
		}
		objs = append(objs, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Replicas: &want, Template: bigTemplate(name)},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: want, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: ready, Conditions: conds}})
		rs := name + "-" + hash(name)
		for i := range want {
			p := pod(fmt.Sprintf("%s-%s", rs, hash(fmt.Sprint(name, i))[:5]), rs, "ReplicaSet", corev1.PodRunning, running, 24*time.Minute)
			p.Labels = map[string]string{"app.kubernetes.io/managed-by": "berth", "pod-template-hash": hash(name)}
			p.Spec.Containers[0].Name, p.Status.ContainerStatuses[0].Name = name, name
			switch {
			case name == bigFailed:
				p.Status.Phase, p.Status.ContainerStatuses[0] = corev1.PodRunning, crashing
				p.Status.ContainerStatuses[0].Name = name
			case bigProgressing[name] && i == want-1:
				p.Status.Phase, p.Status.ContainerStatuses[0] = corev1.PodPending, creating
				p.Status.ContainerStatuses[0].Name = name
				p.CreationTimestamp = at(20 * time.Second)
			}
			objs = append(objs, p)
		}
	}

	for _, j := range []struct {
		name   string
		done   bool
		ran    time.Duration
		agoMin int
	}{{"snuba-bootstrap", true, 41 * time.Second, 29}, {"sentry-upgrade-migrations", true, 3*time.Minute + 12*time.Second, 28}, {"create-kafka-topics", false, 0, 2}} {
		job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: j.name, Namespace: bigNS, Labels: managed, CreationTimestamp: at(time.Duration(j.agoMin) * time.Minute)},
			Spec:   batchv1.JobSpec{Completions: ptr(int32(1)), Template: bigTemplate(j.name)},
			Status: batchv1.JobStatus{StartTime: ptr(at(time.Duration(j.agoMin) * time.Minute)), Active: 1}}
		cs, phase := running, corev1.PodRunning
		if j.done {
			job.Status.Active, job.Status.Succeeded = 0, 1
			job.Status.CompletionTime = ptr(metav1.NewTime(job.Status.StartTime.Add(j.ran)))
			job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			cs = corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}
			phase = corev1.PodSucceeded
		}
		objs = append(objs, job, pod(j.name+"-"+hash(j.name)[:5], j.name, "Job", phase, cs, time.Duration(j.agoMin)*time.Minute))
	}

	failedPod := fmt.Sprintf("%s-%s-%s", bigFailed, hash(bigFailed), hash(fmt.Sprint(bigFailed, 0))[:5])
	objs = append(objs, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "big-e1", Namespace: bigNS},
		Type:       "Warning", Reason: "BackOff", Message: "Back-off restarting failed container " + bigFailed + " in pod " + failedPod,
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: failedPod, Namespace: bigNS},
		FirstTimestamp: at(20 * time.Minute), LastTimestamp: at(30 * time.Second), Count: 87,
	})
	return objs
}

// hash is a stable pod-template-hash-like suffix for name.
func hash(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprintf("%08x", h.Sum32())[:8]
}

func ptr[T any](v T) *T { return &v }

func TestBigFixtureShape(t *testing.T) {
	s := newBigCluster(t).Snapshot()
	if n := len(s.WorkloadsIn(bigNS)); n != 60 {
		t.Errorf("%d workloads, want 60", n)
	}
	if n := len(s.PodsIn(bigNS)); n < 65 || n > 80 {
		t.Errorf("%d pods, want about 70", n)
	}
	if n := len(s.JobsIn(bigNS)); n != 3 {
		t.Errorf("%d jobs, want 3", n)
	}
}
