package tui

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/cost"
	"github.com/berth-dev/berth/k8s"
)

// shopConfig is the UI opened in the shop repo on branch feat/login.
func shopConfig(c Cluster) Config {
	return Config{Cluster: c, Context: "kwok", Project: "shop", Branch: "feat/login", Prices: fixturePrices}
}

// fixturePrices price the fixture's m6i.large nodes (2 cpu, 8Gi) with
// round figures: a pod asking 250m/512Mi holds 1/8 of one, $0.005/h on
// spot, $0.0125/h on-demand.
var fixturePrices = cost.Table{Region: "eu-west-1", Date: "2026-11-01", StorageGBMonth: 0.073,
	Instances: map[string]cost.Price{"m6i.large": {OnDemand: 0.10, Spot: 0.04}}}

func TestGoldenEnvironments(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-fix-crash", "shop-old-ui")
	s.golden()
}

func TestGoldenEnvironmentsNarrow(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 80, 24)
	s.waitFor("shop-fix-crash")
	s.keys("j", "j")
	s.golden()
}

func TestGoldenEnvironmentsNotRunning(t *testing.T) {
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Branch = "feat/payments"
	s := startSession(t, cfg, 100, 24)
	s.waitFor("press u")
	s.golden()
}

func TestGoldenEnvironmentsAllProjects(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-fix-crash")
	s.keys("a")
	s.waitFor("blog-main")
	s.golden()
}

func TestGoldenEnvironmentsFilter(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 100, 24)
	s.waitFor("shop-fix-crash")
	s.keys("/", "c", "r", "a", "s", "h")
	s.waitFor("/crash")
	s.golden()
}

func TestGoldenDetail(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 40)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("RECENT WARNINGS", "OOMKilling")
	s.keys("j", "j")
	s.golden()
}

func TestGoldenDetailNarrow(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("PODS", "OOMKilling") // events arrive after the view opens
	s.keys("G")
	s.waitFor("> web-7d9c4-bbbbb")
	s.golden()
}

func TestGoldenDetailFailed(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-fix-crash")
	s.keys("j", "enter")
	s.waitFor("BackoffLimitExceeded")
	s.golden()
}

func TestGoldenLogs(t *testing.T) {
	c := newFakeCluster(t, nil)
	for i := 1; i <= 30; i++ {
		c.logs = append(c.logs, strings.Repeat("x", i%7)+"GET /healthz 200 "+strings.Repeat("0123456789", i%13))
	}
	c.logs = append(c.logs, "listening on :8080")
	s := startSession(t, shopConfig(c), 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("api-6c8d1-ddddd")
	s.keys("l")
	s.waitFor("listening on :8080")
	s.golden()
	if o := c.logO[0]; o.Pod != "api-6c8d1-ddddd" || o.Container != "api" || !o.Follow || o.Previous {
		t.Errorf("log options %+v", o)
	}
}

func TestGoldenLogsWrapPaused(t *testing.T) {
	c := newFakeCluster(t, nil)
	c.logs = []string{"short line", strings.Repeat("long-", 40) + "end", "last"}
	s := startSession(t, shopConfig(c), 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("api-6c8d1-ddddd")
	s.keys("l")
	s.waitFor("last")
	s.keys("w", "space")
	s.waitFor("paused")
	s.golden()
}

func TestGoldenEvents(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 120, 24)
	s.waitFor("shop-feat-login")
	s.keys("e")
	s.waitFor("ScalingReplicaSet")
	s.golden()
}

func TestGoldenHelp(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 80, 34)
	s.waitFor("shop-feat-login")
	s.keys("?")
	s.waitFor("previous container")
	s.golden()
}

func TestGoldenConnectionLostAndForbidden(t *testing.T) {
	c := newFakeCluster(t, func(s *k8s.Snapshot) {
		s.Connection = k8s.Connection{Since: fixtureNow.Add(-42e9), Err: `Get "https://127.0.0.1:6443/api/v1/pods?watch=true": dial tcp 127.0.0.1:6443: connect: connection refused`}
		s.Nodes = nil
		s.Resources[k8s.ResourceNodes] = k8s.ResourceState{Forbidden: true, Err: `nodes is forbidden: User "dev" cannot list resource "nodes" in API group "" at the cluster scope`}
	})
	s := startSession(t, shopConfig(c), 100, 24)
	s.waitFor("shop-feat-login")
	s.keys("enter")
	s.waitFor("PODS", "OOMKilling") // events arrive after the view opens
	s.golden()
}

func TestGoldenDeleteConfirm(t *testing.T) {
	a := &fakeActions{}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, 100, 24)
	s.waitFor("shop-fix-crash")
	s.keys("j", "d")
	s.waitFor("(y/N)")
	s.golden()
}

func TestGoldenActionNotAvailable(t *testing.T) {
	s := startSession(t, shopConfig(newFakeCluster(t, nil)), 100, 24)
	s.waitFor("shop-fix-crash")
	s.keys("s")
	s.waitFor("not available yet")
	s.golden()
}

func TestGoldenUp(t *testing.T) {
	a := &fakeActions{release: make(chan struct{}), ns: "shop-feat-login"}
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("u")
	s.waitFor("rollouts")
	s.golden()
	close(a.release)
}

func TestUpEndsInDetail(t *testing.T) {
	a := &fakeActions{release: make(chan struct{}), ns: "shop-feat-login"}
	close(a.release)
	cfg := shopConfig(newFakeCluster(t, nil))
	cfg.Actions = a
	s := startSession(t, cfg, 80, 24)
	s.waitFor("shop-feat-login")
	s.keys("u")
	s.waitFor("ROLLOUTS")
	if out := s.screen(); !strings.Contains(out, "berth · kwok · shop · shop-feat-login") {
		t.Errorf("up did not end in the detail view:\n%s", out)
	}
}

// fakeActions records calls; Up reports steps and waits for release.
type fakeActions struct {
	mu      sync.Mutex
	calls   []string
	release chan struct{}
	ns      string
}

func (a *fakeActions) record(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, s)
}

func (a *fakeActions) Up(ctx context.Context, progress func(UpEvent)) (string, error) {
	a.record("up")
	progress(UpEvent{Step: "namespace", State: StepDone, Detail: "shop-feat-login created"})
	progress(UpEvent{Step: "secrets", State: StepDone, Detail: "2 secrets"})
	progress(UpEvent{Step: "migrations", State: StepRunning, Detail: "job migrate-3f9a"})
	progress(UpEvent{Step: "migrations", State: StepDone, Detail: "job migrate-3f9a completed in 12s"})
	progress(UpEvent{Step: "seed", State: StepSkipped, Detail: "unchanged"})
	progress(UpEvent{Step: "rollouts", State: StepRunning, Detail: "web 1/2, api 1/1, db 1/1"})
	select {
	case <-a.release:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return a.ns, nil
}

func (a *fakeActions) Down(_ context.Context, ns string) error  { a.record("down " + ns); return nil }
func (a *fakeActions) Sleep(_ context.Context, ns string) error { a.record("sleep " + ns); return nil }
func (a *fakeActions) Wake(_ context.Context, ns string) error  { a.record("wake " + ns); return nil }
func (a *fakeActions) Restart(_ context.Context, ns string) error {
	a.record("restart " + ns)
	return nil
}

// recordedCluster serves testdata/recorded-shop.yaml, objects recorded from
// the local cluster after `berth up` of examples/shop.
func recordedCluster(t *testing.T) (*fakeCluster, time.Time) {
	t.Helper()
	const path = "testdata/recorded-shop.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "# recorded-at: ")
	if !ok {
		t.Fatalf("%s: no recorded-at line", path)
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCluster{objs: loadFile(t, path), changes: make(chan struct{}, 1), now: at}
	f.rebuild("")
	return f, at
}

func TestGoldenRecordedShop(t *testing.T) {
	c, at := recordedCluster(t)
	cfg := Config{Cluster: c, Context: "berth-local", Project: "shop", Branch: "feature/login-page", Now: func() time.Time { return at }}
	s := startSession(t, cfg, 100, 30)
	s.waitFor("feature/login-page", "Ready 5/5")
	s.keys("enter")
	s.waitFor("ROLLOUTS", "4 rollouts complete")
	s.golden()
}

func TestGoldenRecordedShopEvents(t *testing.T) {
	c, at := recordedCluster(t)
	cfg := Config{Cluster: c, Context: "berth-local", Project: "shop", Branch: "feature/login-page", Now: func() time.Time { return at }}
	s := startSession(t, cfg, 100, 30)
	s.waitFor("feature/login-page")
	s.keys("e")
	s.waitFor("Scheduled")
	s.golden()
}
