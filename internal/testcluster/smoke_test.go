package testcluster_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

func deployment(name string, replicas int32, podLabels map[string]string, spot bool) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	for k, v := range podLabels {
		labels[k] = v
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}}}
	if spot {
		spec.Tolerations = []corev1.Toleration{{Key: "karpenter.sh/capacity-type", Value: "spot", Effect: corev1.TaintEffectNoSchedule}}
		spec.NodeSelector = map[string]string{"karpenter.sh/capacity-type": "spot"}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

func job(name string, podLabels map[string]string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr.To(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "main", Image: "example/migrate:1"}},
				},
			},
		},
	}
}

func poll(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestSmoke proves the local cluster runs workloads: a 2-replica Deployment
// rolls out on kwok nodes, a Job completes, and namespace deletion finishes.
func TestSmoke(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	ns := testcluster.Namespace(t, c, "smoke")

	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deployment("web", 2, nil, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Typed.BatchV1().Jobs(ns).Create(ctx, job("migrate", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "deployment web rolled out", func(ctx context.Context) (bool, error) {
		d, err := c.Typed.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == 2 && d.Status.AvailableReplicas == 2, nil
	})
	poll(t, 60*time.Second, "job migrate complete", func(ctx context.Context) (bool, error) {
		j, err := c.Typed.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return j.Status.Succeeded == 1, nil
	})
	pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 2 {
		t.Fatalf("want 2 web pods, got %d", len(pods.Items))
	}
	for _, p := range pods.Items {
		node, err := c.Typed.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod %s node %q: %v", p.Name, p.Spec.NodeName, err)
		}
		if node.Annotations["kwok.x-k8s.io/node"] != "fake" {
			t.Errorf("pod %s landed on %s, which is not a kwok node", p.Name, node.Name)
		}
		// Untolerating pods must stay off tainted spot nodes.
		if node.Labels["karpenter.sh/capacity-type"] == "spot" {
			t.Errorf("pod %s without the spot toleration landed on spot node %s", p.Name, node.Name)
		}
		if p.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s phase %s, want Running", p.Name, p.Status.Phase)
		}
	}

	// Delete the namespace and see it go (the namespace controller runs).
	if err := c.Typed.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 60*time.Second, "namespace deleted", func(ctx context.Context) (bool, error) {
		_, err := c.Typed.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

// TestNodes checks the fake capacity: 2 on-demand and 3 spot nodes, Ready,
// labelled like EKS and Karpenter label them, spot ones tainted.
func TestNodes(t *testing.T) {
	c := testcluster.Client(t)
	nodes, err := c.Typed.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, n := range nodes.Items {
		if n.Annotations["kwok.x-k8s.io/node"] != "fake" {
			continue
		}
		ready := false
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			t.Errorf("node %s not Ready", n.Name)
		}
		kind := n.Labels["karpenter.sh/capacity-type"]
		counts[kind]++
		wantEKS := map[string]string{"spot": "SPOT", "on-demand": "ON_DEMAND"}[kind]
		if got := n.Labels["eks.amazonaws.com/capacityType"]; got == "" || got != wantEKS {
			t.Errorf("node %s: eks capacityType %q, want %q", n.Name, got, wantEKS)
		}
		if n.Labels["topology.kubernetes.io/zone"] == "" {
			t.Errorf("node %s has no zone label", n.Name)
		}
		tainted := false
		for _, taint := range n.Spec.Taints {
			if taint.Key == "karpenter.sh/capacity-type" && taint.Value == "spot" && taint.Effect == corev1.TaintEffectNoSchedule {
				tainted = true
			}
		}
		if tainted != (kind == "spot") {
			t.Errorf("node %s (%s): spot taint present = %v", n.Name, kind, tainted)
		}
		if n.Status.Allocatable.Pods().Value() < 100 || n.Status.Allocatable.Cpu().Value() < 2 {
			t.Errorf("node %s: unrealistic allocatable %v", n.Name, n.Status.Allocatable)
		}
	}
	if counts["spot"] < 3 || counts["on-demand"] < 2 {
		t.Fatalf("want ≥3 spot and ≥2 on-demand nodes, got %v", counts)
	}
}

// TestSimulatedFailures checks the berth.dev/simulate pod label and that
// spot-tolerating pods land on spot nodes, and that kwok serves logs.
func TestSimulatedFailures(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	ns := testcluster.Namespace(t, c, "simulate")
	for _, d := range []*appsv1.Deployment{
		deployment("crash", 1, map[string]string{"berth.dev/simulate": "crashloop"}, false),
		deployment("pull", 1, map[string]string{"berth.dev/simulate": "imagepull"}, false),
		deployment("spot", 2, nil, true),
	} {
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Typed.BatchV1().Jobs(ns).Create(ctx, job("fails", map[string]string{"berth.dev/simulate": "fail"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReason := func(app, reason string) {
		poll(t, 60*time.Second, fmt.Sprintf("%s pod in %s", app, reason), func(ctx context.Context) (bool, error) {
			pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
			if err != nil || len(pods.Items) == 0 {
				return false, err
			}
			for _, cs := range pods.Items[0].Status.ContainerStatuses {
				if cs.State.Waiting != nil && cs.State.Waiting.Reason == reason && !cs.Ready {
					return true, nil
				}
			}
			return false, nil
		})
	}
	waitReason("crash", "CrashLoopBackOff")
	waitReason("pull", "ErrImagePull")
	poll(t, 60*time.Second, "job fails failed", func(ctx context.Context) (bool, error) {
		j, err := c.Typed.BatchV1().Jobs(ns).Get(ctx, "fails", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range j.Status.Conditions {
			if cond.Type == batchv1.JobFailed && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		if j.Status.Succeeded > 0 {
			return false, fmt.Errorf("job with berth.dev/simulate=fail succeeded")
		}
		return false, nil
	})
	var spotPod string
	poll(t, 60*time.Second, "spot pods running on spot nodes", func(ctx context.Context) (bool, error) {
		pods, err := c.Typed.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=spot"})
		if err != nil || len(pods.Items) != 2 {
			return false, err
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || !strings.HasPrefix(p.Spec.NodeName, "kwok-spot-") {
				return false, nil
			}
		}
		spotPod = pods.Items[0].Name
		return true, nil
	})
	assertLogs(t, c, ns, spotPod)
}

func assertLogs(t *testing.T, c *k8s.Client, ns, pod string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := c.Typed.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: "main", TailLines: ptr.To(int64(3))}).Stream(ctx)
	if err != nil {
		t.Fatalf("logs of %s: %v", pod, err)
	}
	defer stream.Close()
	out, err := io.ReadAll(stream)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `msg="request"`) || strings.Count(string(out), "\n") != 3 {
		t.Fatalf("logs of %s: want the last 3 lines of kwok's log file, got %q", pod, out)
	}
}
