package envs

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// Names of the objects that bound an environment.
const (
	QuotaName      = "berth-quota"
	LimitRangeName = "berth-limits"
)

// QuotaObjects returns the ResourceQuota and LimitRange of q, without
// namespace or labels (the overlay adds them), or nil when q is disabled.
func QuotaObjects(q Quota) []*unstructured.Unstructured {
	if !q.Enabled {
		return nil
	}
	var out []*unstructured.Unstructured
	if len(q.Hard) > 0 {
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1",
			"kind":       "ResourceQuota",
			"metadata":   map[string]any{"name": QuotaName},
			"spec":       map[string]any{"hard": quantities(q.Hard)},
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
