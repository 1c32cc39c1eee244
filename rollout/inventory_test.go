package rollout

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
)

func TestInventoryRoundTrip(t *testing.T) {
	objs := []*unstructured.Unstructured{
		plain("v1", "Namespace", "ns", ""),
		plain("apps/v1", "Deployment", "web", "web"),
		plain("v1", "Service", "web", "web"),
		plain("v1", "Service", "web", "web"), // duplicate
		plain("example.com/v1", "Widget", "w", ""),
	}
	inv := NewInventory(objs)
	want := Inventory{
		{APIVersion: "v1", Kind: "Service", Namespace: "ns", Name: "web"},
		{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web"},
	}
	if !reflect.DeepEqual(inv, want) {
		t.Fatalf("inventory %v, want %v", inv, want)
	}
	s, err := inv.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeInventory(s)
	if err != nil || !reflect.DeepEqual(back, inv) {
		t.Errorf("decode(%s) = %v, %v", s, back, err)
	}
	if empty, err := DecodeInventory(""); err != nil || len(empty) != 0 {
		t.Errorf("empty: %v, %v", empty, err)
	}
	if s, _ := Inventory(nil).Encode(); s != "[]" {
		t.Errorf("nil encodes as %q", s)
	}
	for _, bad := range []string{"{", `[{"kind":"Service"}]`, `[{"apiVersion":"a/b/c","kind":"X","name":"n"}]`, `"x"`} {
		if _, err := DecodeInventory(bad); err == nil {
			t.Errorf("DecodeInventory(%q) accepted", bad)
		}
	}
}

func TestPrune(t *testing.T) {
	old := NewInventory([]*unstructured.Unstructured{
		plain("apps/v1", "Deployment", "web", "web"),
		plain("apps/v1", "Deployment", "cache", "cache"),
		plain("v1", "Service", "cache", "cache"),
		plain("v1", "ConfigMap", "cfg-abc", ""),
		plain("batch/v1", "Job", "migrate-1111", "migrate"),
		plain("v1", "ResourceQuota", envs.QuotaName, ""),
	})
	old = append(old, ObjectRef{APIVersion: "example.com/v1", Kind: "Widget", Namespace: "ns", Name: "w"}) // not prunable
	old = append(old, ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "ns"})                          // never
	next := []*unstructured.Unstructured{
		plain("apps/v1beta2", "Deployment", "web", "web"), // version change: same object
		plain("v1", "ConfigMap", "cfg-def", ""),
		plain("batch/v1", "Job", "migrate-2222", "migrate"),
		plain("v1", "ResourceQuota", envs.QuotaName, ""),
	}
	got := Prune(old, next)
	var names []string
	for _, r := range got {
		names = append(names, r.String())
	}
	want := []string{"Job.batch/ns/migrate-1111", "Deployment.apps/ns/cache", "Service/ns/cache", "ConfigMap/ns/cfg-abc"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("prune %v, want %v", names, want)
	}
	if p := Prune(NewInventory(next), next); len(p) != 0 {
		t.Errorf("re-run prunes %v", p)
	}
}

func TestInventoryUnion(t *testing.T) {
	a := NewInventory([]*unstructured.Unstructured{plain("v1", "Service", "a", ""), plain("v1", "Service", "b", "")})
	b := NewInventory([]*unstructured.Unstructured{plain("v1", "Service", "b", ""), plain("apps/v1", "Deployment", "c", "")})
	u := a.Union(b)
	if len(u) != 3 {
		t.Fatalf("union %v", u)
	}
	for _, r := range append(a, b...) {
		if p := Prune(u, []*unstructured.Unstructured{{Object: map[string]any{"apiVersion": r.APIVersion, "kind": r.Kind,
			"metadata": map[string]any{"name": r.Name, "namespace": r.Namespace}}}}); len(p) != 2 {
			t.Errorf("union lacks %v: prune %v", r, p)
		}
	}
}
