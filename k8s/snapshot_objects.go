package k8s

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// SnapshotFromObjects builds a snapshot from objects as a Watcher would
// from its caches: for recorded fixtures, tests and offline rendering.
// Events are kept for eventsNS only; every resource is marked synced and
// the connection up.
func SnapshotFromObjects(objs []runtime.Object, taken time.Time, eventsNS string) *Snapshot {
	w := NewWatcher(nil, WatchOptions{Now: func() time.Time { return taken }})
	w.eventsNS = eventsNS
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
			w.namespaces.put("", o.Name, new(NamespaceFrom(o)))
		case *corev1.Node:
			w.nodes.put("", o.Name, new(NodeFrom(o)))
		case *appsv1.Deployment:
			w.workloads.put(o.Namespace, "Deployment/"+o.Name, new(DeploymentFrom(o)))
		case *appsv1.StatefulSet:
			w.workloads.put(o.Namespace, "StatefulSet/"+o.Name, new(StatefulSetFrom(o)))
		case *appsv1.DaemonSet:
			w.workloads.put(o.Namespace, "DaemonSet/"+o.Name, new(DaemonSetFrom(o)))
		case *batchv1.Job:
			w.jobs.put(o.Namespace, o.Name, new(JobFrom(o)))
		case *corev1.Pod:
			w.pods.put(o.Namespace, o.Name, new(PodFrom(o)))
		case *corev1.Event:
			if o.Namespace == eventsNS {
				w.events.put(o.Namespace, o.Name, new(EventFrom(o)))
			}
		}
	}
	for _, r := range AllResources() {
		w.resources[r] = ResourceState{Synced: true}
	}
	w.conn = Connection{Connected: true, Since: taken}
	w.metaDirty = true
	return w.build()
}
