package testcluster

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/berth-dev/berth/k8s"
)

// ObjectVersions maps every object in namespace ns, of every namespaced
// resource the API server lists (Events left out: components other than
// the caller record them), to its resourceVersion, keyed
// "resource.group/name"; the namespace itself is "namespaces/<ns>". Two
// equal maps taken around an action prove it wrote nothing there.
func ObjectVersions(t testing.TB, c *k8s.Client, ns string) map[string]string {
	t.Helper()
	ctx := context.Background()
	disc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	lists, err := disc.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		t.Fatalf("discovery: %v", err)
	}
	out := map[string]string{}
	n, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("namespace %s: %v", ns, err)
	}
	out["namespaces/"+ns] = n.ResourceVersion
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || r.Name == "events" || !contains(r.Verbs, "list") {
				continue
			}
			objs, err := c.Dynamic.Resource(gv.WithResource(r.Name)).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("list %s in %s: %v", r.Name, ns, err)
			}
			for _, o := range objs.Items {
				out[r.Name+"."+gv.Group+"/"+o.GetName()] = o.GetResourceVersion()
			}
		}
	}
	return out
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// SettledVersions waits until the objects of ns stop changing (controllers
// done with the last rollout; two lists 2 s apart agree) and returns their
// ObjectVersions.
func SettledVersions(t testing.TB, c *k8s.Client, ns string) map[string]string {
	t.Helper()
	prev := ObjectVersions(t, c, ns)
	for range 60 {
		time.Sleep(2 * time.Second)
		cur := ObjectVersions(t, c, ns)
		if maps.Equal(prev, cur) {
			return cur
		}
		prev = cur
	}
	t.Fatalf("the objects of %s keep changing", ns)
	return nil
}

// AssertSameVersions fails the test when an object of ns changed, appeared
// or went away since before (ObjectVersions), naming it and what happened
// (after).
func AssertSameVersions(t testing.TB, c *k8s.Client, ns string, before map[string]string, after string) {
	t.Helper()
	now := ObjectVersions(t, c, ns)
	for k, v := range before {
		if now[k] != v {
			t.Errorf("after %s: %s in %s changed (resourceVersion %s → %q)", after, k, ns, v, now[k])
		}
	}
	for k := range now {
		if _, ok := before[k]; !ok {
			t.Errorf("after %s: %s appeared in %s", after, k, ns)
		}
	}
}
