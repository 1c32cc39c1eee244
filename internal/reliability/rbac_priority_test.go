package reliability

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/access"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// levelRecorder records the priority level (its UID, the API server's
// X-Kubernetes-PF-PriorityLevel-UID header) of each response by verb.
type levelRecorder struct {
	mu     sync.Mutex
	levels map[string]string // method → level UID of the last response
}

func (l *levelRecorder) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		if err == nil {
			l.mu.Lock()
			l.levels[r.Method] = resp.Header.Get("X-Kubernetes-PF-PriorityLevel-UID")
			l.mu.Unlock()
		}
		return resp, err
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDeveloperPriorityLevel: once `berth rbac install` has applied
// deploy/rbac, a developer's reads (the token user in berth:developers)
// are served in the developers' priority level — deploy/rbac's
// FlowSchema matched them — and their writes stay in global-default.
func TestDeveloperPriorityLevel(t *testing.T) {
	t.Parallel()
	p, admin := private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	applyRBAC(ctx, t, admin)
	fc := testcluster.Clientset(t, admin).FlowcontrolV1()
	mine, err := fc.PriorityLevelConfigurations().Get(ctx, "berth-developers", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the developers' priority level after install: %v", err)
	}
	global, err := fc.PriorityLevelConfigurations().Get(ctx, "global-default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := k8s.NewClient(k8s.Flags{Kubeconfig: p.Kubeconfig(), Context: developerContext})
	if err != nil {
		t.Fatal(err)
	}
	rec := &levelRecorder{levels: map[string]string{}}
	cfg := rest.CopyConfig(dev.Config)
	cfg.Wrap(rec.wrap)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The API server loads a new FlowSchema a moment after it is created.
	poll(t, time.Minute, "the developer's list served in berth-developers", func(ctx context.Context) (bool, error) {
		if _, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return false, err
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.levels[http.MethodGet] == string(mine.UID), nil
	})
	// berth rbac check says so: for the developer, "ok"; for the admin
	// (exempt), "elsewhere".
	if rep, r := rbacCheck(ctx, t, t.TempDir()); rep.Priority.State != access.PriorityOK {
		t.Errorf("berth rbac check as the developer: exit %d, priority %+v; want %s\n%s", r.code, rep.Priority, access.PriorityOK, r.stderr)
	}
	if rep, err := access.Check(ctx, admin, access.CheckOptions{}); err != nil || rep.Priority.State != access.PriorityElsewhere {
		t.Errorf("access.Check as the admin: priority %+v, %v; want %s", rep.Priority, err, access.PriorityElsewhere)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testcluster.UniqueName("prio")}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.levels[http.MethodPost]; got != string(global.UID) {
		t.Errorf("the developer's create served in level %q, want global-default (%s)", got, global.UID)
	}
}
