package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// costFixture is a berth.yaml price table for the local cluster's kwok
// nodes, with round figures so the expected costs are worked out by hand.
const costFixture = `pricing:
  region: us-east-1
  date: "2026-01-01"
  storageGBMonth: 0.073
  instances:
    m6i.xlarge: {onDemand: 0.20, spot: 0.08}
    m6i.2xlarge: {onDemand: 0.40, spot: 0.12}
    c6i.2xlarge: {onDemand: 0.32, spot: 0.10}
`

// costPod is a bare pod of env ns (of project) on node asking cpu and memory.
func costPod(t *testing.T, c *k8s.Client, ns, project, name, node, cpu, memory string) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{
			meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: project, meta.LabelEnv: ns}},
		Spec: corev1.PodSpec{NodeName: node,
			Tolerations: []corev1.Toleration{{Key: "karpenter.sh/capacity-type", Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{Name: "app", Image: "app", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}}}}},
	}
	if _, err := c.Typed.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitRunning(t *testing.T, c *k8s.Client, ns string, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running == n, nil
	})
	if err != nil {
		t.Fatalf("%d pods of %s running: %v", n, ns, err)
	}
}

// The cost of an env on the local cluster's kwok nodes (their instance
// type, capacity type and allocatable labels and status) with a fixture
// price table, by hand:
//
//	kwok-spot-1     m6i.2xlarge spot 8 cpu 32Gi: 1000m/2Gi → cpu 1/8    × $0.12 = $0.015/h
//	kwok-spot-3     c6i.2xlarge spot 8 cpu 16Gi:  500m/4Gi → memory 1/4 × $0.10 = $0.025/h
//	kwok-ondemand-1 m6i.xlarge       4 cpu 16Gi: 1000m/1Gi → cpu 1/4    × $0.20 = $0.050/h
//	compute $0.090/h; on-demand for the same shares 0.125×0.40 + 0.25×0.32 + 0.25×0.20 = $0.180/h: spot saves 50%
//	storage 10Gi × $0.073 / 730 h = $0.001/h; total $0.091/h = $2.184/day
//
// ls, status and gc --dry-run say so; gc's sleep saves the compute only.
func TestCostOnLocalCluster(t *testing.T) {
	c := testcluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	project := testcluster.UniqueName("cost")
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	expired := testcluster.EnvNamespace(t, c, "dev", project, "old", map[string]string{
		meta.AnnotationStorage: "10Gi", meta.AnnotationExpiresAt: past})
	costPod(t, c, expired, project, "a", "kwok-spot-1", "1000m", "2Gi")
	costPod(t, c, expired, project, "b", "kwok-spot-3", "500m", "4Gi")
	costPod(t, c, expired, project, "c", "kwok-ondemand-1", "1000m", "1Gi")
	idle := testcluster.EnvNamespace(t, c, "dev", project, "idle", map[string]string{
		meta.AnnotationStorage: "10Gi", meta.AnnotationLastDeploy: time.Now().Add(-9 * time.Hour).UTC().Format(time.RFC3339)})
	costPod(t, c, idle, project, "d", "kwok-ondemand-1", "1000m", "1Gi") // $0.05/h, storage $0.001/h
	waitRunning(t, c, expired, 3)
	waitRunning(t, c, idle, 1)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "berth.yaml"), []byte("project: "+project+"\n"+costFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-4 }

	code, stdout, stderr := berthAt(t, ctx, nil, "ls", "-o", "json", "--dir", dir)
	if code != exitOK {
		t.Fatalf("ls: exit %d: %s", code, stderr)
	}
	var rows []lsRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("ls -o json: %v, %d rows\n%s", err, len(rows), stdout)
	}
	byNS := map[string]*costView{rows[0].Namespace: rows[0].Cost, rows[1].Namespace: rows[1].Cost}
	e := byNS[expired]
	if e == nil || !near(e.ComputePerHour, 0.09) || !near(e.OnDemandPerHour, 0.18) || !near(e.StoragePerHour, 0.001) ||
		!near(e.PerDay, 2.184) || e.SpotSaves != 50 || e.UnpricedPods != 0 || e.Region != "us-east-1" || e.PriceDate != "2026-01-01" {
		t.Errorf("cost of %s: %+v, want compute 0.09/h, on-demand 0.18/h, storage 0.001/h, 2.184/day, spot saves 50%%", expired, e)
	}
	if i := byNS[idle]; i == nil || !near(i.PerDay, 1.224) || i.SpotSaves != 0 {
		t.Errorf("cost of %s: %+v, want 1.224/day, no spot saving", idle, i)
	}

	code, stdout, _ = berthAt(t, ctx, nil, "ls", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, "COST/DAY") || !regexpLine(stdout, expired+`\s.*\s\$2\.18\s`) || !regexpLine(stdout, idle+`\s.*\s\$1\.22\s`) {
		t.Errorf("ls table without $2.18 and $1.22:\n%s", stdout)
	}
	code, stdout, _ = berthAt(t, ctx, nil, "status", expired, "--dir", dir)
	want := "Cost: $2.18/day ($0.091/h: compute $0.090, storage $0.001), spot saves 50% (prices us-east-1, 2026-01-01)"
	if !strings.Contains(stdout, want) {
		t.Errorf("status (exit %d) lacks %q:\n%s", code, want, stdout)
	}

	// gc --dry-run: deleting the expired env saves all it costs, sleeping
	// the idle one its compute (its claims stay): $2.184 + $1.20.
	code, stdout, stderr = berthAt(t, ctx, nil, "gc", "--dry-run", "-o", "json", "--dir", dir)
	var actions []lifecycle.Action
	if err := json.Unmarshal([]byte(stdout), &actions); err != nil || code != exitOK {
		t.Fatalf("gc --dry-run -o json: exit %d %v\n%s%s", code, err, stdout, stderr)
	}
	saves := map[string]float64{}
	for _, a := range actions {
		if a.SavesPerDay != nil {
			saves[string(a.Kind)+" "+a.Namespace] = *a.SavesPerDay
		}
	}
	if len(saves) != 2 || !near(saves["delete "+expired], 2.184) || !near(saves["sleep "+idle], 1.2) {
		t.Errorf("gc --dry-run saves %v, want delete %s 2.184, sleep %s 1.2", saves, expired, idle)
	}
	code, stdout, _ = berthAt(t, ctx, nil, "gc", "--dry-run", "--dir", dir)
	if code != exitOK || !strings.Contains(stdout, "SAVES/DAY") || !strings.Contains(stdout, "Sleeping and deleting these saves $3.38/day (prices us-east-1, 2026-01-01).") {
		t.Errorf("gc --dry-run table:\n%s", stdout)
	}
}
