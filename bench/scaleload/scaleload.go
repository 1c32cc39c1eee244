// Package scaleload generates the live-view scale load — many berth
// namespaces with many pods each, on kwok nodes of their own — and removes
// it again. bench/run.sh drives it through `berthbench load`; the TUI's
// BenchmarkScale uses it directly when no load is handed to it.
package scaleload

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// Project is the berth project of the generated environments.
const Project = "bench"

// Load is one generated load.
type Load struct {
	Run        string   // run id, the value of meta.LabelBench on everything
	Namespaces []string // sorted
	Nodes      []string
	PodsPer    int
}

// Selector selects the load's namespaces and pods.
func (l *Load) Selector() string { return meta.LabelBench + "=" + l.Run }

// Pods is the number of pods of the load.
func (l *Load) Pods() int { return len(l.Namespaces) * l.PodsPer }

// PodName is the name of pod i of every namespace.
func PodName(i int) string { return fmt.Sprintf("app-%d", i) }

// Create makes nsCount namespaces labelled and annotated like berth's
// environments (with an Inventory) with podsPer pods each, bound directly to two fake kwok nodes of their own
// (tainted, so nobody else's pods land there). cs should allow a high QPS.
func Create(ctx context.Context, cs kubernetes.Interface, run string, nsCount, podsPer int) (*Load, error) {
	l := &Load{Run: run, PodsPer: podsPer, Nodes: []string{run + "-spot", run + "-ondemand"}}
	labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelProject: Project, meta.LabelBench: run}
	for i, name := range l.Nodes {
		capacity := map[bool]string{true: "spot", false: "on-demand"}[i == 0]
		huge := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("20000"), corev1.ResourceCPU: resource.MustParse("10000"), corev1.ResourceMemory: resource.MustParse("64Ti")}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name,
				Labels:      map[string]string{k8s.LabelKarpenterCapacityType: capacity, meta.LabelBench: run, "type": "kwok"},
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}},
			Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: meta.LabelBench, Value: run, Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Allocatable: huge, Capacity: huge},
		}
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return l, fmt.Errorf("create node %s: %w", name, err)
		}
	}
	for i := range nsCount {
		l.Namespaces = append(l.Namespaces, fmt.Sprintf("%s-%04d", run, i))
	}
	err := Parallel(32, nsCount, func(i int) error {
		inv, err := Inventory(l.Namespaces[i], podsPer)
		if err != nil {
			return err
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: l.Namespaces[i], Labels: labels,
			Annotations: map[string]string{meta.AnnotationBranch: fmt.Sprintf("feature/%d", i), meta.AnnotationOwner: "bench@example.com",
				meta.AnnotationInventory: inv}}}
		_, err = cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return l, fmt.Errorf("create namespaces: %w", err)
	}
	err = Parallel(64, nsCount*podsPer, func(i int) error {
		ns, node := l.Namespaces[i/podsPer], l.Nodes[i%len(l.Nodes)]
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: PodName(i % podsPer), Labels: labels},
			Spec: corev1.PodSpec{
				NodeName:                     node, // no scheduler: kwok runs it at once
				AutomountServiceAccountToken: ptr.To(false),
				Tolerations:                  []corev1.Toleration{{Key: meta.LabelBench, Operator: corev1.TolerationOpExists}},
				Containers:                   []corev1.Container{{Name: "main", Image: "example/app:1"}},
			},
		}
		for try := 0; ; try++ {
			_, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			// The namespace's default ServiceAccount may not exist yet.
			if err != nil && try < 100 && strings.Contains(err.Error(), "serviceaccount") {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			return err
		}
	})
	if err != nil {
		return l, fmt.Errorf("create pods: %w", err)
	}
	return l, nil
}

// PodsPerService is how many of a namespace's pods Inventory counts as
// one service's replicas.
const PodsPerService = 5

// Inventory is the inventory annotation (meta.AnnotationInventory, as
// `berth up` writes it: rollout.Inventory) of a load namespace ns with
// podsPer pods: a Deployment and a Service per PodsPerService pods, named
// svc-0, svc-1… — the shape of a real env, whose inventory names the kinds
// berth's live view watches there. The pods themselves are bare (no
// controller creates them), so the load stays the same whatever kinds
// are watched.
func Inventory(ns string, podsPer int) (string, error) {
	var objs []*unstructured.Unstructured
	for i := range max(1, (podsPer+PodsPerService-1)/PodsPerService) {
		for _, kind := range []struct{ api, kind string }{{"apps/v1", "Deployment"}, {"v1", "Service"}} {
			u := &unstructured.Unstructured{}
			u.SetAPIVersion(kind.api)
			u.SetKind(kind.kind)
			u.SetNamespace(ns)
			u.SetName(fmt.Sprintf("svc-%d", i))
			objs = append(objs, u)
		}
	}
	return rollout.NewInventory(objs).Encode()
}

// Open finds an existing load by its run id.
func Open(ctx context.Context, cs kubernetes.Interface, run string) (*Load, error) {
	l := &Load{Run: run, Nodes: []string{run + "-spot", run + "-ondemand"}}
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: l.Selector()})
	if err != nil {
		return nil, fmt.Errorf("list namespaces of load %s: %w", run, err)
	}
	for _, ns := range nss.Items {
		l.Namespaces = append(l.Namespaces, ns.Name)
	}
	if len(l.Namespaces) == 0 {
		return nil, fmt.Errorf("load %s has no namespaces", run)
	}
	pods, err := cs.CoreV1().Pods(l.Namespaces[0]).List(ctx, metav1.ListOptions{LabelSelector: l.Selector()})
	if err != nil {
		return nil, fmt.Errorf("list pods of load %s: %w", run, err)
	}
	l.PodsPer = len(pods.Items)
	return l, nil
}

// WaitRunning polls (every 2 s, from the apiserver's watch cache) until
// every pod of the load is Running.
func (l *Load) WaitRunning(ctx context.Context, cs kubernetes.Interface) error {
	for {
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: l.Selector(), ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("list pods: %w", err)
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running == l.Pods() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d pods Running: %w", running, l.Pods(), ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// Delete removes the load: pods at once (no kubelet to wait for), then
// namespaces, then the nodes. It does not wait for namespaces to go.
func (l *Load) Delete(ctx context.Context, cs kubernetes.Interface) error {
	err := Parallel(32, len(l.Namespaces), func(i int) error {
		_ = cs.CoreV1().Pods(l.Namespaces[i]).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}, metav1.ListOptions{})
		err := cs.CoreV1().Namespaces().Delete(ctx, l.Namespaces[i], metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	for _, n := range l.Nodes {
		if derr := cs.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{}); derr != nil && !apierrors.IsNotFound(derr) && err == nil {
			err = derr
		}
	}
	if err != nil {
		return fmt.Errorf("delete load %s: %w", l.Run, err)
	}
	return nil
}

// Parallel runs f(0..n-1) on workers goroutines and returns the first error.
func Parallel(workers, n int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
