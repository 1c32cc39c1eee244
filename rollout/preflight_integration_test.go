package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/rollout"
)

// assertNothingApplied fails if ns holds any workload, Job, PVC or
// Service, or berth's quota.
func assertNothingApplied(t *testing.T, c *k8s.Client, ns string) {
	t.Helper()
	for _, r := range []schema.GroupVersionResource{
		{Group: "apps", Version: "v1", Resource: "deployments"},
		{Group: "apps", Version: "v1", Resource: "statefulsets"},
		{Group: "batch", Version: "v1", Resource: "jobs"},
		{Version: "v1", Resource: "persistentvolumeclaims"},
		{Version: "v1", Resource: "services"},
		{Version: "v1", Resource: "resourcequotas"},
	} {
		l, err := c.Dynamic.Resource(r).Namespace(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range l.Items {
			if r.Resource != "resourcequotas" || o.GetName() == envs.QuotaName {
				t.Errorf("%s %s applied in %s", r.Resource, o.GetName(), ns)
			}
		}
	}
}

// A ResourceQuota someone else put in the environment's namespace is
// checked too: up fails before touching the namespace.
func TestUpPreflightForeignQuota(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("prequota"), nil)
	env, objs := render(t, dir)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.Namespace, Labels: env.NamespaceObject().Labels}}
	testcluster.CreateNamespace(t, c, ns)
	team := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "team-quota"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}}}
	if _, err := c.Typed.CoreV1().ResourceQuotas(env.Namespace).Create(ctx, team, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	rec, err := up(t, c, env, objs)
	var pe *rollout.PreflightError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PreflightError, got %v", err)
	}
	if len(pe.Shortfalls) != 1 || pe.Shortfalls[0].Quota != "team-quota" || pe.Shortfalls[0].Resource != "pods" || pe.Shortfalls[0].Limit != "1" {
		t.Fatalf("shortfalls %+v, want pods over team-quota's 1", pe.Shortfalls)
	}
	if !strings.Contains(err.Error(), "ResourceQuota team-quota") {
		t.Errorf("error does not name the quota: %v", err)
	}
	if i := rec.index("", rollout.UpFailed); i < 0 || rec.events[i].Step != "preflight" || len(rec.events[i].Shortfalls) != 1 {
		t.Errorf("no failed preflight event carrying the shortfall: %+v", rec.events)
	}
	after, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("namespace modified: rv %s → %s", before.ResourceVersion, after.ResourceVersion)
	}
	assertNothingApplied(t, c, env.Namespace)
}

// An app bigger than the old fixed quota (50 pods, 10 PVCs) comes up with
// no quota configured: berth sizes the quota from it.
func TestUpSizesQuotaForBigApp(t *testing.T) {
	const replicas, stores = 52, 11
	var b strings.Builder
	fmt.Fprintf(&b, "name: big\nservices:\n  web:\n    image: nginx:1.27\n    deploy:\n      replicas: %d\n", replicas)
	for i := range stores {
		fmt.Fprintf(&b, "  store%d:\n    image: redis:7\n    volumes: [\"data%d:/data\"]\n", i, i)
	}
	b.WriteString("volumes:\n")
	for i := range stores {
		fmt.Fprintf(&b, "  data%d: {}\n", i)
	}
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("big"), func(rel string, data []byte) []byte {
		if rel == "compose.yaml" {
			return []byte(b.String())
		}
		return data
	})
	env, objs := render(t, dir)
	c := testcluster.Client(t)
	if _, err := up(t, c, env, objs); err != nil {
		t.Fatalf("up: %v", err)
	}
	rq, err := c.Typed.CoreV1().ResourceQuotas(env.Namespace).Get(context.Background(), envs.QuotaName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, pvcs := int64(replicas+stores), int64(stores)
	for r, want := range map[corev1.ResourceName]int64{
		corev1.ResourcePods:                   int64(math.Ceil(float64(pods) * 1.5)),
		corev1.ResourcePersistentVolumeClaims: int64(math.Ceil(float64(pvcs) * 1.5)),
	} {
		if got := rq.Spec.Hard[r]; got.Value() != want {
			t.Errorf("quota %s = %s, want %d (need × 1.5)", r, got.String(), want)
		}
	}
}
