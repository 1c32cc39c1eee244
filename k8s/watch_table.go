package k8s

import (
	"cmp"
	"slices"
	"strings"
)

// table holds converted objects of one kind by namespace and name, and which
// namespaces changed since the last snapshot, so a snapshot only re-sorts
// what changed: cost follows the churn, not the number of objects.
//
// It holds pointers to the values the informers cache (cached.V), so each
// object's conversion is stored once; snapshots get copies.
type table[T any] struct {
	byNS  map[string]map[string]*T
	dirty map[string]struct{}
}

func newTable[T any]() *table[T] {
	return &table[T]{byNS: map[string]map[string]*T{}, dirty: map[string]struct{}{}}
}

// put stores v, which must not be modified afterwards.
func (t *table[T]) put(ns, key string, v *T) {
	m := t.byNS[ns]
	if m == nil {
		m = map[string]*T{}
		t.byNS[ns] = m
	}
	m[key] = v
	t.dirty[ns] = struct{}{}
}

func (t *table[T]) del(ns, key string) {
	m := t.byNS[ns]
	if m == nil {
		return
	}
	delete(m, key)
	if len(m) == 0 {
		delete(t.byNS, ns)
	}
	t.dirty[ns] = struct{}{}
}

// dropPrefixed drops the keys of namespace ns that start with prefix
// and are not in keep (nil: none kept).
func (t *table[T]) dropPrefixed(ns, prefix string, keep map[string]struct{}) {
	m := t.byNS[ns]
	n := len(m)
	for key := range m {
		if _, kept := keep[key]; !kept && strings.HasPrefix(key, prefix) {
			delete(m, key)
		}
	}
	if len(m) == n {
		return
	}
	if len(m) == 0 {
		delete(t.byNS, ns)
	}
	t.dirty[ns] = struct{}{}
}

// dropNS drops everything in namespace ns.
func (t *table[T]) dropNS(ns string) {
	if _, ok := t.byNS[ns]; ok {
		delete(t.byNS, ns)
		t.dirty[ns] = struct{}{}
	}
}

// reset drops everything (used when an events informer is replaced).
func (t *table[T]) reset() {
	for ns := range t.byNS {
		t.dirty[ns] = struct{}{}
	}
	t.byNS = map[string]map[string]*T{}
}

// changed reports whether anything changed since the last flush.
func (t *table[T]) changed() bool { return len(t.dirty) > 0 }

// flush returns prev with the dirty namespaces rebuilt (sorted by key) and
// clears the dirty set. prev is not modified.
func (t *table[T]) flush(prev map[string][]T, key func(T) string) map[string][]T {
	if len(t.dirty) == 0 && prev != nil {
		return prev
	}
	out := make(map[string][]T, len(t.byNS))
	for ns, v := range prev {
		out[ns] = v
	}
	for ns := range t.dirty {
		m := t.byNS[ns]
		if len(m) == 0 {
			delete(out, ns)
			continue
		}
		s := make([]T, 0, len(m))
		for _, v := range m {
			s = append(s, *v)
		}
		slices.SortFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
		out[ns] = s
	}
	clear(t.dirty)
	return out
}
