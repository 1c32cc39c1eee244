package k8s_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/status"
)

// scoped creates a test namespace carrying a unique label and returns it
// with the selector that picks it and the objects labelled alike, so each
// test watches only its own objects.
func scoped(t *testing.T, c *k8s.Client, prefix string) (ns, key, val string) {
	t.Helper()
	ns = testcluster.Namespace(t, c, prefix)
	key, val = "berth.dev/it", ns
	patch := []byte(`{"metadata":{"labels":{"` + key + `":"` + val + `"}}}`)
	if _, err := c.Typed.CoreV1().Namespaces().Patch(context.Background(), ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("label namespace: %v", err)
	}
	return ns, key, val
}

func startWatcher(t *testing.T, cs kube.Interface, sel string) *k8s.Watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := k8s.NewWatcher(cs, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel})
	w.Start(ctx)
	return w
}

func waitSnap(t *testing.T, w *k8s.Watcher, timeout time.Duration, what string, cond func(*k8s.Snapshot) bool) *k8s.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := w.WaitFor(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v\nlast snapshot: conn %+v resources %+v workloads %+v pods %+v", what, err, s.Connection, s.Resources, s.Workloads, s.Pods)
	}
	return s
}

func deploy(name string, replicas int32, labels map[string]string, spot bool) *appsv1.Deployment {
	pl := map[string]string{"app": name}
	for k, v := range labels {
		pl[k] = v
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "example/" + name + ":1"}}}
	if spot {
		spec.Tolerations = []corev1.Toleration{{Key: k8s.LabelKarpenterCapacityType, Value: "spot", Effect: corev1.TaintEffectNoSchedule}}
		spec.NodeSelector = map[string]string{k8s.LabelKarpenterCapacityType: "spot"}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pl}, Spec: spec},
		},
	}
}

func podsOf(s *k8s.Snapshot, ns, owner string) []k8s.Pod {
	var out []k8s.Pod
	for _, p := range s.PodsIn(ns) {
		if p.OwnerName == owner {
			out = append(out, p)
		}
	}
	return out
}

// TestWatchIntegration drives real objects through the local cluster and
// sees every change arrive in snapshots: rollouts on spot nodes, a job's
// result, simulated failures, a scale-down, events of the opened env, logs.
func TestWatchIntegration(t *testing.T) {
	c := testcluster.Client(t)
	ns, key, val := scoped(t, c, "watch")
	sel := key + "=" + val
	lbl := map[string]string{key: val}
	w := startWatcher(t, c.Typed, sel)
	ctx := context.Background()

	s := waitSnap(t, w, 30*time.Second, "namespace and nodes", func(s *k8s.Snapshot) bool {
		_, ok := s.Namespace(ns)
		return ok && len(s.Nodes) >= 5 && s.Resources[k8s.ResourcePods].Synced
	})
	if !s.Connection.Connected {
		t.Errorf("connection %+v, want connected", s.Connection)
	}
	if st := status.Of(s, ns); st.Phase != status.PhaseEmpty {
		t.Errorf("empty env phase %q, want Empty", st.Phase)
	}

	for _, d := range []*appsv1.Deployment{
		deploy("web", 2, lbl, true),
		deploy("crash", 1, map[string]string{key: val, "berth.dev/simulate": "crashloop"}, false),
		deploy("pull", 1, map[string]string{key: val, "berth.dev/simulate": "imagepull"}, false),
	} {
		if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "migrate", Labels: lbl},
		Spec: batchv1.JobSpec{BackoffLimit: ptr.To(int32(0)), Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: lbl},
			Spec:       corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "main", Image: "example/migrate:1"}}},
		}},
	}
	if _, err := c.Typed.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	s = waitSnap(t, w, 90*time.Second, "web ready on spot, job complete, failures visible", func(s *k8s.Snapshot) bool {
		var webReady bool
		for _, wl := range s.WorkloadsIn(ns) {
			if wl.Name == "web" && wl.Ready == 2 && wl.Available == 2 && wl.Updated == 2 {
				webReady = true
			}
		}
		var jobDone bool
		for _, j := range s.JobsIn(ns) {
			jobDone = jobDone || j.Name == "migrate" && j.Result == k8s.JobComplete
		}
		crash, pull := podsOf(s, ns, "crash"), podsOf(s, ns, "pull")
		return webReady && jobDone && len(podsOf(s, ns, "web")) == 2 &&
			len(crash) == 1 && crash[0].Reason == "CrashLoopBackOff" &&
			len(pull) == 1 && (pull[0].Reason == "ErrImagePull" || pull[0].Reason == "ImagePullBackOff")
	})
	for _, p := range podsOf(s, ns, "web") {
		if p.OwnerKind != "Deployment" || p.Phase != "Running" || p.Ready != 1 || p.Total != 1 {
			t.Errorf("web pod %+v", p)
		}
		if got := s.NodeCapacity(p.Node); got != k8s.CapacitySpot {
			t.Errorf("web pod %s on %s (%q), want a spot node", p.Name, p.Node, got)
		}
	}
	for _, j := range s.JobsIn(ns) {
		if j.Start.IsZero() || j.Completion.IsZero() || j.Succeeded != 1 {
			t.Errorf("job %+v", j)
		}
	}
	st := status.Of(s, ns)
	if st.Phase != status.PhaseFailed || (!strings.Contains(st.Reason, "CrashLoopBackOff") && !strings.Contains(st.Reason, "Image")) {
		t.Errorf("status %s (%s), want Failed with a pod reason", st.Phase, st.Reason)
	}
	if st.Spot < 2 || st.OnDemand < 1 {
		t.Errorf("spot %d on-demand %d: want web's 2 pods on spot, the others on-demand", st.Spot, st.OnDemand)
	}

	// Fix the env: remove the broken deployments; the status turns Ready.
	for _, name := range []string{"crash", "pull"} {
		if err := c.Typed.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}); err != nil {
			t.Fatal(err)
		}
	}
	waitSnap(t, w, 60*time.Second, "env Ready once the broken workloads are gone", func(s *k8s.Snapshot) bool {
		st := status.Of(s, ns)
		return st.Phase == status.PhaseReady && st.Ready == 2 && st.Total == 2 && len(s.PodsIn(ns)) == 3 // web ×2 + the job's pod
	})

	// Scale down: the transition arrives through the watch.
	if _, err := c.Typed.AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 60*time.Second, "web scaled to 1", func(s *k8s.Snapshot) bool {
		return len(podsOf(s, ns, "web")) == 1 && status.Of(s, ns).Label() == "Ready 1/1"
	})

	// Events only for the opened env.
	if len(w.Snapshot().Events) != 0 {
		t.Errorf("events before opening the env: %d", len(w.Snapshot().Events))
	}
	w.OpenEvents(ns)
	s = waitSnap(t, w, 30*time.Second, "events of the env", func(s *k8s.Snapshot) bool {
		return s.EventsNamespace == ns && len(s.Events) > 0 && s.Resources[k8s.ResourceEvents].Synced
	})
	for i, e := range s.Events {
		if e.Namespace != ns {
			t.Errorf("event of another namespace: %+v", e)
		}
		if i > 0 && e.Last.After(s.Events[i-1].Last) {
			t.Errorf("events not newest first at %d", i)
		}
	}
	w.OpenEvents("")
	waitSnap(t, w, 10*time.Second, "events closed", func(s *k8s.Snapshot) bool { return s.EventsNamespace == "" && len(s.Events) == 0 })

	// Logs of a running pod: a tail, then a follow that stops on cancel.
	pod := podsOf(w.Snapshot(), ns, "web")[0].Name
	var lines []string
	if err := k8s.StreamLogs(ctx, c.Typed, k8s.LogOptions{Namespace: ns, Pod: pod, Container: "main", TailLines: 2}, func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatalf("logs: %v", err)
	}
	if len(lines) != 2 {
		t.Errorf("tail 2 gave %d lines: %q", len(lines), lines)
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- k8s.StreamLogs(fctx, c.Typed, k8s.LogOptions{Namespace: ns, Pod: pod, Follow: true}, func(string) { cancel() })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("follow ended with %v, want nil after cancel", err)
		}
	case <-time.After(30 * time.Second):
		cancel()
		t.Error("follow did not return after cancel")
	}

	// Rollout restart patches the template; a new ReplicaSet rolls out.
	restarted, err := k8s.RestartWorkloads(ctx, c.Typed, ns, sel, time.Now())
	if err != nil || len(restarted) != 1 {
		t.Fatalf("restart: %v %v", restarted, err)
	}
	waitSnap(t, w, 60*time.Second, "restart rolled out", func(s *k8s.Snapshot) bool {
		for _, wl := range s.WorkloadsIn(ns) {
			if wl.Name == "web" && wl.Generation >= 3 && wl.ObservedGeneration == wl.Generation {
				state, _ := status.Rollout(wl)
				return state == status.RolloutComplete && len(podsOf(s, ns, "web")) == 1
			}
		}
		return false
	})

	// Deleting the namespace shows Terminating, then the env disappears.
	if err := c.Typed.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, w, 10*time.Second, "env terminating", func(s *k8s.Snapshot) bool {
		st := status.Of(s, ns)
		return st.Phase == status.PhaseTerminating || st.Phase == status.PhaseMissing
	})
	waitSnap(t, w, 60*time.Second, "env gone", func(s *k8s.Snapshot) bool {
		_, ok := s.Namespace(ns)
		return !ok && len(s.PodsIn(ns)) == 0 && len(s.WorkloadsIn(ns)) == 0
	})
}

// TestWatchIntegrationForbidden watches as a user who may read namespaces
// and pods but not nodes or jobs: those two carry an error, the rest works.
func TestWatchIntegrationForbidden(t *testing.T) {
	c := testcluster.Client(t)
	ns, key, val := scoped(t, c, "rbac")
	ctx := context.Background()
	user := "rbac-" + ns
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces", "pods", "events"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: user}},
	}
	if _, err := c.Typed.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Typed.RbacV1().ClusterRoles().Delete(context.Background(), user, metav1.DeleteOptions{}) })
	if _, err := c.Typed.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Typed.RbacV1().ClusterRoleBindings().Delete(context.Background(), user, metav1.DeleteOptions{})
	})

	cfg := rest.CopyConfig(c.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	cs, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy("web", 1, map[string]string{key: val}, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := startWatcher(t, cs, key+"="+val)
	s := waitSnap(t, w, 60*time.Second, "forbidden nodes and jobs, visible pods", func(s *k8s.Snapshot) bool {
		return s.Resources[k8s.ResourceNodes].Forbidden && s.Resources[k8s.ResourceJobs].Forbidden &&
			len(s.PodsIn(ns)) == 1 && s.PodsIn(ns)[0].Phase == "Running" &&
			status.Of(s, ns).Phase == status.PhaseReady // the Deployment's status may trail its pod
	})
	if got := s.Errors(); len(got) != 2 {
		t.Errorf("Errors() = %v, want jobs and nodes", got)
	}
	if !s.Connection.Connected {
		t.Errorf("an RBAC refusal is not a lost connection: %+v", s.Connection)
	}
	if st := status.Of(s, ns); st.Phase != status.PhaseReady || st.Others != 1 {
		t.Errorf("status %+v: want Ready with the pod's capacity unknown", st)
	}
}

// proxy forwards TCP to the API server and can cut every connection, to
// simulate losing the network.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *proxy) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

// cut stops listening and drops every connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestWatchIntegrationConnectionLoss cuts the connection to the API server:
// the snapshot says disconnected; after it returns, informers re-watch and
// an object created meanwhile shows up.
func TestWatchIntegrationConnectionLoss(t *testing.T) {
	c := testcluster.Client(t)
	ns, key, val := scoped(t, c, "conn")
	ctx := context.Background()

	host := strings.TrimPrefix(c.Config.Host, "https://")
	p := &proxy{addr: "127.0.0.1:0", target: host}
	p.start(t)
	t.Cleanup(p.cut)
	cfg := rest.CopyConfig(c.Config)
	cfg.Host = "https://" + p.addr
	cfg.Timeout = 5 * time.Second
	cs, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := startWatcher(t, cs, key+"="+val)
	waitSnap(t, w, 30*time.Second, "connected and synced", func(s *k8s.Snapshot) bool {
		_, ok := s.Namespace(ns)
		return ok && s.Connection.Connected && s.Resources[k8s.ResourcePods].Synced
	})

	p.cut()
	s := waitSnap(t, w, 30*time.Second, "disconnected", func(s *k8s.Snapshot) bool { return !s.Connection.Connected })
	if s.Connection.Err == "" || s.Connection.Since.IsZero() {
		t.Errorf("disconnected state without error or time: %+v", s.Connection)
	}
	if _, ok := s.Namespace(ns); !ok {
		t.Error("the last known objects must stay while disconnected")
	}

	if _, err := c.Typed.AppsV1().Deployments(ns).Create(ctx, deploy("late", 1, map[string]string{key: val}, false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p.start(t) // same address again
	waitSnap(t, w, 90*time.Second, "reconnected with the object created while away", func(s *k8s.Snapshot) bool {
		return s.Connection.Connected && len(s.WorkloadsIn(ns)) == 1 && len(s.PodsIn(ns)) == 1
	})
}
