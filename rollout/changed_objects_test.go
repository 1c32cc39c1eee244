package rollout

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
)

// A borrowed Service points at the baseline's by ExternalName — a headless
// one too, whose CNAME resolves to its pods as they come and go — unless
// the baseline's endpoints have hostnames (a StatefulSet's pods, named
// <pod>.<svc>): then a selector-less headless Service mirrors them.
func TestBorrowedServiceKinds(t *testing.T) {
	env := envs.Env{Namespace: "dev-shop-x", Project: "shop", Branch: "x"}
	svc := func(name string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Service",
			"metadata": map[string]any{"name": name, "labels": map[string]any{"berth.dev/service": name}},
			"spec":     map[string]any{"clusterIP": "None", "selector": map[string]any{"berth.dev/service": name}}}}
	}
	endpoint := func(ip, host string) map[string]any {
		e := map[string]any{"addresses": []any{ip}}
		if host != "" {
			e["hostname"] = host
		}
		return e
	}
	base := Baseline{Namespace: "dev-shop-main", Services: map[string]BaselineService{
		"worker": {Headless: true, Endpoints: []map[string]any{endpoint("10.0.0.1", ""), endpoint("10.0.0.2", "")}},
		"db":     {Headless: true, Endpoints: []map[string]any{endpoint("10.0.0.3", "db-0")}},
		"api":    {Ports: []any{map[string]any{"port": int64(80)}}},
	}}
	for name, want := range map[string][]string{
		"worker": {"Service"}, "db": {"Service", "EndpointSlice"}, "api": {"Service"},
	} {
		objs := borrowedService(svc(name), env, base)
		var kinds []string
		for _, o := range objs {
			kinds = append(kinds, o.GetKind())
		}
		if len(kinds) != len(want) || kinds[0] != want[0] || (len(want) == 2 && kinds[1] != want[1]) {
			t.Fatalf("%s: borrowed as %v, want %v", name, kinds, want)
		}
		typ, _, _ := unstructured.NestedString(objs[0].Object, "spec", "type")
		target, _, _ := unstructured.NestedString(objs[0].Object, "spec", "externalName")
		clusterIP, _, _ := unstructured.NestedString(objs[0].Object, "spec", "clusterIP")
		switch {
		case len(want) == 1 && (typ != "ExternalName" || target != name+".dev-shop-main.svc.cluster.local"):
			t.Errorf("%s: type %q → %q, want ExternalName → %s.dev-shop-main.svc.cluster.local", name, typ, target, name)
		case len(want) == 2 && (clusterIP != "None" || objs[0].Object["spec"].(map[string]any)["selector"] != nil):
			t.Errorf("%s: %v, want a selector-less headless Service", name, objs[0].Object["spec"])
		}
	}
}
