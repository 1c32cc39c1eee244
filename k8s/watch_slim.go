package k8s

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// cached is what an informer keeps of an object: the watcher's conversion
// of it (V, exactly what its table holds and snapshots show) and the only
// metadata client-go reads itself — namespace and name for the key, the
// resource version to tell a change from a re-list of the same object
// (OnUpdate), and the UID (its data-consistency check sorts by it). No
// handler needs more: update ignores the old object, delete needs the name.
//
// With full (if slimmed) objects cached, the watcher held ~5 KB per bare
// kwok pod and ~14 KB per typical application pod; with this, ~1.5 KB for
// either (BenchmarkWatcherMemory), as V is also what the table points to.
type cached[T any] struct {
	namespace, name, resourceVersion string
	uid                              types.UID
	V                                T
}

func keep[T any](m metav1.Object, v T) *cached[T] {
	return &cached[T]{namespace: m.GetNamespace(), name: m.GetName(), resourceVersion: m.GetResourceVersion(), uid: m.GetUID(), V: v}
}

// GetObjectMeta gives client-go (meta.Accessor) the metadata: a read-only
// copy, built on demand so that each cached object does not carry a whole
// ObjectMeta struct.
func (c *cached[T]) GetObjectMeta() metav1.Object {
	return &metav1.ObjectMeta{Namespace: c.namespace, Name: c.name, ResourceVersion: c.resourceVersion, UID: c.uid}
}

// GetObjectKind is part of runtime.Object; a cached object has no kind.
func (c *cached[T]) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject shares V, which like every snapshot value is never
// modified.
func (c *cached[T]) DeepCopyObject() runtime.Object {
	out := *c
	return &out
}
