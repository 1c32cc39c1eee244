package envs

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/meta"
)

// Names of the objects that bound an environment.
const (
	QuotaName      = "berth-quota"
	LimitRangeName = "berth-limits"
)

// Sizing of the quota from the app: need × quotaHeadroom, rounded up (whole
// cores, whole Gi, whole counts), at least quotaFloor, at most the ceiling.
const quotaHeadroom = 1.5

// DefaultQuotaCeiling is the per-environment cap of a sized quota: 200 pods
// at the default LimitRange (50m/128Mi requested, 500m/512Mi limit each)
// fit; NodePort and LoadBalancer Services are refused, as on shared dev
// clusters.
func DefaultQuotaCeiling() map[string]Quantity {
	return map[string]Quantity{
		"pods": "200", "persistentvolumeclaims": "50", "requests.storage": "500Gi",
		"requests.cpu": "20", "requests.memory": "40Gi", "limits.cpu": "100", "limits.memory": "100Gi",
		"services.loadbalancers": "0", "services.nodeports": "0",
	}
}

// quotaFloor is the least a sized quota allows (the fixed quota of earlier
// versions), so a small app keeps room for rollouts and debugging pods.
func quotaFloor() map[string]Quantity {
	return map[string]Quantity{
		"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
		"requests.storage": "50Gi", "persistentvolumeclaims": "10", "pods": "50",
	}
}

// QuotaObjects returns the ResourceQuota and LimitRange of q, without
// namespace or labels (the overlay adds them), or nil when q is disabled.
// Without q.Hard the ResourceQuota holds q.Ceiling, marked to be sized
// (meta.AnnotationQuotaCeiling).
func QuotaObjects(q Quota) []*unstructured.Unstructured {
	if !q.Enabled {
		return nil
	}
	var out []*unstructured.Unstructured
	hard, field, ann := q.Hard, "hard.", map[string]any{}
	if len(hard) == 0 {
		hard, field = q.Ceiling, "ceiling."
		ann[meta.AnnotationQuotaCeiling] = mustJSON(quantities(q.Ceiling))
	}
	lines := map[string]int{}
	for k, line := range q.Lines {
		if r, ok := strings.CutPrefix(k, field); ok {
			lines[r] = line
		}
	}
	if len(lines) > 0 {
		ann[meta.AnnotationQuotaLines] = mustJSON(lines)
	}
	if len(hard) > 0 {
		meta := map[string]any{"name": QuotaName}
		if len(ann) > 0 {
			meta["annotations"] = ann
		}
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1",
			"kind":       "ResourceQuota",
			"metadata":   meta,
			"spec":       map[string]any{"hard": quantities(hard)},
		}})
	}
	if len(q.DefaultLimits) > 0 || len(q.DefaultRequests) > 0 {
		limit := map[string]any{"type": "Container"}
		if len(q.DefaultLimits) > 0 {
			limit["default"] = quantities(q.DefaultLimits)
		}
		if len(q.DefaultRequests) > 0 {
			limit["defaultRequest"] = quantities(q.DefaultRequests)
		}
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1",
			"kind":       "LimitRange",
			"metadata":   map[string]any{"name": LimitRangeName},
			"spec":       map[string]any{"limits": []any{limit}},
		}})
	}
	return out
}

// SizedHard is the spec.hard of a sized quota: for each resource of the
// ceiling, need × 1.5 rounded up, at least quotaFloor, at most the
// ceiling; a resource whose need berth does not compute gets the ceiling.
func SizedHard(need Need, ceiling map[string]resource.Quantity) map[string]resource.Quantity {
	floor := quotaFloor()
	out := make(map[string]resource.Quantity, len(ceiling))
	for r, c := range ceiling {
		n, known := need.Amounts[quotaKey(r)]
		if !known {
			out[r] = c
			continue
		}
		v := withHeadroom(r, n)
		if f, ok := floor[quotaKey(r)]; ok {
			if fq := resource.MustParse(string(f)); fq.Cmp(v) > 0 {
				v = fq
			}
		}
		if v.Cmp(c) > 0 {
			v = c
		}
		out[r] = v
	}
	return out
}

// withHeadroom returns n × quotaHeadroom rounded up: to whole cores for
// CPU, whole Gi for memory and storage, whole numbers for counts.
func withHeadroom(r string, n resource.Quantity) resource.Quantity {
	switch {
	case strings.Contains(r, "cpu"):
		cores := math.Ceil(float64(n.MilliValue()) * quotaHeadroom / 1000)
		return *resource.NewQuantity(int64(cores), resource.DecimalSI)
	case strings.Contains(r, "memory") || strings.Contains(r, "storage"):
		gi := math.Ceil(float64(n.Value()) * quotaHeadroom / (1 << 30))
		return resource.MustParse(fmt.Sprintf("%dGi", int64(gi)))
	}
	return *resource.NewQuantity(int64(math.Ceil(float64(n.Value())*quotaHeadroom)), resource.DecimalSI)
}

func quantities(m map[string]Quantity) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and ints always marshal
	}
	return string(b)
}
