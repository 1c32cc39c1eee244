package k8s

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		for _, k := range w.kinds {
			c, ok := k.slim(o)
			if !ok {
				continue
			}
			if k.scope != scopeOpened || o.(metav1.Object).GetNamespace() == eventsNS {
				k.add(w, c)
			}
			break
		}
	}
	for _, k := range w.kinds {
		w.resources[k.Resource] = ResourceState{Synced: true}
	}
	w.conn = Connection{Connected: true, Since: taken}
	w.metaDirty = true
	return w.build()
}
