package rollout_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/genapp"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testcompose"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
	"github.com/berth-dev/berth/status"
)

// changedService is the service the branch of TestUpChangedAgainstBaseline
// changes: a leaf of the realistic app (nothing depends on it) with a
// port, a claim of its own and no Job.
const changedService = "vroom"

// renderBranch loads the app in dir and renders it as branch.
func renderBranch(t *testing.T, dir, branch string) (envs.Env, []*unstructured.Unstructured, envs.Config) {
	t.Helper()
	app, err := envs.LoadApp(context.Background(), envs.AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(envs.Overrides{Branch: branch}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := app.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	return env, objs, app.Config
}

// TestUpChangedAgainstBaseline: the 60-service realistic app is up as its
// baseline (branch main); a branch that changes one service's command
// comes up in changed mode with that service's workload alone, every other
// service borrowed — each of the baseline's Services it uses has one of
// the same name here pointing at it — and nothing in the baseline
// namespace changes through the branch's up and down (resourceVersions of
// every object there). Status then says when a borrowed service becomes
// unreachable.
func TestUpChangedAgainstBaseline(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	project := testcluster.UniqueName("borrow")
	dir := testcluster.RealisticRepoWith(t, "main", map[string]string{
		envs.ConfigFile: "project: " + project + "\nbaseline:\n  branch: main\n  routing: httproute\n",
	})

	baseEnv, baseObjs, cfg := renderBranch(t, dir, "main")
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), baseEnv.Namespace, metav1.DeleteOptions{})
	})
	if err := rollout.Up(ctx, c, rollout.UpOptions{Env: baseEnv, Objects: baseObjs, Timeout: 3 * time.Minute}); err != nil {
		t.Fatalf("baseline up: %v", err)
	}
	if ns := cfg.Baseline.NamespaceOf(cfg); ns != baseEnv.Namespace {
		t.Fatalf("berth.yaml's baseline is %s, want the env of main %s", ns, baseEnv.Namespace)
	}
	before := testcluster.SettledVersions(t, c, baseEnv.Namespace)

	old := "      SENTRY_SNUBA_HOST: http://snuba-api:1218\n"
	testcompose.Edit(t, filepath.Join(dir, "compose.yaml"), old, old+"      VROOM_LOG_LEVEL: debug\n")
	env, objs, _ := renderBranch(t, dir, "feature/one")
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env.Namespace, metav1.DeleteOptions{})
	})
	mode := &rollout.ChangedOptions{Baseline: baseEnv.Namespace, Routing: envs.RoutingHTTPRoute}
	if err := rollout.Up(ctx, c, rollout.UpOptions{Env: env, Objects: objs, Timeout: 3 * time.Minute, Changed: mode}); err != nil {
		t.Fatalf("changed up: %v", err)
	}

	// One workload, no Job: the branch changed one service.
	deps, err := c.Typed.AppsV1().Deployments(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 1 || deps.Items[0].Name != changedService {
		var got []string
		for _, d := range deps.Items {
			got = append(got, d.Name)
		}
		t.Errorf("deployments in the branch: %v, want [%s]", got, changedService)
	}
	if jobs, _ := c.Typed.BatchV1().Jobs(env.Namespace).List(ctx, metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("%d Jobs in the branch, want none (its service has none)", len(jobs.Items))
	}

	// Every other service borrowed; each Service of the baseline another
	// service uses has one of the same name here, pointing at it.
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, ok := status.BorrowingOf(ns.Annotations)
	if !ok || b.Baseline != baseEnv.Namespace || !slices.Equal(b.Deployed, []string{changedService}) || len(b.Borrowed) != genapp.DefaultServices-1 {
		t.Fatalf("borrowing %+v: want %s deployed, %d borrowed from %s", b, changedService, genapp.DefaultServices-1, baseEnv.Namespace)
	}
	baseSvcs, err := c.Typed.CoreV1().Services(baseEnv.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	branchSvcs, err := c.Typed.CoreV1().Services(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	here := map[string]corev1.Service{}
	for _, s := range branchSvcs.Items {
		here[s.Name] = s
	}
	borrowedSvcs, own := 0, 0
	for _, bs := range baseSvcs.Items {
		if bs.Labels[meta.LabelService] == changedService {
			own++
			continue
		}
		s, ok := here[bs.Name]
		switch {
		case !ok:
			t.Errorf("the baseline's Service %s has no borrowed Service in the branch", bs.Name)
			continue
		case s.Annotations[meta.AnnotationBorrowedFrom] != baseEnv.Namespace:
			t.Errorf("Service %s: %s=%q, want %s", s.Name, meta.AnnotationBorrowedFrom, s.Annotations[meta.AnnotationBorrowedFrom], baseEnv.Namespace)
		case bs.Spec.ClusterIP == corev1.ClusterIPNone && podNames(t, c, baseEnv.Namespace, bs.Name):
			if s.Spec.ClusterIP != corev1.ClusterIPNone || len(s.Spec.Selector) != 0 {
				t.Errorf("headless %s: borrowed as %+v, want a selector-less headless Service", s.Name, s.Spec)
			}
			assertMirroredEndpoints(t, c, baseEnv.Namespace, env.Namespace, s.Name)
		default:
			target := s.Name + "." + baseEnv.Namespace + ".svc.cluster.local"
			if s.Spec.Type != corev1.ServiceTypeExternalName || s.Spec.ExternalName != target {
				t.Errorf("Service %s: type %s → %q, want ExternalName → %s", s.Name, s.Spec.Type, s.Spec.ExternalName, target)
			}
			if !reflect.DeepEqual(portNumbers(s.Spec.Ports), portNumbers(bs.Spec.Ports)) {
				t.Errorf("Service %s ports %v, the baseline's %v", s.Name, portNumbers(s.Spec.Ports), portNumbers(bs.Spec.Ports))
			}
		}
		borrowedSvcs++
	}
	if borrowedSvcs == 0 || len(here) != borrowedSvcs+own {
		t.Errorf("%d Services in the branch: want %d borrowed + %d of %s", len(here), borrowedSvcs, own, changedService)
	}
	t.Logf("branch %s: 1 workload, %d services borrowed, %d of them by a Service of their own name", env.Namespace, len(b.Borrowed), borrowedSvcs)
	// The mesh route of the deployed service: rendered and accepted by the
	// API server (no mesh here to route by it).
	routes, err := c.Dynamic.Resource(schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}).
		Namespace(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(routes.Items) != 1 {
		t.Fatalf("HTTPRoutes in the branch: %v, %d; want the one of %s", err, len(routes.Items), changedService)
	}
	parents, _, _ := unstructured.NestedSlice(routes.Items[0].Object, "spec", "parentRefs")
	if p, _ := parents[0].(map[string]any); len(parents) != 1 || p["kind"] != "Service" || p["name"] != changedService || p["namespace"] != baseEnv.Namespace {
		t.Errorf("HTTPRoute %s parents %v, want the baseline's Service %s", routes.Items[0].GetName(), parents, changedService)
	}

	// Status: ready, deployed vs borrowed, what it saved.
	snap, err := lifecycle.ListSnapshot(ctx, c, lifecycle.Selector(project), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := status.Of(snap, env.Namespace)
	if st.Phase != status.PhaseReady || st.Borrow == nil || len(st.Borrow.Unreachable) != 0 || len(st.Borrow.Changed) != 0 || st.Borrow.Usage.Pods() == 0 {
		t.Errorf("status of the branch: %s %q, borrow %+v", st.Phase, st.Reason, st.Borrow)
	}
	full, err := rollout.NeedOf(objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := full.Amounts["pods"]; b.SavedPods == 0 || int64(b.SavedPods) >= p.Value() || b.SavedObjects < len(objs)/2 {
		t.Errorf("saved %d objects of %d, %d pods of %s", b.SavedObjects, len(objs), b.SavedPods, p.String())
	}

	testcluster.AssertSameVersions(t, c, baseEnv.Namespace, before, "the branch's up")

	// The baseline loses a service's pods: the branch's status names it.
	kafka, err := c.Typed.AppsV1().Deployments(baseEnv.Namespace).Get(ctx, "kafka", metav1.GetOptions{})
	if err == nil {
		zero := int32(0)
		kafka.Spec.Replicas = &zero
		if _, err := c.Typed.AppsV1().Deployments(baseEnv.Namespace).Update(ctx, kafka, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			snap, err = lifecycle.ListSnapshot(ctx, c, lifecycle.Selector(project), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			st = status.Of(snap, env.Namespace)
			if st.Phase == status.PhaseFailed || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if st.Phase != status.PhaseFailed || !strings.Contains(st.Reason, "borrowed from "+baseEnv.Namespace+" unreachable: kafka") {
			t.Errorf("status with the baseline's kafka at 0: %s %q, want Failed naming kafka", st.Phase, st.Reason)
		}
	} else {
		t.Errorf("kafka in the baseline: %v", err)
	}
	before = testcluster.SettledVersions(t, c, baseEnv.Namespace)

	if err := lifecycle.Down(ctx, c, env.Namespace, project, true); err != nil {
		t.Fatalf("down: %v", err)
	}
	testcluster.AssertSameVersions(t, c, baseEnv.Namespace, before, "the branch's down")
}

// assertMirroredEndpoints checks that the branch's EndpointSlice of the
// borrowed headless Service name holds the baseline's endpoint addresses.
func assertMirroredEndpoints(t *testing.T, c *k8s.Client, baseline, ns, name string) {
	t.Helper()
	addrs := func(namespace string) []string {
		sl, err := c.Typed.DiscoveryV1().EndpointSlices(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + name})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range sl.Items {
			for _, e := range s.Endpoints {
				out = append(out, e.Addresses...)
			}
		}
		slices.Sort(out)
		return out
	}
	if got, want := addrs(ns), addrs(baseline); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("headless %s: endpoints %v in the branch, %v in the baseline", name, got, want)
	}
}

// podNames reports whether the endpoints of Service name in ns have
// hostnames (pods with DNS names of their own under the Service's).
func podNames(t *testing.T, c *k8s.Client, ns, name string) bool {
	t.Helper()
	sl, err := c.Typed.DiscoveryV1().EndpointSlices(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sl.Items {
		for _, e := range s.Endpoints {
			if e.Hostname != nil && *e.Hostname != "" {
				return true
			}
		}
	}
	return false
}

func portNumbers(ps []corev1.ServicePort) []int32 {
	var out []int32
	for _, p := range ps {
		out = append(out, p.Port)
	}
	return out
}
