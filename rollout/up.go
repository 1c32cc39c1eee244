package rollout

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/lifecycle"
	"github.com/berth-dev/berth/meta"
)

// UpOptions configure Up.
type UpOptions struct {
	Env     envs.Env
	Objects []*unstructured.Unstructured // rendered by Overlay; starts with the Namespace
	// Timeout bounds each wait (a step, or one service of a workload
	// step from its apply); default 5m.
	Timeout time.Duration
	// Parallel is how many objects of a step (of one service in a workload
	// step) are applied at once; default 16.
	Parallel int
	// Progress, when set, receives every event; it must not block for long.
	Progress func(Event)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Start, when set, is when the up began (events' Elapsed count from
	// it): the images step runs before Up.
	Start time.Time
	// Changed, when set, deploys only the services that differ from a
	// baseline env and borrows the others (PlanChanged).
	Changed *ChangedOptions
}

// Up creates or converges the environment: namespace, quotas, config and
// services, pre-deploy Jobs (waiting for each), workloads in depends_on order
// (waiting per condition), then the full rollout, and finally prunes what the
// previous up applied but the app no longer has. The workload steps of Plan
// run service by service (runUnits): a service is applied once each
// service it depends on is released — applied, its Job's pods succeeded,
// its new workload's pods Ready — not once the whole step before it is
// done; a step is done when all its Jobs are Complete and its workloads
// rolled out. It refuses a namespace berth
// does not own. First of all, a preflight (Preflight) sizes the quota and
// checks the app fits it: if not, Up fails with a *PreflightError before
// anything is applied. A failure later is an *UpError naming the object
// and the reason.
func Up(ctx context.Context, c *k8s.Client, o UpOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	start := o.Start
	if start.IsZero() {
		start = o.Now()
	}
	u := &upRun{c: c, o: o, ns: o.Env.Namespace, start: start, applied: map[string]int64{}, before: map[string]rolloutBefore{},
		own: newUpObjects(o.Objects), last: map[string]string{}}
	return u.run(ctx)
}

type upRun struct {
	c     *k8s.Client
	o     UpOptions
	ns    string
	start time.Time
	prev  Inventory
	w     *k8s.Watcher
	// applied is the generation each object (by objName) had after this up
	// applied it: a wait trusts no older snapshot.
	applied map[string]int64
	// before is each workload (by objName) as it was before the apply: a
	// changed workload's old pods say nothing about the new rollout.
	before map[string]rolloutBefore
	own    upObjects
	// last is what was last reported of each object (by objName) while
	// its unit ran: "ready" or why it waits.
	last   map[string]string
	emitMu sync.Mutex // Progress is called one event at a time
}

// rolloutBefore is a workload as the watcher saw it just before this up
// applied it: its generation and the revisions (pod-template-hash or
// controller-revision-hash) of its pods then.
type rolloutBefore struct {
	generation int64
	revisions  map[string]bool
}

// podRevision is the controller revision a pod belongs to.
func podRevision(p k8s.Pod) string {
	if h := p.Labels["pod-template-hash"]; h != "" {
		return h
	}
	return p.Labels["controller-revision-hash"]
}

// recordBefore returns, for each workload of objs, its generation and pod
// revisions before the apply, once the watcher has listed pods and
// workloads (so nothing present is missed).
func (u *upRun) recordBefore(ctx context.Context, objs []*unstructured.Unstructured) map[string]rolloutBefore {
	synced := func(s *k8s.Snapshot) bool {
		for _, r := range []k8s.Resource{k8s.ResourcePods, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceDaemonSets} {
			if !s.Resources[r].Synced {
				return false
			}
		}
		return true
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	snap, _ := u.w.WaitFor(sctx, synced)
	out := map[string]rolloutBefore{}
	for _, obj := range objs {
		for _, w := range snap.WorkloadsIn(obj.GetNamespace()) {
			if w.Kind != obj.GetKind() || w.Name != obj.GetName() {
				continue
			}
			b := rolloutBefore{generation: w.Generation, revisions: map[string]bool{}}
			for _, p := range snap.PodsIn(w.Namespace) {
				if p.OwnerKind == w.Kind && p.OwnerName == w.Name {
					b.revisions[podRevision(p)] = true
				}
			}
			out[objName(obj)] = b
		}
	}
	return out
}

func (u *upRun) emit(e Event) {
	if u.o.Progress == nil {
		return
	}
	u.emitMu.Lock()
	defer u.emitMu.Unlock()
	e.Time = u.o.Now()
	e.Elapsed = e.Time.Sub(u.start)
	u.o.Progress(e)
}

func (u *upRun) run(ctx context.Context) error {
	if err := u.planChanged(ctx); err != nil {
		return err
	}
	if err := u.preflight(ctx); err != nil {
		return err
	}
	if err := u.readNamespace(ctx); err != nil {
		return err
	}
	steps, members, err := plan(u.o.Objects)
	if err != nil {
		return err
	}
	// The namespace step, first, records the union of the previous and the
	// new inventory before anything else is applied, so an interrupted up
	// never leaves objects no inventory knows about.
	newInv := NewInventory(u.o.Objects)
	union := u.prev.Union(newInv)
	if _, err := annotateInventory(steps, union); err != nil {
		return err
	}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The env's watch, of its namespace only (what a developer's narrow
	// grant allows); it starts once the namespace step has bound the
	// developers' role there, nothing waits before.
	sel := meta.LabelEnv + "=" + u.ns
	u.w = k8s.NewWatcher(u.c.Typed, k8s.WatchOptions{NamespaceSelector: sel, ObjectSelector: sel, Namespace: u.ns, Debounce: 5 * time.Millisecond})
	u.w.OpenEvents(u.ns)
	started := false

	// Workload steps run unit by unit (runUnits) as depends_on allows; the
	// others (namespace, quota, config, rollout) one after the other.
	for i := 0; i < len(steps); {
		if !started && steps[i].Name != "namespace" {
			u.w.Start(wctx)
			started = true
		}
		if members[i] == nil {
			if err := u.runStep(ctx, steps[i]); err != nil {
				u.emit(Event{Step: steps[i].Name, Phase: UpFailed, Message: err.Error()})
				return err
			}
			i++
			continue
		}
		j := i
		for j < len(steps) && members[j] != nil {
			j++
		}
		if err := u.runUnits(ctx, units(steps[i:j], members[i:j])); err != nil {
			return err
		}
		i = j
	}
	if err := u.prune(ctx); err != nil {
		return err
	}
	if len(union) != len(newInv) { // the union holds pruned objects: drop them
		ns, err := annotateInventory(steps, newInv)
		if err != nil {
			return err
		}
		if _, err := u.c.Apply(ctx, ns); err != nil {
			return err
		}
	}
	u.emit(Event{Step: "done", Phase: UpDone, Message: fmt.Sprintf("environment %s ready", u.ns)})
	return nil
}

// readNamespace refuses a namespace berth does not own (lifecycle.OwnedNamespace)
// and keeps the created-at of an existing environment.
func (u *upRun) readNamespace(ctx context.Context) error {
	ns, err := lifecycle.OwnedNamespace(ctx, u.c, u.ns, u.o.Env.Project)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	if ns.DeletionTimestamp != nil {
		return fmt.Errorf("namespace %s is being deleted; run up again once it is gone", u.ns)
	}
	// A deploy wakes a sleeping env: clear the marker and remembered replicas.
	if ns.Annotations[meta.AnnotationSleeping] == "true" {
		if _, err := lifecycle.Wake(ctx, u.c, u.ns, u.o.Env.Project); err != nil {
			return fmt.Errorf("wake %s before deploying: %w", u.ns, err)
		}
		u.emit(Event{Step: "namespace", Object: "Namespace/" + u.ns, Phase: UpApplied, Message: "woken from sleep"})
	}
	if raw := ns.Annotations[meta.AnnotationInventory]; raw != "" {
		inv, err := DecodeInventory(raw)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", u.ns, err)
		}
		u.prev = inv
	}
	u.o.Env = u.o.Env.WithExisting(ns.Annotations)
	// The namespace object was rendered before we saw the existing one.
	for _, obj := range u.o.Objects {
		if obj.GetKind() == "Namespace" && obj.GetName() == u.ns {
			ann := obj.GetAnnotations()
			if ann == nil {
				ann = map[string]string{}
			}
			for k, v := range u.o.Env.Annotations() {
				ann[k] = v
			}
			obj.SetAnnotations(ann)
		}
	}
	return nil
}

// annotateInventory sets the inventory annotation on the rendered
// Namespace and returns it; the namespace step (or the caller) applies it.
func annotateInventory(steps []Step, inv Inventory) (*unstructured.Unstructured, error) {
	var ns *unstructured.Unstructured
	for _, s := range steps {
		for _, obj := range s.Objects {
			if obj.GetKind() == "Namespace" {
				ns = obj
			}
		}
	}
	if ns == nil {
		return nil, fmt.Errorf("rendered objects hold no Namespace")
	}
	enc, err := inv.Encode()
	if err != nil {
		return nil, err
	}
	ann := ns.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[meta.AnnotationInventory] = enc
	ns.SetAnnotations(ann)
	return ns, nil
}

func (u *upRun) runStep(ctx context.Context, s Step) error {
	t := u.o.Now()
	u.emit(Event{Step: s.Name, Phase: UpStarted, Message: stepSummary(s)})
	if !s.WaitOnly {
		created := false
		if s.Name == "namespace" {
			// Create, grant, then apply: a developer's patch of the
			// namespace comes from the RoleBinding (developers.go).
			var err error
			if created, err = u.createNamespace(ctx); err != nil {
				return err
			}
			if err := u.bindDevelopers(ctx); err != nil {
				return err
			}
		}
		if err := u.retryFailedJobs(ctx, s.Objects); err != nil {
			return err
		}
		if len(waitable(s.Objects)) > 0 {
			maps.Copy(u.before, u.recordBefore(ctx, s.Objects))
		}
		var mu sync.Mutex
		err := u.c.ApplyAll(ctx, s.Objects, u.o.Parallel, func(obj *unstructured.Unstructured) {
			mu.Lock()
			defer mu.Unlock()
			u.applied[objName(obj)] = obj.GetGeneration()
			u.emit(Event{Step: s.Name, Object: objName(obj), Phase: UpApplied})
		})
		if err != nil {
			return &UpError{Step: s.Name, Reason: "apply failed", Err: err}
		}
		if created {
			if err := u.adoptNamespace(ctx); err != nil {
				return err
			}
		}
	}
	if s.Wait != WaitNone {
		if err := u.wait(ctx, s); err != nil {
			return err
		}
	}
	u.emit(Event{Step: s.Name, Phase: UpDone, Message: fmt.Sprintf("in %s", u.o.Now().Sub(t).Round(time.Millisecond))})
	return nil
}

// retryFailedJobs deletes a Job of the same content name that failed
// before, so a re-run retries it (Job templates are immutable).
func (u *upRun) retryFailedJobs(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		if obj.GetKind() != "Job" {
			continue
		}
		j, err := u.c.Typed.BatchV1().Jobs(u.ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("get job %s: %w", obj.GetName(), err)
		}
		for _, cond := range j.Status.Conditions {
			if cond.Type == "Failed" && cond.Status == "True" {
				u.emit(Event{Step: "retry", Object: objName(obj), Phase: UpRetry, Message: "deleting the failed run to retry it"})
				if err := u.c.Delete(ctx, obj.GroupVersionKind(), u.ns, obj.GetName()); err != nil && !apierrors.IsNotFound(err) {
					return fmt.Errorf("delete failed job %s: %w", obj.GetName(), err)
				}
				if err := u.waitJobGone(ctx, obj); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// waitJobGone waits, bounded by the run's timeout, until the deleted
// failed job obj no longer exists.
func (u *upRun) waitJobGone(ctx context.Context, obj *unstructured.Unstructured) error {
	wctx, cancel := context.WithTimeout(ctx, u.o.Timeout)
	defer cancel()
	err := k8s.WaitGone(wctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		_, err := u.c.Get(ctx, obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName())
		return apierrors.IsNotFound(err), nil
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("%s still exists after %s", objName(obj), u.o.Timeout)
}

// prune deletes objects the previous inventory holds and the new one does
// not — only those in the env's namespace still carrying this env's
// ownership labels.
func (u *upRun) prune(ctx context.Context) error {
	var errs []error
	for _, ref := range Prune(u.prev, u.o.Objects) {
		// An inventory lives on the namespace where others may edit it:
		// never follow it out of the environment.
		if ref.Namespace != u.ns {
			u.emit(Event{Step: "prune", Object: ref.String(), Phase: UpSkipped, Message: "outside the environment's namespace; left alone"})
			continue
		}
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil {
			continue
		}
		gvk := gv.WithKind(ref.Kind)
		obj, err := u.c.Get(ctx, gvk, ref.Namespace, ref.Name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("prune %s: %w", ref, err))
			continue
		}
		if obj.GetLabels()[meta.LabelEnv] != u.ns || envs.CheckOwned(ref.String(), obj.GetLabels(), u.o.Env.Project) != nil {
			u.emit(Event{Step: "prune", Object: ref.String(), Phase: UpSkipped, Message: "not owned by this environment; left alone"})
			continue
		}
		if err := u.c.Delete(ctx, gvk, ref.Namespace, ref.Name); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("prune %s: %w", ref, err))
			continue
		}
		u.emit(Event{Step: "prune", Object: ref.String(), Phase: UpPruned})
	}
	return errors.Join(errs...)
}

func stepSummary(s Step) string {
	kinds := map[string]int{}
	for _, o := range s.Objects {
		kinds[o.GetKind()]++
	}
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
