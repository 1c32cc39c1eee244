package k8s

import (
	"context"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/berth-dev/berth/k8s/kube"
)

// Kinds lists the watched kinds in display order (the order of
// AllResources). It is the one list of them: informers, the snapshot's
// tables, SnapshotFromObjects and sleep's scaling all follow it, so
// watching a new kind that feeds an existing table is one entry here plus
// its conversion. A kind with a table of its own also needs that table:
// a Snapshot field, a Watcher field made in NewWatcher, and a line in
// build (watch_build.go) that flushes the one into the other.
func Kinds() []Kind {
	return []Kind{
		entry[*corev1.Namespace, *corev1.NamespaceList, Namespace]{
			res: ResourceNamespaces, name: "Namespace", scope: scopeSelected,
			client: func(cs kube.Interface, _ string) client[*corev1.Namespace, *corev1.NamespaceList] {
				return cs.CoreV1().Namespaces()
			},
			convert: NamespaceFrom, table: func(w *Watcher) *table[Namespace] { return w.namespaces },
		}.kind(),
		entry[*appsv1.Deployment, *appsv1.DeploymentList, Workload]{
			res: ResourceDeployments, name: "Deployment", group: "apps", scope: scopeObjects,
			client: func(cs kube.Interface, ns string) client[*appsv1.Deployment, *appsv1.DeploymentList] {
				return cs.AppsV1().Deployments(ns)
			},
			convert: DeploymentFrom, table: func(w *Watcher) *table[Workload] { return w.workloads }, kindKeyed: true,
			replicas: func(d *appsv1.Deployment) *int32 { return d.Spec.Replicas },
		}.kind(),
		entry[*appsv1.StatefulSet, *appsv1.StatefulSetList, Workload]{
			res: ResourceStatefulSets, name: "StatefulSet", group: "apps", scope: scopeObjects,
			client: func(cs kube.Interface, ns string) client[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
				return cs.AppsV1().StatefulSets(ns)
			},
			convert: StatefulSetFrom, table: func(w *Watcher) *table[Workload] { return w.workloads }, kindKeyed: true,
			replicas: func(s *appsv1.StatefulSet) *int32 { return s.Spec.Replicas },
		}.kind(),
		entry[*appsv1.DaemonSet, *appsv1.DaemonSetList, Workload]{
			res: ResourceDaemonSets, name: "DaemonSet", group: "apps", scope: scopeObjects,
			client: func(cs kube.Interface, ns string) client[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
				return cs.AppsV1().DaemonSets(ns)
			},
			convert: DaemonSetFrom, table: func(w *Watcher) *table[Workload] { return w.workloads }, kindKeyed: true,
		}.kind(),
		entry[*batchv1.Job, *batchv1.JobList, Job]{
			res: ResourceJobs, name: "Job", group: "batch", scope: scopeObjects,
			client: func(cs kube.Interface, ns string) client[*batchv1.Job, *batchv1.JobList] {
				return cs.BatchV1().Jobs(ns)
			},
			convert: JobFrom, table: func(w *Watcher) *table[Job] { return w.jobs },
		}.kind(),
		entry[*corev1.Pod, *corev1.PodList, Pod]{
			res: ResourcePods, name: "Pod", scope: scopeObjects,
			client: func(cs kube.Interface, ns string) client[*corev1.Pod, *corev1.PodList] {
				return cs.CoreV1().Pods(ns)
			},
			convert: PodFrom, table: func(w *Watcher) *table[Pod] { return w.pods },
		}.kind(),
		entry[*corev1.Node, *corev1.NodeList, Node]{
			res: ResourceNodes, name: "Node", scope: scopeAll,
			client: func(cs kube.Interface, _ string) client[*corev1.Node, *corev1.NodeList] {
				return cs.CoreV1().Nodes()
			},
			convert: NodeFrom, table: func(w *Watcher) *table[Node] { return w.nodes },
		}.kind(),
		entry[*corev1.Event, *corev1.EventList, Event]{
			res: ResourceEvents, name: "Event", scope: scopeOpened,
			client: func(cs kube.Interface, ns string) client[*corev1.Event, *corev1.EventList] {
				return cs.CoreV1().Events(ns)
			},
			convert: EventFrom, table: func(w *Watcher) *table[Event] { return w.events },
		}.kind(),
	}
}

// Kind describes one watched kind of object: how to list and watch it,
// its conversion (what informers cache and snapshots show), the table it
// feeds and, for kinds with spec.replicas, how to read and patch those.
type Kind struct {
	Resource Resource // the API resource, e.g. "deployments"
	Name     string   // the API kind, e.g. "Deployment"
	Group    string   // the API group, "" for core

	scope   scope
	example runtime.Object // a zero typed object, for the informer's type check
	lw      func(cs kube.Interface, ns string) (listFunc, watchFunc)
	// slim converts a typed object of this kind to what the informer
	// caches (*cached[T]); false for any other object.
	slim func(obj any) (any, bool)
	// add and remove change the kind's table for a cached object of this
	// kind. Callers hold the watcher's mu.
	add, remove func(w *Watcher, obj any)
	// key is the namespace and table key of a cached object of this kind.
	key func(obj any) (ns, key string, ok bool)
	// clear removes every object of namespace ns from the kind's table
	// (and so those of the other kinds sharing it). Callers hold mu.
	clear func(w *Watcher, ns string)
	// dropBut removes this kind's objects of namespace ns but those keyed
	// in keep (nil: all of them), leaving other kinds sharing the table.
	// Callers hold mu.
	dropBut func(w *Watcher, ns string, keep map[string]struct{})
	// list lists the kind's objects in ns ("" for all) that opts select.
	list func(ctx context.Context, cs kube.Interface, ns string, opts metav1.ListOptions) ([]runtime.Object, error)

	replicas func(ctx context.Context, cs kube.Interface, ns, name string) (metav1.Object, *int32, error)
	patch    func(ctx context.Context, cs kube.Interface, ns, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) error
}

// groupResource is the kind's API group and resource, as errors name it.
func (k *Kind) groupResource() schema.GroupResource {
	return schema.GroupResource{Group: k.Group, Resource: string(k.Resource)}
}

// Scalable reports whether objects of the kind have spec.replicas, which
// sleep scales to zero.
func (k Kind) Scalable() bool { return k.replicas != nil }

// Names lists the names of the kind's objects in ns that opts select.
func (k Kind) Names(ctx context.Context, cs kube.Interface, ns string, opts metav1.ListOptions) ([]string, error) {
	items, err := k.list(ctx, cs, ns, opts)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		m, err := meta.Accessor(it)
		if err != nil {
			return nil, err
		}
		out = append(out, m.GetName())
	}
	return out, nil
}

// Replicas reads one object of a scalable kind: its metadata and
// spec.replicas (nil when unset).
func (k Kind) Replicas(ctx context.Context, cs kube.Interface, ns, name string) (metav1.Object, *int32, error) {
	return k.replicas(ctx, cs, ns, name)
}

// Patch patches one object of the kind.
func (k Kind) Patch(ctx context.Context, cs kube.Interface, ns, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) error {
	return k.patch(ctx, cs, ns, name, pt, data, opts)
}

// transform is the informer's transform of the kind: it replaces each
// object, before the informer caches it or hands it to a handler, with its
// conversion (slim). It is idempotent, as client-go requires (watch-list
// hands already transformed objects to Replace): a cached object comes
// back as it is.
func (k Kind) transform(obj any) (any, error) {
	if c, ok := k.slim(obj); ok {
		return c, nil
	}
	return obj, nil
}

// kindOf returns the descriptor of res.
func kindOf(kinds []Kind, res Resource) (Kind, bool) {
	for _, k := range kinds {
		if k.Resource == res {
			return k, true
		}
	}
	return Kind{}, false
}

// scope is which objects of a kind are watched.
type scope int

const (
	scopeSelected scope = iota // cluster-scoped, picked by WatchOptions.NamespaceSelector
	scopeObjects               // in every namespace, picked by WatchOptions.ObjectSelector
	scopeAll                   // every object (nodes)
	scopeOpened                // the objects of the opened namespace (events), see OpenEvents
)

// selector is the server-side label selector of the scope.
func (s scope) selector(o WatchOptions) string {
	switch s {
	case scopeSelected:
		return o.NamespaceSelector
	case scopeObjects:
		return o.ObjectSelector
	}
	return ""
}

// client is what every typed client-go client of a kind offers.
type client[O, L runtime.Object] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (O, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (O, error)
}

// entry is a Kind written with its types: O the API object, L its list,
// T its conversion.
type entry[O interface {
	runtime.Object
	metav1.Object
}, L runtime.Object, T any] struct {
	res    Resource
	name   string // the API kind
	group  string // the API group
	scope  scope
	client func(cs kube.Interface, ns string) client[O, L]
	// convert is the snapshot conversion; table is the table it feeds.
	convert func(O) T
	table   func(*Watcher) *table[T]
	// kindKeyed keys the table by Kind/name, for a table several kinds feed.
	kindKeyed bool
	// replicas reads spec.replicas; nil for a kind that does not scale.
	replicas func(O) *int32
}

func (e entry[O, L, T]) kind() Kind {
	prefix := ""
	if e.kindKeyed {
		prefix = e.name + "/"
	}
	k := Kind{
		Resource: e.res,
		Name:     e.name,
		Group:    e.group,
		scope:    e.scope,
		example:  reflect.New(reflect.TypeFor[O]().Elem()).Interface().(runtime.Object),
		lw: func(cs kube.Interface, ns string) (listFunc, watchFunc) {
			c := e.client(cs, ns)
			return func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return c.List(ctx, o) },
				func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) { return c.Watch(ctx, o) }
		},
		slim: func(obj any) (any, bool) {
			o, ok := obj.(O)
			if !ok {
				return nil, false
			}
			return keep(o, e.convert(o)), true
		},
		add: func(w *Watcher, obj any) {
			if c, ok := obj.(*cached[T]); ok {
				e.table(w).put(c.namespace, prefix+c.name, &c.V)
			}
		},
		remove: func(w *Watcher, obj any) {
			if c, ok := obj.(*cached[T]); ok {
				e.table(w).del(c.namespace, prefix+c.name)
			}
		},
		key: func(obj any) (string, string, bool) {
			if c, ok := obj.(*cached[T]); ok {
				return c.namespace, prefix + c.name, true
			}
			return "", "", false
		},
		clear: func(w *Watcher, ns string) { e.table(w).dropNS(ns) },
		dropBut: func(w *Watcher, ns string, keep map[string]struct{}) {
			e.table(w).dropPrefixed(ns, prefix, keep)
		},
		list: func(ctx context.Context, cs kube.Interface, ns string, opts metav1.ListOptions) ([]runtime.Object, error) {
			l, err := e.client(cs, ns).List(ctx, opts)
			if err != nil {
				return nil, err
			}
			return meta.ExtractList(l)
		},
		patch: func(ctx context.Context, cs kube.Interface, ns, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) error {
			_, err := e.client(cs, ns).Patch(ctx, name, pt, data, opts)
			return err
		},
	}
	if e.replicas != nil {
		k.replicas = func(ctx context.Context, cs kube.Interface, ns, name string) (metav1.Object, *int32, error) {
			o, err := e.client(cs, ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, nil, err
			}
			return o, e.replicas(o), nil
		}
	}
	return k
}
