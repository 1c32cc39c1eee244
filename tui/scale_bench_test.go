package tui

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
)

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkScale runs the watcher and the UI model against many berth envs
// on the local cluster (default 500 namespaces × 20 pods; set
// BERTH_BENCH_NAMESPACES / BERTH_BENCH_PODS) and reports initial sync time,
// RSS, idle CPU, event→screen latency and the cost of one key press.
// b.N is the number of latency samples: go test -run '^$' -bench Scale -benchtime 50x ./tui/
func BenchmarkScale(b *testing.B) {
	nsCount, podsPer := envInt("BERTH_BENCH_NAMESPACES", 500), envInt("BERTH_BENCH_PODS", 20)
	c := testcluster.Client(b)
	cfg := rest.CopyConfig(c.Config)
	cfg.QPS, cfg.Burst = 2000, 4000
	admin, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := testcluster.UniqueName("bench")
	sel := "berth.dev/bench=" + run
	labels := map[string]string{envs.LabelManagedBy: envs.ManagedByBerth, envs.LabelProject: "bench", "berth.dev/bench": run}

	// Bench pods go to nodes of their own (fake, kwok-run, tainted, with
	// room for thousands of pods), so the cluster's real nodes stay free
	// for everyone else.
	nodeNames := []string{run + "-spot", run + "-ondemand"}
	for i, name := range nodeNames {
		capacity := map[bool]string{true: "spot", false: "on-demand"}[i == 0]
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name,
				Labels:      map[string]string{k8s.LabelKarpenterCapacityType: capacity, "berth.dev/bench": run, "type": "kwok"},
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}},
			Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "berth.dev/bench", Value: run, Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{
				Allocatable: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("20000"), corev1.ResourceCPU: resource.MustParse("10000"), corev1.ResourceMemory: resource.MustParse("64Ti")},
				Capacity:    corev1.ResourceList{corev1.ResourcePods: resource.MustParse("20000"), corev1.ResourceCPU: resource.MustParse("10000"), corev1.ResourceMemory: resource.MustParse("64Ti")},
			},
		}
		if _, err := admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			b.Fatalf("create bench node: %v", err)
		}
	}
	b.Cleanup(func() {
		for _, name := range nodeNames {
			_ = admin.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		}
	})

	start := time.Now()
	names := make([]string, nsCount)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%04d", run, i)
	}
	b.Cleanup(func() {
		// Pods go at once (no kubelet to wait for), then their namespaces.
		parallel(32, len(names), func(i int) error {
			ctx := context.Background()
			_ = admin.CoreV1().Pods(names[i]).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}, metav1.ListOptions{})
			err := admin.CoreV1().Namespaces().Delete(ctx, names[i], metav1.DeleteOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		})
	})
	err = parallel(32, nsCount, func(i int) error {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: names[i], Labels: labels,
			Annotations: map[string]string{envs.AnnotationBranch: fmt.Sprintf("feature/%d", i), envs.AnnotationOwner: "bench@example.com"}}}
		_, err := admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		b.Fatalf("create namespaces: %v", err)
	}
	err = parallel(64, nsCount*podsPer, func(i int) error {
		ns, node := names[i/podsPer], nodeNames[i%len(nodeNames)]
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d", i%podsPer), Labels: labels},
			Spec: corev1.PodSpec{
				NodeName:                     node, // no scheduler: kwok runs it at once
				AutomountServiceAccountToken: ptr.To(false),
				Tolerations:                  []corev1.Toleration{{Key: "berth.dev/bench", Operator: corev1.TolerationOpExists}},
				Containers:                   []corev1.Container{{Name: "main", Image: "example/app:1"}},
			},
		}
		for try := 0; ; try++ {
			_, err := admin.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			// The namespace's default ServiceAccount may not exist yet.
			if err != nil && try < 100 && strings.Contains(err.Error(), "serviceaccount") {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			return err
		}
	})
	if err != nil {
		b.Fatalf("create pods: %v", err)
	}
	total := nsCount * podsPer
	b.Logf("created %d namespaces and %d pods in %s", nsCount, total, time.Since(start).Round(time.Millisecond))

	// Watch and render, as `berth` does.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	syncStart := time.Now()
	w := k8s.NewWatcher(c.Typed, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel})
	w.Start(wctx)
	running := func(s *k8s.Snapshot) int {
		n := 0
		for _, ps := range s.Pods {
			for _, p := range ps {
				if p.Phase == "Running" {
					n++
				}
			}
		}
		return n
	}
	sctx, scancel := context.WithTimeout(ctx, 15*time.Minute)
	s, err := w.WaitFor(sctx, func(s *k8s.Snapshot) bool { return len(s.Namespaces) == nsCount && running(s) == total })
	scancel()
	if err != nil {
		b.Fatalf("initial sync: %d namespaces, %d running pods: %v", len(s.Namespaces), running(s), err)
	}
	runningAfter := time.Since(syncStart)
	cancel()

	// A fresh watcher on the settled cluster: what starting berth costs.
	wctx, cancel = context.WithCancel(ctx)
	defer cancel()
	syncStart = time.Now()
	w = k8s.NewWatcher(c.Typed, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel})
	w.Start(wctx)
	sctx, scancel = context.WithTimeout(ctx, 5*time.Minute)
	s, err = w.WaitFor(sctx, func(s *k8s.Snapshot) bool { return len(s.Namespaces) == nsCount && running(s) == total })
	scancel()
	if err != nil {
		b.Fatalf("sync of a fresh watcher: %v", err)
	}
	syncTime := time.Since(syncStart)
	b.Logf("all %d pods Running after %s; a fresh watcher synced in %s", total, runningAfter.Round(time.Millisecond), syncTime.Round(time.Millisecond))

	m := New(Config{Cluster: w, Project: "bench"})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	t0 := time.Now()
	m.Update(snapshotMsg{snap: s})
	_ = m.View()
	firstFrame := time.Since(t0)

	// Idle: nothing changes, nothing should run.
	runtime.GC()
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(10 * time.Second)
	idleCPU := float64(cpuTime()-cpu0) / float64(time.Since(wall0)) * 100

	// A key press with everything loaded.
	t0 = time.Now()
	const presses = 100
	for range presses {
		m.Update(tea.KeyMsg{Type: tea.KeyDown})
		_ = m.View()
	}
	keyCost := time.Since(t0) / presses

	// Event → screen: change one pod, wait for the snapshot that has it,
	// then update and draw the model. A sub-benchmark, so the setup above
	// runs once.
	b.Run("event-to-screen", func(b *testing.B) {
		ch := w.Subscribe(wctx)
		var lat []time.Duration
		for i := range b.N {
			ns, pod := names[(i*7919)%nsCount], fmt.Sprintf("app-%d", i%podsPer)
			val := strconv.Itoa(i)
			patch := []byte(`{"metadata":{"labels":{"berth.dev/bench-seq":"` + val + `"}}}`)
			t0 := time.Now()
			if _, err := admin.CoreV1().Pods(ns).Patch(ctx, pod, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
				b.Fatal(err)
			}
			for {
				s := w.Snapshot()
				if i := slices.IndexFunc(s.PodsIn(ns), func(p k8s.Pod) bool { return p.Name == pod }); i >= 0 && s.PodsIn(ns)[i].Labels["berth.dev/bench-seq"] == val {
					m.Update(snapshotMsg{snap: s})
					_ = m.View()
					break
				}
				select {
				case <-ch:
				case <-time.After(30 * time.Second):
					b.Fatalf("change %d never arrived", i)
				}
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		p50, p99 := lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]

		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss := rssBytes()
		b.ReportMetric(syncTime.Seconds(), "sync-s")
		b.ReportMetric(float64(firstFrame.Microseconds())/1000, "first-frame-ms")
		b.ReportMetric(float64(keyCost.Microseconds())/1000, "key-ms")
		b.ReportMetric(float64(p50.Microseconds())/1000, "event-screen-p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "event-screen-p99-ms")
		b.ReportMetric(idleCPU, "idle-cpu-%")
		b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.Logf("%d namespaces × %d pods (all Running %s after creation): fresh watcher sync %s, first frame %s, key %s, event→screen p50 %s p99 %s (%d samples, 50 ms debounce included), idle CPU %.2f%% of a core, RSS %d MiB (heap %d MiB)",
			nsCount, podsPer, runningAfter.Round(time.Millisecond), syncTime.Round(time.Millisecond), firstFrame.Round(time.Microsecond), keyCost.Round(time.Microsecond),
			p50.Round(time.Millisecond), p99.Round(time.Millisecond), len(lat), idleCPU, rss>>20, ms.HeapInuse>>20)
	})
}

// parallel runs f(0..n-1) on workers goroutines and returns the first error.
func parallel(workers, n int, f func(int) error) error {
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

// cpuTime is the CPU time (user+system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes reads VmRSS from /proc/self/status (Linux).
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
