package k8s

import (
	"maps"
	"slices"
	"testing"
)

// dropPrefixed takes out one kind's keys of a namespace but those kept,
// leaving the other kinds sharing the table and other namespaces.
func TestTableDropPrefixed(t *testing.T) {
	tab := newTable[Workload]()
	for _, k := range []string{"Deployment/web", "Deployment/api", "StatefulSet/db"} {
		tab.put("a", k, &Workload{})
	}
	tab.put("b", "Deployment/web", &Workload{})
	clear(tab.dirty)

	tab.dropPrefixed("a", "Deployment/", map[string]struct{}{"Deployment/web": {}})
	if got := slices.Sorted(maps.Keys(tab.byNS["a"])); !slices.Equal(got, []string{"Deployment/web", "StatefulSet/db"}) {
		t.Errorf("a holds %v", got)
	}
	if _, ok := tab.dirty["a"]; !ok || len(tab.byNS["b"]) != 1 {
		t.Errorf("dirty %v, b %v", tab.dirty, tab.byNS["b"])
	}
	clear(tab.dirty)
	tab.dropPrefixed("a", "Deployment/", map[string]struct{}{"Deployment/web": {}})
	if len(tab.dirty) != 0 {
		t.Errorf("nothing dropped, yet dirty %v", tab.dirty)
	}
	tab.dropPrefixed("a", "", nil)
	if _, ok := tab.byNS["a"]; ok || len(tab.dirty) != 1 {
		t.Errorf("a not dropped whole: %v, dirty %v", tab.byNS["a"], tab.dirty)
	}
}
