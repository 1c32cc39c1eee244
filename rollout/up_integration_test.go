package rollout_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/rollout"
)

// render loads the app in dir and renders its environment.
func render(t *testing.T, dir string) (envs.Env, []*unstructured.Unstructured) {
	t.Helper()
	app, err := envs.LoadApp(context.Background(), envs.AppOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	env, err := app.Env(envs.Overrides{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	objs, err := app.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	return env, objs
}

// recorder collects Up's events.
type recorder struct {
	mu     sync.Mutex
	events []rollout.Event
}

func (r *recorder) add(e rollout.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

// index returns the position of the first event for object in phase, or -1.
func (r *recorder) index(object string, phase rollout.UpPhase) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.events {
		if e.Object == object && e.Phase == phase {
			return i
		}
	}
	return -1
}

func up(t *testing.T, c *k8s.Client, env envs.Env, objs []*unstructured.Unstructured) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env.Namespace, metav1.DeleteOptions{})
	})
	err := rollout.Up(context.Background(), c, rollout.UpOptions{Env: env, Objects: objs, Timeout: 90 * time.Second, Progress: rec.add})
	return rec, err
}

func jobName(objs []*unstructured.Unstructured, service string) string {
	for _, o := range objs {
		if o.GetKind() == "Job" && o.GetLabels()["berth.dev/service"] == service {
			return o.GetName()
		}
	}
	return ""
}

// TestUpExample deploys examples/shop from a branch with an awkward 80-char
// name and checks the whole contract of `berth up`.
func TestUpExample(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	branch := "Feature/ÜBER_long-branch-name-for-the-checkout-rework-" + testcluster.UniqueName("x")
	branch += strings.Repeat("-z", (80-len(branch))/2)
	dir := testcluster.ExampleRepo(t, "shop", branch, nil)
	env, objs := render(t, dir)
	rec, err := up(t, c, env, objs)
	if err != nil {
		t.Fatalf("up: %v", err)
	}

	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validation.IsDNS1123Label(ns.Name); len(errs) > 0 {
		t.Errorf("namespace %q invalid: %v", ns.Name, errs)
	}
	if !strings.HasPrefix(ns.Name, "dev-shop-feature-uber-long-branch") {
		t.Errorf("namespace %q does not follow <prefix>-<project>-<branch>", ns.Name)
	}
	for k, want := range map[string]string{meta.LabelManagedBy: "berth", meta.LabelProject: "shop"} {
		if ns.Labels[k] != want {
			t.Errorf("namespace label %s = %q, want %q", k, ns.Labels[k], want)
		}
	}
	if got := ns.Annotations[meta.AnnotationBranch]; got != branch {
		t.Errorf("branch annotation %q, want %q", got, branch)
	}
	if got := ns.Annotations[meta.AnnotationOwner]; got != "dev@example.com" {
		t.Errorf("owner annotation %q", got)
	}
	if len(ns.Annotations[meta.AnnotationCommit]) != 40 {
		t.Errorf("commit annotation %q", ns.Annotations[meta.AnnotationCommit])
	}
	for _, k := range []string{meta.AnnotationCreatedAt, meta.AnnotationLastDeploy, meta.AnnotationExpiresAt} {
		if _, err := time.Parse(time.RFC3339, ns.Annotations[k]); err != nil {
			t.Errorf("annotation %s: %v", k, err)
		}
	}

	// The migration completed before any app Deployment was created: in
	// berth's order and on the cluster's clock (its pod's exit, which the
	// Job's completion time records up to a second later: the Job
	// controller batches pod updates), and the Job is complete.
	migrate := jobName(objs, "migrate")
	migrated := rec.index("Job/"+migrate, rollout.UpReady)
	if migrated < 0 {
		t.Fatalf("no ready event for Job/%s", migrate)
	}
	job, err := c.Typed.BatchV1().Jobs(env.Namespace).Get(ctx, migrate, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.CompletionTime == nil {
		t.Fatalf("job %s has no completion time", migrate)
	}
	finished := jobFinished(t, c, env.Namespace, migrate)
	for _, app := range []string{"web", "worker"} {
		if applied := rec.index("Deployment/"+app, rollout.UpApplied); applied < migrated {
			t.Errorf("Deployment/%s applied (event %d) before Job/%s completed (event %d)", app, applied, migrate, migrated)
		}
		d, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(ctx, app, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.CreationTimestamp.Time.Before(finished) {
			t.Errorf("Deployment %s created %s, before the migration's pod finished %s", app, d.CreationTimestamp, finished)
		}
	}

	// All app pods Ready, on spot nodes.
	pods, err := c.Typed.CoreV1().Pods(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		running++
		if !strings.HasPrefix(p.Spec.NodeName, "kwok-spot-") {
			t.Errorf("pod %s on %q, want a spot node", p.Name, p.Spec.NodeName)
		}
		ready := false
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			t.Errorf("pod %s not Ready", p.Name)
		}
	}
	if running != 5 { // web, worker×2, db, cache
		t.Errorf("want 5 app pods, got %d", running)
	}

	// A re-run converges without changing any object but the namespace's
	// last-deploy annotation.
	before := resourceVersions(t, c, env.Namespace)
	env2, objs2 := render(t, dir)
	if _, err := up(t, c, env2, objs2); err != nil {
		t.Fatalf("second up: %v", err)
	}
	after := resourceVersions(t, c, env.Namespace)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed on a converging re-run (rv %s → %s)", k, v, after[k])
		}
	}
	if len(after) != len(before) {
		t.Errorf("re-run changed the object set: %d → %d objects", len(before), len(after))
	}

	// A service removed from compose is pruned on the next up; the rest stays.
	removeService(t, filepath.Join(dir, "compose.yaml"), "worker")
	env3, objs3 := render(t, dir)
	rec3, err := up(t, c, env3, objs3)
	if err != nil {
		t.Fatalf("third up: %v", err)
	}
	if rec3.index("Deployment.apps/"+env.Namespace+"/worker", rollout.UpPruned) < 0 {
		t.Errorf("no prune event for the worker Deployment: %+v", rec3.events)
	}
	waitGone(t, func(ctx context.Context) error {
		_, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(ctx, "worker", metav1.GetOptions{})
		return err
	})
	if _, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("web was touched by the prune: %v", err)
	}
	// The inventory recorded after the prune no longer lists the worker.
	nsObj, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := rollout.DecodeInventory(nsObj.Annotations[meta.AnnotationInventory])
	if err != nil {
		t.Fatal(err)
	}
	if want := rollout.NewInventory(objs3); len(inv) != len(want) {
		t.Errorf("inventory after the prune has %d objects, want %d: %v", len(inv), len(want), inv)
	}
	for _, r := range inv {
		if r.Name == "worker" {
			t.Errorf("inventory still lists %v after the prune", r)
		}
	}
}

// jobFinished returns when the last container of the succeeded pods of
// Job job finished (the cluster's clock, whole seconds).
func jobFinished(t *testing.T, c *k8s.Client, ns, job string) time.Time {
	t.Helper()
	pods, err := c.Typed.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodSucceeded {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if term := cs.State.Terminated; term != nil && term.FinishedAt.After(last) {
				last = term.FinishedAt.Time
			}
		}
	}
	if last.IsZero() {
		t.Fatalf("job %s has no succeeded pod with a finished container", job)
	}
	return last
}

// resourceVersions maps every berth object of the env (but the namespace) to
// its resourceVersion.
func resourceVersions(t *testing.T, c *k8s.Client, ns string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	sel := metav1.ListOptions{LabelSelector: meta.LabelEnv + "=" + ns}
	deps, err := c.Typed.AppsV1().Deployments(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		out["Deployment/"+d.Name] = d.ResourceVersion
	}
	jobs, err := c.Typed.BatchV1().Jobs(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		out["Job/"+j.Name] = j.ResourceVersion
	}
	svcs, err := c.Typed.CoreV1().Services(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		out["Service/"+s.Name] = s.ResourceVersion
	}
	cms, err := c.Typed.CoreV1().ConfigMaps(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		out["ConfigMap/"+cm.Name] = cm.ResourceVersion
	}
	secrets, err := c.Typed.CoreV1().Secrets(ns).List(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		out["Secret/"+s.Name] = s.ResourceVersion
	}
	return out
}

// removeService deletes a top-level service block from a compose file
// (two-space indented, as in examples/shop).
func removeService(t *testing.T, path, name string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	skipping := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case line == "  "+name+":":
			skipping = true
			continue
		case skipping && (strings.HasPrefix(line, "    ") || line == ""):
			continue
		}
		skipping = false
		out = append(out, line)
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func waitGone(t *testing.T, get func(context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if err := get(context.Background()); apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("object still present after 30s")
}

// simulate labels the pod template of the named service's workload or Job
// with berth.dev/simulate=mode (the local cluster's failure simulation).
func simulate(t *testing.T, objs []*unstructured.Unstructured, service, mode string) {
	t.Helper()
	for _, o := range objs {
		if o.GetLabels()["berth.dev/service"] != service || (o.GetKind() != "Job" && o.GetKind() != "Deployment") {
			continue
		}
		labels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
		if labels == nil {
			labels = map[string]string{}
		}
		labels["berth.dev/simulate"] = mode
		if err := unstructured.SetNestedStringMap(o.Object, labels, "spec", "template", "metadata", "labels"); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no workload for service %s", service)
}

// TestUpFailingMigration: a migration that fails stops the up with the
// Job's reason, before any app Deployment exists.
func TestUpFailingMigration(t *testing.T) {
	c := testcluster.Client(t)
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("failing-migration"), nil)
	env, objs := render(t, dir)
	simulate(t, objs, "migrate", "fail")
	_, err := up(t, c, env, objs)
	var ue *rollout.UpError
	if !errors.As(err, &ue) {
		t.Fatalf("want an *UpError, got %v", err)
	}
	if !ue.NotReady() || !strings.Contains(ue.Object, "Job/migrate-") || !strings.Contains(ue.Reason, "job failed") {
		t.Fatalf("want the migrate Job's failure, got %v", err)
	}
	if !strings.Contains(err.Error(), "simulated failure") {
		t.Errorf("error lacks the pod's termination message: %v", err)
	}
	for _, app := range []string{"web", "worker"} {
		_, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(context.Background(), app, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("Deployment %s exists after a failed migration (err %v)", app, err)
		}
	}
}

// TestUpCrashLoop: a crashlooping service is reported as such.
func TestUpCrashLoop(t *testing.T) {
	c := testcluster.Client(t)
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("crashloop"), nil)
	env, objs := render(t, dir)
	simulate(t, objs, "web", "crashloop")
	_, err := up(t, c, env, objs)
	var ue *rollout.UpError
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "CrashLoopBackOff") || ue.Object != "Deployment/web" {
		t.Fatalf("want Deployment/web in CrashLoopBackOff, got %v", err)
	}
}

// TestUpRefusesForeignNamespace: a namespace berth does not own is left
// exactly as it was.
func TestUpRefusesForeignNamespace(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("foreign"), nil)
	env, objs := render(t, dir)
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: env.Namespace, Labels: map[string]string{"team": "payments"}}}
	if _, err := c.Typed.CoreV1().Namespaces().Create(ctx, foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = up(t, c, env, objs)
	var no *envs.NotOwnedError
	if !errors.As(err, &no) {
		t.Fatalf("want NotOwnedError, got %v", err)
	}
	after, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("foreign namespace modified: rv %s → %s", before.ResourceVersion, after.ResourceVersion)
	}
	deps, err := c.Typed.AppsV1().Deployments(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 0 {
		t.Errorf("objects created in a foreign namespace: %d deployments", len(deps.Items))
	}
}

// TestUpWakesSleepingEnv: deploying a sleeping env wakes it: the sleeping
// marker and the remembered replicas are cleared, the workloads scale back.
func TestUpWakesSleepingEnv(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("sleepy"), nil)
	env, objs := render(t, dir)
	if _, err := up(t, c, env, objs); err != nil {
		t.Fatal(err)
	}
	if _, err := lifecycle.Sleep(ctx, c, env.Namespace, env.Project); err != nil {
		t.Fatal(err)
	}
	env2, objs2 := render(t, dir)
	if _, err := up(t, c, env2, objs2); err != nil {
		t.Fatalf("up of a sleeping env: %v", err)
	}
	ns, err := c.Typed.CoreV1().Namespaces().Get(ctx, env.Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Annotations[meta.AnnotationSleeping] == "true" {
		t.Error("namespace still marked sleeping after up")
	}
	d, err := c.Typed.AppsV1().Deployments(env.Namespace).Get(ctx, "worker", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 || d.Status.ReadyReplicas != 2 {
		t.Errorf("worker replicas %v ready %d after up, want 2/2", d.Spec.Replicas, d.Status.ReadyReplicas)
	}
	if _, ok := d.Annotations[meta.AnnotationReplicas]; ok {
		t.Error("remembered replicas annotation left on worker")
	}
}

// TestUpConcurrent: two ups of the same branch at once end with one correct
// environment: both succeed, one namespace, one migration Job, all Ready.
func TestUpConcurrent(t *testing.T) {
	c := testcluster.Client(t)
	ctx := context.Background()
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("twice"), nil)
	env, objs1 := render(t, dir)
	_, objs2 := render(t, dir)
	t.Cleanup(func() {
		_ = c.Typed.CoreV1().Namespaces().Delete(context.Background(), env.Namespace, metav1.DeleteOptions{})
	})
	errs := make(chan error, 2)
	for _, objs := range [][]*unstructured.Unstructured{objs1, objs2} {
		go func() {
			errs <- rollout.Up(ctx, c, rollout.UpOptions{Env: env, Objects: objs, Timeout: 90 * time.Second})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent up: %v", err)
		}
	}
	jobs, err := c.Typed.BatchV1().Jobs(env.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "berth.dev/service=migrate"})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 1 || jobs.Items[0].Status.Succeeded != 1 {
		t.Errorf("want one succeeded migration Job, got %d", len(jobs.Items))
	}
	deps, err := c.Typed.AppsV1().Deployments(env.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps.Items {
		if d.Spec.Replicas == nil || d.Status.ReadyReplicas != *d.Spec.Replicas {
			t.Errorf("deployment %s: %d ready of %v", d.Name, d.Status.ReadyReplicas, d.Spec.Replicas)
		}
	}
	if len(deps.Items) != 4 {
		t.Errorf("want 4 deployments, got %d", len(deps.Items))
	}
}

// TestUpAfterFixingCrashLoop: once the crash is fixed, the next up succeeds
// although the previous rollout's pods are still crashlooping while the new
// ones start: only pods of this up's rollout count.
func TestUpAfterFixingCrashLoop(t *testing.T) {
	c := testcluster.Client(t)
	dir := testcluster.ExampleRepo(t, "shop", testcluster.UniqueName("fixed"), nil)
	env, objs := render(t, dir)
	simulate(t, objs, "web", "crashloop")
	if _, err := up(t, c, env, objs); err == nil || !strings.Contains(err.Error(), "CrashLoopBackOff") {
		t.Fatalf("first up: want CrashLoopBackOff, got %v", err)
	}
	env2, fixed := render(t, dir)
	if _, err := up(t, c, env2, fixed); err != nil {
		t.Fatalf("up after the fix: %v", err)
	}
}
