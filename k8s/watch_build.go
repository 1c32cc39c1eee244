package k8s

import (
	"maps"
	"slices"
	"strings"
)

// build makes the next snapshot, reusing the previous one's slices for the
// namespaces that did not change.
func (w *Watcher) build() *Snapshot {
	prev := w.snap.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev == nil {
		prev = &Snapshot{}
	}
	s := &Snapshot{
		Taken:           w.opts.Now(),
		Workloads:       w.workloads.flush(prev.Workloads, func(x Workload) string { return x.Kind + "/" + x.Name }),
		Jobs:            w.jobs.flush(prev.Jobs, func(x Job) string { return x.Name }),
		Pods:            w.pods.flush(prev.Pods, func(x Pod) string { return x.Name }),
		Namespaces:      prev.Namespaces,
		Nodes:           prev.Nodes,
		Events:          prev.Events,
		EventsNamespace: w.eventsNS,
		Resources:       prev.Resources,
		Connection:      w.conn,
		Mode:            w.mode,
		NoAccess:        prev.NoAccess,
	}
	if w.namespaces.changed() || prev.Namespaces == nil {
		s.Namespaces = w.namespaces.flush(nil, func(x Namespace) string { return x.Name })[""]
	}
	if w.nodes.changed() || prev.Nodes == nil {
		list := w.nodes.flush(nil, func(x Node) string { return x.Name })[""]
		s.Nodes = make(map[string]Node, len(list))
		for _, n := range list {
			s.Nodes[n.Name] = n
		}
	}
	if w.events.changed() || prev.EventsNamespace != w.eventsNS {
		ev := slices.Clone(w.events.flush(nil, func(x Event) string { return x.Object })[w.eventsNS])
		slices.SortStableFunc(ev, func(a, b Event) int {
			if c := b.Last.Compare(a.Last); c != 0 {
				return c
			}
			return strings.Compare(a.Object, b.Object)
		})
		if len(ev) > w.opts.MaxEvents {
			ev = ev[:w.opts.MaxEvents]
		}
		s.Events = ev
	}
	if w.metaDirty || prev.Resources == nil {
		s.Resources = maps.Clone(w.resources)
		if w.mode == ModeNamespaced {
			w.envResourcesLocked(s.Resources)
		}
		w.metaDirty = false
	}
	if w.accessDirty {
		s.NoAccess = w.noAccessLocked()
		w.accessDirty = false
	}
	return s
}
