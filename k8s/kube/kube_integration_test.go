package kube_test

import (
	"context"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s/kube"
)

// The clientset reads and writes through berth's scheme on the local
// cluster: typed CRUD, a pod's log request and an eviction, and a review.
func TestClientsetOnTheCluster(t *testing.T) {
	c := testcluster.Client(t)
	ns := testcluster.Namespace(t, c, "kube")
	ctx := context.Background()
	cs, err := kube.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil || got.Name != ns {
		t.Fatalf("get namespace %s: %v, %v", ns, got, err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=c"})
	if err != nil || len(list.Items) != 1 || list.Items[0].Data["k"] != "v" {
		t.Fatalf("list configmaps in %s: %v, %v", ns, list, err)
	}
	if err := cs.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "missing", Namespace: ns}}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("evict a missing pod: %v, want not found", err)
	}
	if err := cs.CoreV1().Pods(ns).GetLogs("missing", &corev1.PodLogOptions{TailLines: new(int64)}).Do(ctx).Error(); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("logs of a missing pod: %v, want not found", err)
	}
	if _, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{}); err != nil {
		t.Errorf("self-subject review: %v", err)
	}
	// The core client alone (its scheme holds core/v1) lists by label
	// and pages, as completion does.
	core, err := kube.NewCoreForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"c2", "c3"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"page": "yes"}}}
		if _, err := core.ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := core.ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "page=yes", Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Continue == "" {
		t.Fatalf("core client: first page of labelled configmaps in %s: %v, %v", ns, page, err)
	}
	rest, err := core.ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "page=yes", Limit: 1, Continue: page.Continue})
	if err != nil || len(rest.Items) != 1 || rest.Items[0].Name == page.Items[0].Name {
		t.Fatalf("core client: second page in %s: %v, %v", ns, rest, err)
	}
	// The metadata client lists namespaces' names, labels and annotations.
	md, err := kube.NewMetadataForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	nss, err := md.Namespaces(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/metadata.name=" + ns})
	if err != nil || len(nss.Items) != 1 || nss.Items[0].Name != ns || nss.Items[0].Labels["kubernetes.io/metadata.name"] != ns || nss.Items[0].UID == "" {
		t.Fatalf("metadata of namespace %s: %v, %v", ns, nss, err)
	}
	if _, err := md.Namespaces(ctx, metav1.ListOptions{LabelSelector: "a in (b"}); err == nil || !strings.Contains(err.Error(), "list namespaces' metadata") {
		t.Errorf("a bad selector: %v", err)
	}
}

// The Mapper maps kinds from the server's discovery documents, namespaced
// or cluster-wide, and names a kind it does not serve.
func TestMapperOnTheCluster(t *testing.T) {
	c := testcluster.Client(t)
	m := kube.NewMapper(c.Typed.CoreV1().RESTClient())
	ctx := context.Background()
	for _, tt := range []struct {
		gvk      schema.GroupVersionKind
		resource string
		scope    meta.RESTScopeName
	}{
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "deployments", meta.RESTScopeNameNamespace},
		{schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, "namespaces", meta.RESTScopeNameRoot},
		{schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, "clusterroles", meta.RESTScopeNameRoot},
		{schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}, "ingresses", meta.RESTScopeNameNamespace},
	} {
		got, err := m.Mapping(ctx, tt.gvk)
		if err != nil {
			t.Errorf("%s: %v", tt.gvk, err)
			continue
		}
		if got.Resource != tt.gvk.GroupVersion().WithResource(tt.resource) || got.Scope.Name() != tt.scope {
			t.Errorf("%s: %s %s, want %s %s", tt.gvk, got.Resource, got.Scope.Name(), tt.resource, tt.scope)
		}
	}
	for _, gvk := range []schema.GroupVersionKind{
		{Group: "apps", Version: "v1", Kind: "Nothing"},
		{Group: "example.invalid", Version: "v1", Kind: "Widget"},
	} {
		if _, err := m.Mapping(ctx, gvk); !meta.IsNoMatchError(err) {
			t.Errorf("%s: %v, want no match", gvk, err)
		}
	}
}
