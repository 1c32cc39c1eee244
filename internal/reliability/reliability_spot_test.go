package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// statusPod is a pod as `berth status -o json` prints it.
type statusPod struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Ready    string `json:"ready"`
	Node     string `json:"node"`
	Capacity string `json:"capacity"`
}

// servingPods returns the pods `berth status -o json` lists in dir's env,
// without finished Job pods.
func servingPods(ctx context.Context, t testing.TB, dir string) []statusPod {
	t.Helper()
	r := berth(ctx, dir, "status", "-o", "json")
	if r.code != 0 {
		t.Fatalf("berth status exit %d: %s", r.code, r.stderr)
	}
	var v struct {
		Pods []statusPod `json:"pods"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r.stdout)
	}
	var out []statusPod
	for _, p := range v.Pods {
		if p.Status != "Completed" && p.Status != "Succeeded" {
			out = append(out, p)
		}
	}
	return out
}

// drain cordons node and evicts the pods of namespace ns on it, as
// `kubectl drain` does when a spot node is reclaimed, until none is left
// to evict (a pod the scheduler bound there just before the cordon is
// evicted too). It leaves Job pods to run to completion: berth's Jobs run
// once (backoffLimit 0, compose's restart: "no"), so evicting one fails
// the up, and whether a drain catches a Job pod before kwok completes it is
// a race; the Deployments' pods are what this drain moves. It returns how
// many pods it evicted.
func drain(ctx context.Context, c *k8s.Client, node, ns string) (int, error) {
	patch := []byte(`{"spec":{"unschedulable":true}}`)
	if _, err := c.Typed.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return 0, fmt.Errorf("cordon %s: %w", node, err)
	}
	evicted := map[string]bool{}
	for {
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
		if err != nil {
			return len(evicted), err
		}
		left := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || p.Labels["job-name"] != "" {
				continue
			}
			left++
			if evicted[string(p.UID)] {
				continue // on its way out
			}
			ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: ns}}
			if err := c.Typed.CoreV1().Pods(ns).EvictV1(ctx, ev); err != nil && !apierrors.IsNotFound(err) {
				return len(evicted), fmt.Errorf("evict %s: %w", p.Name, err)
			}
			evicted[string(p.UID)] = true
		}
		if left == 0 {
			return len(evicted), nil
		}
		select {
		case <-ctx.Done():
			return len(evicted), fmt.Errorf("drain %s: %d pods still there: %w", node, left, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestSpotInterruption drains a spot node while `berth up` rolls out a new
// commit: the up still succeeds, the evicted pods come back on the other
// spot nodes, and `berth status` shows them there (NODE column, -o json).
func TestSpotInterruption(t *testing.T) {
	_, c := private(t)
	branch := "spot-interruption"
	ns := namespaceOf(t, branch)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	deleteNamespace(t, c, ns)
	mustUp(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	if err := commitChange(dir, 1); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	up := berthCmd(ctx, dir, "up", "-o", "json", "--timeout", "2m")
	up.Stdout, up.Stderr = &out, &out
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- up.Wait() }()

	// Mid-rollout: once a Deployment of the new commit is applied, drain
	// the spot node holding most of the env's pods.
	poll(t, 2*time.Minute, "the rollout under way", func(context.Context) (bool, error) {
		return strings.Contains(out.String(), `"object":"Deployment/`), nil
	})
	pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	perNode := map[string]int{}
	victim := ""
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		if perNode[p.Spec.NodeName]++; perNode[p.Spec.NodeName] > perNode[victim] {
			victim = p.Spec.NodeName
		}
	}
	if !strings.HasPrefix(victim, "kwok-spot-") {
		t.Fatalf("env pods are not on spot nodes: %v", perNode)
	}
	t.Cleanup(func() {
		patch := []byte(`{"spec":{"unschedulable":false}}`)
		_, _ = c.Typed.CoreV1().Nodes().Patch(context.Background(), victim, types.MergePatchType, patch, metav1.PatchOptions{})
	})
	evicted, err := drain(ctx, c, victim, ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drained %s mid-rollout: %d pods evicted (pods per node: %v)", victim, evicted, perNode)

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("berth up during the interruption: %v\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("berth up did not finish: %s", out.String())
	}
	// berth up waited for each step's rollout; a pod evicted after its
	// step was done comes back on its own: the env converges, and status
	// shows every serving pod Running on another spot node.
	var after []statusPod
	var problems []string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		problems = nil
		if err := checkConverged(ctx, c, ns); err != nil {
			problems = append(problems, err.Error())
		}
		after = servingPods(ctx, t, dir)
		if len(after) == 0 {
			problems = append(problems, "status lists no serving pods")
		}
		for _, p := range after {
			if p.Node == victim || !strings.HasPrefix(p.Node, "kwok-spot-") || p.Capacity != "spot" || p.Status != "Running" {
				problems = append(problems, fmt.Sprintf("pod %s after the interruption: %s on %s (%s), want Running on another spot node", p.Name, p.Status, p.Node, p.Capacity))
			}
		}
		return len(problems) == 0, nil
	})
	if err != nil {
		t.Fatalf("after the interruption: %v: %s", err, strings.Join(problems, "; "))
	}
	text := berth(ctx, dir, "status")
	for _, p := range after {
		line := ""
		for _, l := range strings.Split(text.stdout, "\n") {
			if strings.HasPrefix(l, p.Name+" ") {
				line = l
			}
		}
		if !strings.Contains(line, " "+p.Node+" ") || strings.Contains(line, victim) {
			t.Errorf("berth status row of %s does not show node %s: %q", p.Name, p.Node, line)
		}
	}
}
