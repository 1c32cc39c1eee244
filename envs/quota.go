package envs

import (
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/meta"
)

// Names of the objects that bound an environment.
const (
	QuotaName      = "berth-quota"
	LimitRangeName = "berth-limits"
)

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

// Limits returns the most q lets an environment have: Hard when berth.yaml
// fixes it, else Ceiling with sized set (up sizes the quota from the app,
// never above its ceiling).
func (q Quota) Limits() (limits map[string]Quantity, sized bool) {
	if len(q.Hard) == 0 {
		return q.Ceiling, true
	}
	return q.Hard, false
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
	hard, sized := q.Limits()
	field, ann := "hard.", map[string]any{}
	if sized {
		field = "ceiling."
		ann[meta.AnnotationQuotaCeiling] = mustJSON(quantities(hard))
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
