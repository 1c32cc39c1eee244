package envs

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// PodSpecPath returns where an object of kind keeps its pod spec, or nil
// for kinds without one.
func PodSpecPath(kind string) []string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
		return []string{"spec", "template", "spec"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "Pod":
		return []string{"spec"}
	}
	return nil
}

// PodSpec returns obj's pod spec map, to modify in place, or nil.
func PodSpec(obj *unstructured.Unstructured) (map[string]any, error) {
	path := PodSpecPath(obj.GetKind())
	if path == nil {
		return nil, nil
	}
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, path...)
	if err != nil || !found {
		return nil, err
	}
	spec, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: pod spec is %T, not an object", obj.GetKind(), obj.GetName(), v)
	}
	return spec, nil
}

// PlaceOnSpot adds the spot placement of s to a workload's pod spec: a
// required node affinity on each node label and each toleration. It is
// idempotent and defers to the base: a label key the pod already selects on
// (nodeSelector or affinity, e.g. capacity-type on-demand for a database)
// and a toleration key it already tolerates are left as they are.
func PlaceOnSpot(obj *unstructured.Unstructured, s Spot) error {
	if !s.Enabled {
		return nil
	}
	spec, err := PodSpec(obj)
	if err != nil || spec == nil {
		return err
	}
	if err := addNodeAffinity(spec, s.NodeLabels); err != nil {
		return fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	if err := addTolerations(spec, s.Tolerations); err != nil {
		return fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

func addNodeAffinity(spec map[string]any, labels map[string]string) error {
	selected := map[string]bool{}
	if ns, ok := spec["nodeSelector"].(map[string]any); ok {
		for k := range ns {
			selected[k] = true
		}
	}
	terms, _, err := unstructured.NestedSlice(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
	if err != nil {
		return fmt.Errorf("node affinity: %w", err)
	}
	for _, t := range terms {
		term, _ := t.(map[string]any)
		exprs, _ := term["matchExpressions"].([]any)
		for _, e := range exprs {
			if expr, ok := e.(map[string]any); ok {
				if k, ok := expr["key"].(string); ok {
					selected[k] = true
				}
			}
		}
	}
	var add []any
	for _, k := range sortedKeys(labels) {
		if !selected[k] {
			add = append(add, map[string]any{"key": k, "operator": "In", "values": []any{labels[k]}})
		}
	}
	if len(add) == 0 {
		return nil
	}
	if len(terms) == 0 {
		terms = []any{map[string]any{}}
	}
	// Terms are ORed, expressions within a term ANDed: add to every term.
	for i, t := range terms {
		term, ok := t.(map[string]any)
		if !ok {
			return fmt.Errorf("node selector term %d is %T, not an object", i, t)
		}
		exprs, _ := term["matchExpressions"].([]any)
		term["matchExpressions"] = append(exprs, deepCopyList(add)...)
		terms[i] = term
	}
	return unstructured.SetNestedSlice(spec, terms, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
}

func addTolerations(spec map[string]any, tolerations []Toleration) error {
	existing, _, err := unstructured.NestedSlice(spec, "tolerations")
	if err != nil {
		return fmt.Errorf("tolerations: %w", err)
	}
	keys := map[string]bool{}
	for _, e := range existing {
		if t, ok := e.(map[string]any); ok {
			k, _ := t["key"].(string)
			keys[k] = true
		}
	}
	changed := false
	for _, t := range tolerations {
		if keys[t.Key] {
			continue
		}
		keys[t.Key] = true
		m := map[string]any{"key": t.Key}
		if t.Operator != "" {
			m["operator"] = t.Operator
		}
		if t.Value != "" {
			m["value"] = t.Value
		}
		if t.Effect != "" {
			m["effect"] = t.Effect
		}
		existing = append(existing, m)
		changed = true
	}
	if !changed {
		return nil
	}
	return unstructured.SetNestedSlice(spec, existing, "tolerations")
}

func deepCopyList(l []any) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = runtime.DeepCopyJSONValue(v)
	}
	return out
}
