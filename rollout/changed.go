package rollout

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// ChangedOptions make Up deploy only what differs from a baseline env.
type ChangedOptions struct {
	Baseline string // the baseline's namespace; read, never written
	// Dependents also deploys the services depending on a changed one.
	Dependents bool
	// AllowSharedState lets a changed Job that depends on a borrowed
	// stateful service (a migration against the baseline's database) run.
	AllowSharedState bool
	// Routing adds an HTTPRoute per deployed service (envs.RoutingHTTPRoute).
	Routing string
	// Read is the baseline when the caller has read it already (to decide
	// what to render); nil: Up reads it.
	Read *Baseline
	// Left are the objects, by service, of the services the render left
	// out because their sources are the baseline's (Unchanged,
	// envs.App.RenderBorrowing): borrowed, counted, never applied.
	Left map[string][]*unstructured.Unstructured
}

// Baseline is what changed mode reads of the baseline namespace.
type Baseline struct {
	Namespace string
	// Workloads are its workloads and Jobs by service (meta.LabelService).
	Workloads map[string][]BaselineWorkload
	// Services are its Services by name.
	Services map[string]BaselineService
}

// BaselineWorkload is a workload or Job of the baseline.
type BaselineWorkload struct {
	Kind, Name  string // Name: a content-named Job's base name
	Fingerprint string // meta.AnnotationFingerprint; "" when up did not set one
	SourcePrint string // meta.AnnotationSourcePrint; "" when up did not set one
	Stateful    bool   // a StatefulSet, or its pods mount claims
}

// BaselineService is a Service of the baseline and, when headless, the
// endpoints to mirror.
type BaselineService struct {
	Headless bool
	Ports    []any // spec.ports as the API server returned them
	// Endpoints are its EndpointSlices' endpoints and ports (headless).
	Endpoints []map[string]any
	SlicePort []any
	AddrType  string
}

// ChangedPlan is what changed mode deploys.
type ChangedPlan struct {
	Objects   []*unstructured.Unstructured // to apply instead of the full render
	Borrowing status.Borrowing
	// Why says, per deployed service, why it is deployed.
	Why map[string]string
}

// PlanChanged reduces the rendered objects of env (a full render, with
// meta.AnnotationFingerprint on its workloads) to what differs from base:
// a service is deployed when the baseline lacks it or one of its
// workloads or Jobs has another fingerprint there (with Dependents, also
// when it depends on a deployed one); every other service is borrowed:
// its objects are left out and each of its Services becomes one of the
// same name and ports pointing at the baseline's — ExternalName
// <svc>.<baseline>.svc.cluster.local, or for a headless Service a
// selector-less one with an EndpointSlice mirroring the baseline's
// endpoints — so in-namespace names keep working. Shared ConfigMaps,
// Secrets and claims are kept only when a deployed workload uses them; a
// deployed service's depends_on on a borrowed one is met (the baseline
// runs it). A deployed Job depending on a borrowed stateful service (a
// migration against the baseline's database) is refused unless
// AllowSharedState. The Namespace gets meta.AnnotationBorrowed.
func PlanChanged(objs []*unstructured.Unstructured, env envs.Env, base Baseline, o ChangedOptions) (ChangedPlan, error) {
	if base.Namespace == env.Namespace {
		return ChangedPlan{}, fmt.Errorf("baseline %s is this environment's own namespace", base.Namespace)
	}
	objs = deepCopies(objs) // depends_on and the Namespace are edited
	bySvc := map[string][]*unstructured.Unstructured{}
	for _, obj := range objs {
		if s := obj.GetLabels()[meta.LabelService]; s != "" {
			bySvc[s] = append(bySvc[s], obj)
		}
	}
	for svc := range o.Left {
		if _, ok := bySvc[svc]; !ok {
			bySvc[svc] = nil // borrowed, none of its objects rendered
		}
	}
	why := map[string]string{}
	for _, svc := range slices.Sorted(maps.Keys(bySvc)) {
		if r := changedReason(bySvc[svc], base, svc); r != "" {
			why[svc] = r
		}
	}
	deps := dependsGraph(objs)
	if o.Dependents {
		for changed := true; changed; {
			changed = false
			for _, svc := range slices.Sorted(maps.Keys(bySvc)) {
				if why[svc] != "" {
					continue
				}
				for _, d := range slices.Sorted(maps.Keys(deps[svc])) {
					if why[d] != "" {
						why[svc], changed = "depends on "+d, true
						break
					}
				}
			}
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(o.Left)) {
		if why[svc] != "" {
			return ChangedPlan{}, fmt.Errorf("service %s: its sources are the baseline's, yet it must be deployed (%s): run berth up without --changed", svc, why[svc])
		}
	}
	if err := sharedStateCheck(bySvc, why, deps, base, o.AllowSharedState); err != nil {
		return ChangedPlan{}, err
	}

	b := status.Borrowing{Baseline: base.Namespace, Borrowed: map[string][]string{}}
	var kept []*unstructured.Unstructured
	var used = map[string]bool{} // "Kind/name" of ConfigMaps, Secrets, claims deployed workloads use
	for _, svc := range slices.Sorted(maps.Keys(bySvc)) {
		if why[svc] == "" {
			continue
		}
		b.Deployed = append(b.Deployed, svc)
		for _, obj := range bySvc[svc] {
			if err := metBorrowedDeps(obj, why); err != nil {
				return ChangedPlan{}, err
			}
			for _, r := range usedRefs(obj) {
				used[r] = true
			}
		}
	}
	for _, obj := range objs {
		svc := obj.GetLabels()[meta.LabelService]
		switch {
		case svc != "" && why[svc] != "":
			kept = append(kept, obj)
		case svc != "":
			// borrowed: its Services are made below
		case isShareable(obj) && !used[obj.GetKind()+"/"+obj.GetName()]:
			// only borrowed services use it
		default:
			kept = append(kept, obj)
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(bySvc)) {
		if why[svc] != "" {
			continue
		}
		var prints []string
		jobOnly := true
		for _, obj := range slices.Concat(bySvc[svc], o.Left[svc]) {
			switch {
			case envs.PodSpecPath(obj.GetKind()) != nil:
				prints = append(prints, obj.GetAnnotations()[meta.AnnotationFingerprint])
				jobOnly = jobOnly && obj.GetKind() == "Job"
				n, _ := podCount(obj)
				if obj.GetKind() != "Job" && obj.GetKind() != "CronJob" {
					b.SavedPods += int(n)
				}
			case obj.GetKind() == "Service" && obj.GroupVersionKind().Group == "":
				kept = append(kept, borrowedService(obj, env, base)...)
			}
		}
		if _, ok := o.Left[svc]; ok {
			prints = nil // not rendered: the baseline's, equal by its sources
			for _, w := range base.Workloads[svc] {
				prints = append(prints, w.Fingerprint)
			}
		}
		sort.Strings(prints)
		b.Borrowed[svc] = prints
		if jobOnly && len(prints) > 0 {
			b.Jobs = append(b.Jobs, svc)
		}
	}
	if o.Routing == envs.RoutingHTTPRoute {
		for _, svc := range b.Deployed {
			for _, obj := range bySvc[svc] {
				if r := routeFor(obj, env, base.Namespace); r != nil {
					kept = append(kept, r)
				}
			}
		}
	}
	all := len(objs)
	for _, left := range o.Left {
		all += len(left)
	}
	b.SavedObjects = max(0, all-len(kept))
	if err := annotateBorrowing(kept, b); err != nil {
		return ChangedPlan{}, err
	}
	return ChangedPlan{Objects: kept, Borrowing: b, Why: why}, nil
}

// changedReason says why service svc (its rendered objects) must be
// deployed, "" when the baseline runs the same.
func changedReason(objs []*unstructured.Unstructured, base Baseline, svc string) string {
	have := map[string]string{}
	for _, w := range base.Workloads[svc] {
		have[w.Kind+"/"+w.Name] = w.Fingerprint
	}
	n := 0
	for _, obj := range objs {
		switch {
		case envs.PodSpecPath(obj.GetKind()) != nil:
			n++
			name := obj.GetName()
			if b := obj.GetAnnotations()[meta.AnnotationJobName]; b != "" {
				name = b
			}
			key := obj.GetKind() + "/" + name
			fp, ok := have[key]
			switch {
			case !ok:
				return "not in the baseline"
			case fp == "":
				return key + " has no fingerprint in the baseline"
			case fp != obj.GetAnnotations()[meta.AnnotationFingerprint]:
				return "changed"
			}
		case obj.GetKind() == "Service" && obj.GroupVersionKind().Group == "":
			if _, ok := base.Services[obj.GetName()]; !ok {
				return "Service/" + obj.GetName() + " not in the baseline"
			}
		}
	}
	switch {
	case n == 0:
		return "" // only Services (or config): borrowed
	case n != len(base.Workloads[svc]):
		return "other workloads in the baseline"
	}
	return ""
}

// dependsGraph maps each service to the services it depends on.
func dependsGraph(objs []*unstructured.Unstructured) map[string]map[string]string {
	g := map[string]map[string]string{}
	for _, obj := range objs {
		svc := obj.GetLabels()[meta.LabelService]
		if svc == "" {
			continue
		}
		deps, err := dependsOn(obj)
		if err != nil {
			continue // Plan reports it
		}
		if g[svc] == nil {
			g[svc] = map[string]string{}
		}
		for d, c := range deps {
			g[svc][d] = strongest(g[svc][d], c)
		}
	}
	return g
}

// sharedStateCheck refuses a deployed Job that depends on a borrowed
// stateful service: it would change the baseline's data (a migration).
func sharedStateCheck(bySvc map[string][]*unstructured.Unstructured, why map[string]string, deps map[string]map[string]string, base Baseline, allow bool) error {
	if allow {
		return nil
	}
	stateful := func(svc string) bool {
		for _, w := range base.Workloads[svc] {
			if w.Stateful {
				return true
			}
		}
		return false
	}
	var refused []string
	for _, svc := range slices.Sorted(maps.Keys(bySvc)) {
		if why[svc] == "" || !slices.ContainsFunc(bySvc[svc], func(o *unstructured.Unstructured) bool { return o.GetKind() == "Job" }) {
			continue
		}
		for _, d := range slices.Sorted(maps.Keys(deps[svc])) {
			if why[d] == "" && stateful(d) {
				refused = append(refused, fmt.Sprintf("Job %s changed and depends on %s, borrowed from %s", svc, d, base.Namespace))
			}
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return &SharedStateError{Baseline: base.Namespace, Refused: refused}
}

// SharedStateError refuses changed mode: a changed Job (a migration) would
// run against a database the branch borrows from its baseline.
type SharedStateError struct {
	Baseline string
	Refused  []string
}

func (e *SharedStateError) Error() string {
	return fmt.Sprintf("changed mode: %s; its data is shared with %s and everything else borrowing from it: "+
		"deploy the database in this env too (change it, or --with-dependents), or pass --allow-shared-state",
		strings.Join(e.Refused, "; "), e.Baseline)
}

// metBorrowedDeps drops from obj's depends_on the services the baseline
// runs (borrowed: why is ""): they are met before this up starts.
func metBorrowedDeps(obj *unstructured.Unstructured, why map[string]string) error {
	deps, err := dependsOn(obj)
	if err != nil || len(deps) == 0 {
		return err
	}
	kept := map[string]string{}
	for d, c := range deps {
		if why[d] != "" {
			kept[d] = c
		}
	}
	if len(kept) == len(deps) {
		return nil
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	ann := obj.GetAnnotations()
	ann[meta.AnnotationDependsOn] = string(raw)
	obj.SetAnnotations(ann)
	return nil
}

// isShareable reports the kinds several services may share without a
// service label: ConfigMaps, Secrets, claims.
func isShareable(obj *unstructured.Unstructured) bool {
	switch obj.GetKind() {
	case "ConfigMap", "Secret", "PersistentVolumeClaim":
		return obj.GroupVersionKind().Group == ""
	}
	return false
}

// usedRefs are the ConfigMaps, Secrets and claims ("Kind/name") obj's pod
// spec uses.
func usedRefs(obj *unstructured.Unstructured) []string {
	spec, err := envs.PodSpec(obj)
	if err != nil || spec == nil {
		return nil
	}
	var out []string
	walkRefs(spec, func(kind, name string) { out = append(out, kind+"/"+name) })
	return out
}

// walkRefs calls f for each ConfigMap, Secret and claim a pod spec names.
func walkRefs(spec map[string]any, f func(kind, name string)) {
	name := func(m any, key string) string {
		mm, _ := m.(map[string]any)
		s, _ := mm[key].(string)
		return s
	}
	vols, _ := spec["volumes"].([]any)
	for _, v := range vols {
		vm, _ := v.(map[string]any)
		if n := name(vm["configMap"], "name"); n != "" {
			f("ConfigMap", n)
		}
		if n := name(vm["secret"], "secretName"); n != "" {
			f("Secret", n)
		}
		if n := name(vm["persistentVolumeClaim"], "claimName"); n != "" {
			f("PersistentVolumeClaim", n)
		}
		if p, ok := vm["projected"].(map[string]any); ok {
			srcs, _ := p["sources"].([]any)
			for _, s := range srcs {
				sm, _ := s.(map[string]any)
				if n := name(sm["configMap"], "name"); n != "" {
					f("ConfigMap", n)
				}
				if n := name(sm["secret"], "name"); n != "" {
					f("Secret", n)
				}
			}
		}
	}
	for _, field := range []string{"initContainers", "containers"} {
		cs, _ := spec[field].([]any)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			from, _ := cm["envFrom"].([]any)
			for _, x := range from {
				xm, _ := x.(map[string]any)
				if n := name(xm["configMapRef"], "name"); n != "" {
					f("ConfigMap", n)
				}
				if n := name(xm["secretRef"], "name"); n != "" {
					f("Secret", n)
				}
			}
			env, _ := cm["env"].([]any)
			for _, e := range env {
				em, _ := e.(map[string]any)
				vf, _ := em["valueFrom"].(map[string]any)
				if n := name(vf["configMapKeyRef"], "name"); n != "" {
					f("ConfigMap", n)
				}
				if n := name(vf["secretKeyRef"], "name"); n != "" {
					f("Secret", n)
				}
			}
		}
	}
}

// annotateBorrowing records b on the Namespace among objs, whose URLs
// (meta.AnnotationURLs) keep the deployed services' only: the borrowed
// ones have no Ingress here.
func annotateBorrowing(objs []*unstructured.Unstructured, b status.Borrowing) error {
	enc, err := b.Encode()
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if obj.GetKind() == "Namespace" && obj.GroupVersionKind().Group == "" {
			ann := obj.GetAnnotations()
			if ann == nil {
				ann = map[string]string{}
			}
			if _, ok := ann[meta.AnnotationURLs]; ok {
				ann[meta.AnnotationURLs] = status.EncodeURLs(b.DeployedURLs(status.URLsOf(ann)))
			}
			ann[meta.AnnotationBorrowed] = enc
			obj.SetAnnotations(ann)
			return nil
		}
	}
	return fmt.Errorf("rendered objects hold no Namespace")
}

func deepCopies(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}
