package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// runForward measures port-forward round trips: small request/response
// exchanges through `berth forward` and through `kubectl port-forward` to
// the same pod, whose port 80 kwok connects to an echo server of this
// process. Both forwards run side by side and are measured in alternating
// blocks, so noise falls on both.
func runForward(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "berth binary")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the cluster")
	iters := fs.Int("iterations", 2000, "round trips per forward on one connection")
	conns := fs.Int("connections", 200, "new connections per forward (one round trip each)")
	size := fs.Int("size", 64, "bytes per request (echoed back)")
	target := fs.Float64("target", 1.0, "target: berth p50 ≤ target × kubectl p50")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := k8s.NewClient(k8s.Flags{Kubeconfig: *kubeconfig})
	if err != nil {
		return err
	}
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer echo.Close()
	go serveEcho(echo)

	ns := fmt.Sprintf("bench-forward-%d", time.Now().UnixNano()%1e9)
	pod, cleanup, err := forwardFixture(ctx, c, ns, echo.Addr().(*net.TCPAddr))
	defer cleanup()
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "berthbench-forward")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bAddr, stopB, err := startForwarder(ctx, regexp.MustCompile(`(127\.0\.0\.1:\d+)\s+→ web:80`),
		*berth, "--kubeconfig", *kubeconfig, "forward", "web:0:80", "--env", ns, "--dir", dir, "--project", "bench")
	if err != nil {
		return fmt.Errorf("berth forward: %w", err)
	}
	defer stopB()
	kAddr, stopK, err := startForwarder(ctx, regexp.MustCompile(`Forwarding from (127\.0\.0\.1:\d+) -> 80`),
		"kubectl", "--kubeconfig", *kubeconfig, "-n", ns, "port-forward", "pod/"+pod, "0:80")
	if err != nil {
		return fmt.Errorf("kubectl port-forward: %w", err)
	}
	defer stopK()
	fmt.Printf("pod %s: berth forward on %s, kubectl port-forward on %s; %d-byte requests\n", pod, bAddr, kAddr, *size)

	// Warm both up (first stream, TLS, kwok's dial), then measure.
	for _, a := range []string{bAddr, kAddr} {
		if _, err := roundTrips(a, 20, *size); err != nil {
			return err
		}
	}
	const block = 100
	var bSame, kSame, bNew, kNew []time.Duration
	// Who goes first alternates, so neither always follows the other.
	for i, done := 0, 0; done < *iters; i, done = i+1, done+block {
		n := min(block, *iters-done)
		for _, berthTurn := range []bool{i%2 == 0, i%2 != 0} {
			addr, dst := kAddr, &kSame
			if berthTurn {
				addr, dst = bAddr, &bSame
			}
			d, err := roundTrips(addr, n, *size)
			if err != nil {
				return fmt.Errorf("%s: %w", addr, err)
			}
			*dst = append(*dst, d...)
		}
	}
	for i := 0; i < *conns; i++ {
		for _, berthTurn := range []bool{i%2 == 0, i%2 != 0} {
			addr, dst := kAddr, &kNew
			if berthTurn {
				addr, dst = bAddr, &bNew
			}
			d, err := dialRoundTrip(addr, *size)
			if err != nil {
				return fmt.Errorf("%s: %w", addr, err)
			}
			*dst = append(*dst, d)
		}
	}
	fmt.Printf("%-34s %10s %10s %10s %10s\n", "", "berth p50", "kubectl", "ratio", "p99 ratio")
	line := func(what string, b, k []time.Duration) float64 {
		bp, kp := percentile(b, 50), percentile(k, 50)
		fmt.Printf("%-34s %10s %10s %10s %10s   (p99 %s vs %s)\n", what, us(bp), us(kp), ratio(bp, kp),
			ratio(percentile(b, 99), percentile(k, 99)), us(percentile(b, 99)), us(percentile(k, 99)))
		return float64(bp) / float64(kp)
	}
	r1 := line(fmt.Sprintf("one connection, %d round trips", len(bSame)), bSame, kSame)
	r2 := line(fmt.Sprintf("new connection each, %d", len(bNew)), bNew, kNew)
	fmt.Printf("target berth p50 ≤ %.2f× kubectl (both rows): %s\n", *target, verdict(r1 <= *target && r2 <= *target))
	return nil
}

// forwardFixture creates namespace ns with a one-replica Deployment "web"
// (berth's labels) and a ClusterPortForward sending its port 80 to echo,
// and returns its Ready pod; cleanup deletes both.
func forwardFixture(ctx context.Context, c *k8s.Client, ns string, echo *net.TCPAddr) (pod string, cleanup func(), err error) {
	gvr := schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterportforwards"}
	cleanup = func() {
		bg := context.Background()
		_ = c.Dynamic.Resource(gvr).Delete(bg, ns, metav1.DeleteOptions{})
		_ = c.Typed.CoreV1().Namespaces().Delete(bg, ns, metav1.DeleteOptions{})
	}
	labels := map[string]string{meta.LabelManagedBy: meta.ManagedByBerth, meta.LabelEnv: ns, meta.LabelProject: "bench"}
	if _, err := c.Typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}, metav1.CreateOptions{}); err != nil {
		return "", cleanup, err
	}
	cpf := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterPortForward",
		"metadata": map[string]any{"name": ns},
		"spec": map[string]any{
			"selector": map[string]any{"matchNamespaces": []any{ns}},
			"forwards": []any{map[string]any{"ports": []any{int64(80)}, "target": map[string]any{"address": echo.IP.String(), "port": int64(echo.Port)}}},
		},
	}}
	if _, err := c.Dynamic.Resource(gvr).Create(ctx, cpf, metav1.CreateOptions{}); err != nil {
		return "", cleanup, fmt.Errorf("create ClusterPortForward: %w", err)
	}
	sel := map[string]string{meta.LabelService: "web"}
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: sel},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}},
			},
		},
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
		return err == nil, nil // the namespace's service account may lag
	})
	if err != nil {
		return "", cleanup, fmt.Errorf("create deployment: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		t, err := k8s.ResolveTarget(ctx, c.Typed, ns, "web")
		if err != nil {
			return false, nil
		}
		pods, err := t.Pods(ctx, c.Typed)
		if err != nil {
			return false, nil
		}
		p, ok := k8s.ReadyPod(pods)
		pod = p.Name
		return ok, nil
	})
	return pod, cleanup, err
}

// startForwarder runs a forwarding process until stop and returns the
// local address its output names (the first group of re).
func startForwarder(ctx context.Context, re *regexp.Regexp, name string, args ...string) (addr string, stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return "", nil, err
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, err
	}
	stop = func() { cancel(); _ = cmd.Wait() }
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		close(found)
	}()
	select {
	case a, ok := <-found:
		if ok {
			return a, stop, nil
		}
	case <-time.After(time.Minute):
	}
	stop()
	return "", nil, fmt.Errorf("no forward address in its output; stderr: %s", tail(errb.String(), 1000))
}

// roundTrips sends n requests of size bytes on one connection and times
// each echo.
func roundTrips(addr string, n, size int) ([]time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	req, resp := make([]byte, size), make([]byte, size)
	for i := range req {
		req[i] = byte('a' + i%26)
	}
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := conn.Write(req); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(conn, resp); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

// dialRoundTrip times a new connection's first request and echo.
func dialRoundTrip(addr string, size int) (time.Duration, error) {
	t0 := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	buf := make([]byte, size)
	if _, err := conn.Write(buf); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(conn, buf); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// serveEcho echoes every connection of l until it closes.
func serveEcho(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// percentile is the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// us formats a duration in microseconds.
func us(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) + " µs" }
