package tui

import (
	"reflect"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
)

// statusKey identifies the inputs of one env's status in a snapshot. The
// watcher hands on the previous snapshot's slices for namespaces that did
// not change, so equal first-element pointers and lengths mean equal data.
type statusKey struct {
	pods      *k8s.Pod
	nPods     int
	workloads *k8s.Workload
	nWork     int
	jobs      *k8s.Job
	nJobs     int
	denied    string // the refusal, in namespaced mode
}

func first[T any](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

func keyOf(s *k8s.Snapshot, ns string) statusKey {
	p, w, j := s.Pods[ns], s.Workloads[ns], s.Jobs[ns]
	why, _ := s.Denied(ns)
	return statusKey{first(p), len(p), first(w), len(w), first(j), len(j), why}
}

// statusCache recomputes status.Of only for namespaces whose objects
// changed: with hundreds of envs and a change in one, the others are reused.
type statusCache struct {
	namespaces *k8s.Namespace // first element of the snapshot's namespace list
	nNS        int
	nodes      map[string]k8s.Node
	entries    map[string]cachedStatus
	prices     cost.Table // every status is priced with it
}

type cachedStatus struct {
	key    statusKey
	status status.Env
}

// statuses returns the status of every env in s, in namespace order,
// appended to dst.
func (c *statusCache) statuses(s *k8s.Snapshot, dst []status.Env) []status.Env {
	// Namespace metadata or node capacity changed: everything may differ.
	if first(s.Namespaces) != c.namespaces || len(s.Namespaces) != c.nNS || !sameMap(s.Nodes, c.nodes) {
		c.namespaces, c.nNS, c.nodes = first(s.Namespaces), len(s.Namespaces), s.Nodes
		c.entries = make(map[string]cachedStatus, len(s.Namespaces))
	}
	live := make(map[string]cachedStatus, len(s.Namespaces))
	for _, n := range s.Namespaces {
		k := keyOf(s, n.Name)
		e, ok := c.entries[n.Name]
		if !ok || e.key != k {
			e = cachedStatus{key: k, status: status.Of(s, n.Name).Priced(c.prices)}
		} else if !e.status.ExpiresAt.IsZero() {
			// The only input that moves with every snapshot.
			e.status.ExpiresIn = e.status.ExpiresAt.Sub(s.Taken)
		}
		live[n.Name] = e
		dst = append(dst, e.status)
	}
	c.entries = live
	return dst
}

// setPrices prices every status with t from now on.
func (c *statusCache) setPrices(t cost.Table) {
	c.prices, c.entries = t, nil
}

// sameMap reports whether a and b are the same map (not equal contents).
func sameMap(a, b map[string]k8s.Node) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}
