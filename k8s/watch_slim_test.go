package k8s

import (
	"context"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/kubefake"
)

// fullObjects are objects of every watched kind as an apiserver returns
// them — managed fields, kubectl's last-applied copy, pod templates, node
// images — in the states the conversions tell apart.
func fullObjects(t *testing.T) []runtime.Object {
	t.Helper()
	t0 := metav1.NewTime(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	mf := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: "Apply", APIVersion: "v1", Time: &t0,
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{}}}`)}}}
	om := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + ns + "-" + name), ResourceVersion: "42", Generation: 3,
			CreationTimestamp: t0, ManagedFields: mf,
			Labels:      map[string]string{"owner": "me", "app.kubernetes.io/name": name},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1"}`, "berth.dev/branch": "main"}}
	}

	kwok := kwokPod(t)
	kwok.Namespace, kwok.Labels["owner"] = "env-a", "me"
	app := appPod()
	app.Namespace, app.Labels["owner"] = "env-a", "me"
	app.ManagedFields = mf
	pod := func(name string, mod func(*corev1.Pod)) *corev1.Pod {
		p := app.DeepCopy()
		p.Name = name
		mod(p)
		return p
	}
	waiting := func(reason, msg string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	}
	crash := pod("crash", func(p *corev1.Pod) {
		p.Status.ContainerStatuses[0].State = waiting("CrashLoopBackOff", "back-off 5m")
		p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}
		p.Status.ContainerStatuses[0].RestartCount = 7
		p.Status.ContainerStatuses[1].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Signal: 9, Message: "killed"}}
	})
	unsched := pod("unsched", func(p *corev1.Pod) {
		p.Spec.NodeName, p.Status.Phase, p.Status.ContainerStatuses = "", corev1.PodPending, nil
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/5 nodes are available"}}
	})
	initCrash := pod("init", func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "migrate:1"}, {Name: "seed", Image: "seed:1"}}
		p.Status.InitContainerStatuses = []corev1.ContainerStatus{
			{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
			{Name: "seed", RestartCount: 2, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Message: "no db"}}}}
		p.Status.ContainerStatuses[0].State = waiting("PodInitializing", "")
	})
	evicted := pod("evicted", func(p *corev1.Pod) {
		p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
		p.DeletionTimestamp = &t0
	})
	lost := pod("lost", func(p *corev1.Pod) { p.Status.Reason, p.DeletionTimestamp = "NodeLost", &t0 })
	bare := pod("bare", func(p *corev1.Pod) { p.OwnerReferences = nil; p.Labels["pod-template-hash"] = "" })

	replicas, completions, suspend := int32(3), int32(2), false
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: app.Spec}
	deploy := &appsv1.Deployment{ObjectMeta: om("env-a", "web"),
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Paused: true, Template: template, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: "too slow", LastUpdateTime: t0}}}}
	sts := &appsv1.StatefulSet{ObjectMeta: om("env-a", "db"),
		Spec:   appsv1.StatefulSetSpec{Replicas: &replicas, Template: template},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 3, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}}
	ds := &appsv1.DaemonSet{ObjectMeta: om("env-a", "agent"),
		Spec:   appsv1.DaemonSetSpec{Template: template},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 3, DesiredNumberScheduled: 5, CurrentNumberScheduled: 5, UpdatedNumberScheduled: 4, NumberReady: 3, NumberAvailable: 3}}
	job := &batchv1.Job{ObjectMeta: om("env-a", "migrate"),
		Spec: batchv1.JobSpec{Completions: &completions, Suspend: &suspend, Template: template},
		Status: batchv1.JobStatus{Active: 0, Failed: 4, StartTime: &t0, Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: t0}}}}
	later := metav1.NewTime(t0.Add(time.Hour))
	ns := &corev1.Namespace{ObjectMeta: om("", "env-a"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	gone := &corev1.Namespace{ObjectMeta: om("", "env-b"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	node := &corev1.Node{ObjectMeta: om("", "n1"),
		Spec: corev1.NodeSpec{Unschedulable: true, ProviderID: "aws:///eu-west-1a/i-0123"},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Images:     []corev1.ContainerImage{{Names: []string{"registry.example.com/shop/web:1.42.0"}, SizeBytes: 123456789}}}}
	node.Labels = map[string]string{LabelEKSCapacityType: "SPOT", labelZone: "eu-west-1a", labelInstanceType: "m7g.large", "kubernetes.io/hostname": "n1"}
	event := &corev1.Event{ObjectMeta: om("env-a", "web.1"), Type: "Warning", Reason: "BackOff", Message: "  Back-off restarting failed container\n",
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1", Namespace: "env-a", UID: "u"}, Count: 3, FirstTimestamp: t0, LastTimestamp: t0,
		Series: &corev1.EventSeries{Count: 9, LastObservedTime: metav1.NewMicroTime(later.Time)}, Source: corev1.EventSource{Component: "kubelet", Host: "n1"}}
	newEvent := &corev1.Event{ObjectMeta: om("env-a", "web.2"), Type: "Normal", Reason: "Pulled", EventTime: metav1.NewMicroTime(t0.Time),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-2"}}

	return []runtime.Object{kwok, app, crash, unsched, initCrash, evicted, lost, bare, deploy, sts, ds, job, ns, gone, node, event, newEvent}
}

// TestSlimKeepsWhatSnapshotsShow: the informers cache only each object's
// conversion and the metadata client-go reads (key, resource version, UID),
// and a second transform leaves a cached object as it is.
func TestSlimKeepsWhatSnapshotsShow(t *testing.T) {
	for _, obj := range fullObjects(t) {
		full := obj.DeepCopyObject()
		want := reflect.ValueOf(convert(t, obj))
		m, _ := meta.Accessor(obj)
		t.Run(m.GetName(), func(t *testing.T) {
			k := kindFor(t, full)
			got, err := k.transform(full)
			if err != nil {
				t.Fatal(err)
			}
			if v := reflect.ValueOf(got).Elem().FieldByName("V"); !v.IsValid() || !reflect.DeepEqual(v.Interface(), want.Interface()) {
				t.Errorf("cached %T = %+v\nwant %+v", got, got, want.Interface())
			}
			if !reflect.DeepEqual(full, obj) {
				t.Error("the transform modified the object it was given")
			}
			gm, err := meta.Accessor(got)
			if err != nil {
				t.Fatal(err)
			}
			if gm.GetNamespace() != m.GetNamespace() || gm.GetName() != m.GetName() || gm.GetResourceVersion() != m.GetResourceVersion() || gm.GetUID() != m.GetUID() {
				t.Errorf("metadata %s/%s rv %s uid %s, want %s/%s rv %s uid %s", gm.GetNamespace(), gm.GetName(), gm.GetResourceVersion(), gm.GetUID(),
					m.GetNamespace(), m.GetName(), m.GetResourceVersion(), m.GetUID())
			}
			if k1, _ := cache.MetaNamespaceKeyFunc(got); k1 != mustKey(t, obj) {
				t.Errorf("key %q, want %q", k1, mustKey(t, obj))
			}
			again, err := k.transform(got)
			if err != nil || again != got {
				t.Errorf("transform of a cached object = %v, %v; want it unchanged", again, err)
			}
			if c := got.(runtime.Object).DeepCopyObject(); !reflect.DeepEqual(c, got) || c == got {
				t.Errorf("DeepCopyObject = %+v, want an equal copy", c)
			}
		})
	}
}

// kindFor is the descriptor of obj's kind.
func kindFor(t *testing.T, obj runtime.Object) Kind {
	t.Helper()
	for _, k := range Kinds() {
		if reflect.TypeOf(k.example) == reflect.TypeOf(obj) {
			return k
		}
	}
	t.Fatalf("no kind for %T", obj)
	return Kind{}
}

// convert is the watcher's conversion of one object.
func convert(t *testing.T, obj runtime.Object) any {
	switch o := obj.(type) {
	case *corev1.Pod:
		return PodFrom(o)
	case *corev1.Namespace:
		return NamespaceFrom(o)
	case *corev1.Node:
		return NodeFrom(o)
	case *corev1.Event:
		return EventFrom(o)
	case *appsv1.Deployment:
		return DeploymentFrom(o)
	case *appsv1.StatefulSet:
		return StatefulSetFrom(o)
	case *appsv1.DaemonSet:
		return DaemonSetFrom(o)
	case *batchv1.Job:
		return JobFrom(o)
	}
	t.Fatalf("no conversion for %T", obj)
	return nil
}

func mustKey(t *testing.T, obj any) string {
	k, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestWatcherSnapshotEqualsConversionOfFullObjects: what the watcher shows
// through its slimmed informer caches is what the same full objects give
// converted directly (SnapshotFromObjects), also after a change.
func TestWatcherSnapshotEqualsConversionOfFullObjects(t *testing.T) {
	objs := fullObjects(t)
	cs := kubefake.NewClientset(objs...)
	w := startFake(t, cs)
	w.OpenEvents("env-a")
	want := SnapshotFromObjects(objs, time.Time{}, "env-a")
	same := func(s *Snapshot) bool {
		return reflect.DeepEqual(s.Pods, want.Pods) && reflect.DeepEqual(s.Workloads, want.Workloads) && reflect.DeepEqual(s.Jobs, want.Jobs) &&
			reflect.DeepEqual(s.Namespaces, want.Namespaces) && reflect.DeepEqual(s.Nodes, want.Nodes) && reflect.DeepEqual(s.Events, want.Events)
	}
	check := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if s, err := w.WaitFor(ctx, same); err != nil {
			t.Fatalf("%s: snapshot differs from the direct conversion:\npods %+v\nwant %+v\nworkloads %+v\nwant %+v\njobs %+v\nwant %+v\nnamespaces %+v\nwant %+v\nnodes %+v\nwant %+v\nevents %+v\nwant %+v",
				what, s.Pods, want.Pods, s.Workloads, want.Workloads, s.Jobs, want.Jobs, s.Namespaces, want.Namespaces, s.Nodes, want.Nodes, s.Events, want.Events)
		}
	}
	check("initial list")

	// A change (a new resource version) replaces the cached conversion.
	p := objs[1].(*corev1.Pod).DeepCopy()
	p.ResourceVersion = "43"
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}}
	if _, err := cs.CoreV1().Pods(p.Namespace).UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	objs[1] = p
	want = SnapshotFromObjects(objs, time.Time{}, "env-a")
	check("after an update")
}
