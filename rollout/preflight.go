package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/k8s/kube"
	"github.com/berth-dev/berth/meta"
)

// Shortfall is one resource an environment needs more of than a quota
// allows, or one a quota requires that containers do not set.
type Shortfall struct {
	Resource string `json:"resource"`
	Need     string `json:"need,omitempty"`
	Limit    string `json:"limit"`
	// Quota names the ResourceQuota: berth's, or one already in the namespace.
	Quota string `json:"quota"`
	// Setting is the berth.yaml field behind the limit (quota.hard.pods,
	// quota.ceiling.pods); empty for a quota berth did not make.
	Setting string `json:"setting,omitempty"`
	// Line is Setting's line in berth.yaml; 0 for berth's default.
	Line int `json:"line,omitempty"`
	// Unset lists the containers that set no value for Resource.
	Unset []string `json:"unset,omitempty"`
	// LimitRange names a LimitRange in the namespace whose Bound (max or
	// min) Object (a container or PVC) is beyond; Quota is then empty.
	LimitRange string `json:"limitRange,omitempty"`
	Bound      string `json:"bound,omitempty"`
	Object     string `json:"object,omitempty"`
}

func (s Shortfall) String() string {
	if len(s.Unset) > 0 {
		names := s.Unset
		more := ""
		if len(names) > 3 {
			names, more = names[:3], fmt.Sprintf(" and %d more", len(s.Unset)-3)
		}
		return fmt.Sprintf("%s: required (%s), but %s%s set none and no LimitRange gives a default", s.Resource, s.source(), strings.Join(names, ", "), more)
	}
	if s.LimitRange != "" {
		return fmt.Sprintf("%s: %s needs %s, %s %s (%s)", s.Resource, s.Object, s.Need, s.Bound, s.Limit, s.source())
	}
	return fmt.Sprintf("%s: need %s, limit %s (%s)", s.Resource, s.Need, s.Limit, s.source())
}

func (s Shortfall) source() string {
	switch {
	case s.LimitRange != "":
		return "LimitRange " + s.LimitRange + " in the namespace, not berth's"
	case s.Setting == "":
		return "ResourceQuota " + s.Quota + " in the namespace, not berth's"
	case s.Line > 0:
		return fmt.Sprintf("%s:%d %s", envs.ConfigFile, s.Line, s.Setting)
	}
	return s.Setting + ": berth's default; set it in " + envs.ConfigFile
}

// PreflightError is an environment that does not fit its quota: up
// stopped before applying anything.
type PreflightError struct {
	Namespace  string
	Shortfalls []Shortfall
}

func (e *PreflightError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "preflight: %s does not fit its quota; nothing was applied", e.Namespace)
	for _, s := range e.Shortfalls {
		fmt.Fprintf(&b, "\n    %s", s)
	}
	return b.String()
}

// Verdict is the outcome of Preflight.
type Verdict struct {
	Need Need
	// Hard is berth's ResourceQuota as it will be applied; nil without one.
	Hard       map[string]resource.Quantity
	Shortfalls []Shortfall
}

// Preflight checks the rendered objects of an environment against berth's
// ResourceQuota among them and the quotas already in the namespace
// (existing; berth's own from an earlier up and scoped quotas, which count
// only some pods, are left out), with requests and limits defaulted by
// berth's LimitRange and those in ranges. A quota marked to be sized
// (meta.AnnotationQuotaCeiling) gets SizedHard first, in place, of the need or,
// where larger, what berth's quota from an earlier up counts as used.
func Preflight(objs []*unstructured.Unstructured, existing []corev1.ResourceQuota, ranges []corev1.LimitRange) (Verdict, error) {
	var own *unstructured.Unstructured
	var lrs []corev1.LimitRange
	for _, o := range objs {
		if o.GroupVersionKind().Group != "" {
			continue
		}
		switch o.GetKind() {
		case "ResourceQuota":
			if o.GetName() == envs.QuotaName {
				own = o
			}
		case "LimitRange":
			var lr corev1.LimitRange
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &lr); err != nil {
				return Verdict{}, fmt.Errorf("%s: %w", objName(o), err)
			}
			lrs = append(lrs, lr)
		}
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].Name < ranges[j].Name })
	for _, lr := range ranges {
		if lr.Name != envs.LimitRangeName {
			lrs = append(lrs, lr)
		}
	}
	need, err := NeedOf(objs, lrs)
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Need: need}
	if own != nil {
		rq, err := sizeQuota(own, withUsage(need, existing))
		if err != nil {
			return Verdict{}, err
		}
		v.Hard = hardOf(rq)
		v.Shortfalls = append(v.Shortfalls, check(need, rq, true)...)
	}
	bounds, err := checkRanges(objs, lrs)
	if err != nil {
		return Verdict{}, err
	}
	v.Shortfalls = append(v.Shortfalls, bounds...)
	sort.SliceStable(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	for _, rq := range existing {
		if rq.Name == envs.QuotaName || len(rq.Spec.Scopes) > 0 || rq.Spec.ScopeSelector != nil {
			continue
		}
		v.Shortfalls = append(v.Shortfalls, check(need, rq, false)...)
	}
	return v, nil
}

// checkRanges returns the containers (requests and limits once defaulted
// by ranges) and PVCs beyond the max or min of a LimitRange in ranges, as
// the LimitRanger admission would refuse them.
func checkRanges(objs []*unstructured.Unstructured, ranges []corev1.LimitRange) ([]Shortfall, error) {
	var out []Shortfall
	// bound checks value v (set: given or defaulted) of res: a limit must
	// be set under a max, a request under a min, as LimitRanger demands.
	bound := func(lr corev1.LimitRange, object, res string, v resource.Quantity, set, limit bool, max, min corev1.ResourceList, r corev1.ResourceName) {
		s := Shortfall{Resource: res, LimitRange: lr.Name, Object: object, Need: v.String()}
		if !set {
			s.Need = "none"
		}
		if m, ok := max[r]; ok && ((set && v.Cmp(m) > 0) || (!set && limit)) {
			s.Bound, s.Limit = "max", m.String()
			out = append(out, s)
		} else if m, ok := min[r]; ok && ((set && v.Cmp(m) < 0) || (!set && !limit)) {
			s.Bound, s.Limit = "min", m.String()
			out = append(out, s)
		}
	}
	for _, o := range objs {
		if o.GetKind() == "PersistentVolumeClaim" && o.GroupVersionKind().Group == "" {
			var pvc corev1.PersistentVolumeClaim
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &pvc); err != nil {
				return nil, fmt.Errorf("%s: %w", objName(o), err)
			}
			v, set := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
			for _, lr := range ranges {
				for _, item := range lr.Spec.Limits {
					if item.Type == corev1.LimitTypePersistentVolumeClaim {
						bound(lr, objName(o), "requests.storage", v, set, false, item.Max, item.Min, corev1.ResourceStorage)
					}
				}
			}
			continue
		}
		spec, err := typedPodSpec(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", objName(o), err)
		}
		if spec == nil {
			continue
		}
		for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
			for _, cr := range computeResources {
				v, set := containerValue(c, cr.name, cr.limit, ranges)
				for _, lr := range ranges {
					for _, item := range lr.Spec.Limits {
						if item.Type == corev1.LimitTypeContainer {
							bound(lr, fmt.Sprintf("%s container %s", objName(o), c.Name), cr.quota, v, set, cr.limit, item.Max, item.Min, cr.name)
						}
					}
				}
			}
		}
	}
	return out, nil
}

// withUsage is need raised to what berth's quota from an earlier up counts
// as used: until this up prunes them, the old objects still count, so a
// shrinking app keeps its room during the rollout (the next up shrinks it).
func withUsage(need Need, existing []corev1.ResourceQuota) Need {
	out := Need{Amounts: make(map[string]resource.Quantity, len(need.Amounts)), Unset: need.Unset}
	for r, q := range need.Amounts {
		out.Amounts[r] = q
	}
	for _, rq := range existing {
		if rq.Name != envs.QuotaName {
			continue
		}
		for r, used := range rq.Status.Used {
			if n, ok := out.Amounts[quotaKey(string(r))]; ok && used.Cmp(n) > 0 {
				out.Amounts[quotaKey(string(r))] = used
			}
		}
	}
	return out
}

// sizeQuota gives berth's rendered ResourceQuota obj, when marked to be
// sized, SizedHard of need under its ceiling, and returns it typed.
func sizeQuota(obj *unstructured.Unstructured, need Need) (corev1.ResourceQuota, error) {
	if raw, ok := obj.GetAnnotations()[meta.AnnotationQuotaCeiling]; ok {
		var ceiling map[string]resource.Quantity
		if err := json.Unmarshal([]byte(raw), &ceiling); err != nil {
			return corev1.ResourceQuota{}, fmt.Errorf("%s: annotation %s: %w", objName(obj), meta.AnnotationQuotaCeiling, err)
		}
		hard := map[string]any{}
		for r, q := range SizedHard(need, ceiling) {
			hard[r] = q.String()
		}
		if err := unstructured.SetNestedMap(obj.Object, hard, "spec", "hard"); err != nil {
			return corev1.ResourceQuota{}, fmt.Errorf("%s: %w", objName(obj), err)
		}
	}
	var rq corev1.ResourceQuota
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &rq); err != nil {
		return corev1.ResourceQuota{}, fmt.Errorf("%s: %w", objName(obj), err)
	}
	return rq, nil
}

// check returns what need lacks under rq; own marks berth's quota, whose
// limits come from berth.yaml (meta.AnnotationQuotaLines).
func check(need Need, rq corev1.ResourceQuota, own bool) []Shortfall {
	var lines map[string]int
	setting := ""
	if own {
		_ = json.Unmarshal([]byte(rq.Annotations[meta.AnnotationQuotaLines]), &lines) // berth wrote it; absent: defaults
		setting = "quota.hard."
		if _, sized := rq.Annotations[meta.AnnotationQuotaCeiling]; sized {
			setting = "quota.ceiling."
		}
	}
	var out []Shortfall
	hard := hardOf(rq)
	for _, r := range slices.Sorted(maps.Keys(hard)) {
		limit := hard[r]
		s := Shortfall{Resource: r, Limit: limit.String(), Quota: rq.Name}
		if own {
			s.Setting, s.Line = setting+r, lines[r]
		}
		if unset := need.Unset[quotaKey(r)]; len(unset) > 0 {
			s.Unset = unset
			out = append(out, s)
			continue
		}
		n, known := need.amount(r)
		if known && n.Cmp(limit) > 0 {
			s.Need = n.String()
			out = append(out, s)
		}
	}
	return out
}

// hardOf is rq's spec.hard keyed by string.
func hardOf(rq corev1.ResourceQuota) map[string]resource.Quantity {
	hard := make(map[string]resource.Quantity, len(rq.Spec.Hard))
	for r, q := range rq.Spec.Hard {
		hard[string(r)] = q
	}
	return hard
}

// namespaceLimits reads the ResourceQuotas and LimitRanges in ns when it
// exists and project owns it (else up refuses it later, or has none yet).
func namespaceLimits(ctx context.Context, c kube.Interface, ns, project string) ([]corev1.ResourceQuota, []corev1.LimitRange, error) {
	obj, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get namespace %s: %w", ns, err)
	}
	if envs.CheckOwned("namespace "+ns, obj.Labels, project) != nil {
		return nil, nil, nil
	}
	quotas, err := c.CoreV1().ResourceQuotas(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list ResourceQuotas in %s: %w", ns, err)
	}
	ranges, err := c.CoreV1().LimitRanges(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list LimitRanges in %s: %w", ns, err)
	}
	return quotas.Items, ranges.Items, nil
}

// preflight is Up's first step: Preflight against the namespace's quotas,
// before anything is applied or woken.
func (u *upRun) preflight(ctx context.Context) error {
	const step = "preflight"
	u.emit(Event{Step: step, Phase: UpStarted, Message: "what the app needs against the quota"})
	v, err := u.verdict(ctx)
	if err == nil && len(v.Shortfalls) > 0 {
		err := &PreflightError{Namespace: u.ns, Shortfalls: v.Shortfalls}
		u.emit(Event{Step: step, Phase: UpFailed, Message: err.Error(), Shortfalls: v.Shortfalls})
		return err
	}
	if err != nil {
		err = fmt.Errorf("preflight: %w", err)
		u.emit(Event{Step: step, Phase: UpFailed, Message: err.Error()})
		return err
	}
	recordStorage(u.o.Objects, v.Need)
	u.emit(Event{Step: step, Phase: UpDone, Message: v.summary()})
	return nil
}

func (u *upRun) verdict(ctx context.Context) (Verdict, error) {
	quotas, ranges, err := namespaceLimits(ctx, u.c.Typed, u.ns, u.o.Env.Project)
	if err != nil {
		return Verdict{}, err
	}
	return Preflight(u.o.Objects, quotas, ranges)
}

// summary says what the app needs of berth's quota: "pods 57 of 86, ...".
func (v Verdict) summary() string {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(v.Hard)) {
		if n, ok := v.Need.amount(r); ok && !strings.HasPrefix(r, "count/") {
			h := v.Hard[r]
			parts = append(parts, fmt.Sprintf("%s %s of %s", r, n.String(), h.String()))
		}
	}
	if len(parts) == 0 {
		return "fits"
	}
	return "fits: " + strings.Join(parts, ", ")
}
