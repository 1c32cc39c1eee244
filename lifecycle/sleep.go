package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
)

// SleepFieldManager is the field manager of sleep and wake's patches. The
// next `up` applies the app's replicas again and takes them back.
const SleepFieldManager = "berth-sleep"

// Scaled is one workload sleep or wake changed.
type Scaled struct {
	Kind     string `json:"kind"` // Deployment or StatefulSet
	Name     string `json:"name"`
	Replicas int32  `json:"replicas"` // after the change
}

// Sleep scales the environment's Deployments and StatefulSets (the
// scalable k8s.Kinds) to zero, remembering each one's replicas in
// meta.AnnotationReplicas, and marks the namespace meta.AnnotationSleeping=true. It
// checks ownership first (a *envs.NotOwnedError changes nothing) and is
// idempotent: sleeping a sleeping environment keeps the replicas
// remembered the first time. Only the workloads labelled as berth's for
// project are touched.
func Sleep(ctx context.Context, c *k8s.Client, namespace, project string) ([]Scaled, error) {
	if err := checkNamespace(ctx, c, namespace, project); err != nil {
		return nil, err
	}
	if err := markSleeping(ctx, c, namespace, true); err != nil {
		return nil, err
	}
	return scaleAll(ctx, c, namespace, project, sleepPatch)
}

// Wake restores the replicas Sleep remembered, removes meta.AnnotationReplicas
// from each workload, then clears the namespace's meta.AnnotationSleeping.
// Workloads without the annotation are left alone, so waking an awake
// environment changes nothing.
func Wake(ctx context.Context, c *k8s.Client, namespace, project string) ([]Scaled, error) {
	if err := checkNamespace(ctx, c, namespace, project); err != nil {
		return nil, err
	}
	done, err := scaleAll(ctx, c, namespace, project, wakePatch)
	if err != nil {
		return done, err
	}
	return done, markSleeping(ctx, c, namespace, false)
}

// markSleeping sets or removes the namespace's meta.AnnotationSleeping.
func markSleeping(ctx context.Context, c *k8s.Client, namespace string, sleeping bool) error {
	var value any // nil deletes the annotation in a merge patch
	if sleeping {
		value = "true"
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{meta.AnnotationSleeping: value}}})
	if err != nil {
		return err
	}
	_, err = c.Typed.CoreV1().Namespaces().Patch(ctx, namespace, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: SleepFieldManager})
	if err != nil {
		return fmt.Errorf("mark namespace %s sleeping=%t: %w", namespace, sleeping, err)
	}
	return nil
}

// scalePatch returns the merge patch for a workload with these replicas
// and annotations, or nil when it needs no change.
type scalePatch func(replicas int32, annotations map[string]string) (patch map[string]any, after int32, err error)

// sleepPatch scales to zero and remembers the replicas, unless already
// remembered (then it only makes sure the workload is at zero).
func sleepPatch(replicas int32, ann map[string]string) (map[string]any, int32, error) {
	if _, ok := ann[meta.AnnotationReplicas]; ok {
		if replicas == 0 {
			return nil, 0, nil
		}
		return map[string]any{"spec": map[string]any{"replicas": 0}}, 0, nil
	}
	return map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{meta.AnnotationReplicas: strconv.Itoa(int(replicas))}},
		"spec":     map[string]any{"replicas": 0},
	}, 0, nil
}

// wakePatch restores the remembered replicas and drops the annotation.
func wakePatch(_ int32, ann map[string]string) (map[string]any, int32, error) {
	raw, ok := ann[meta.AnnotationReplicas]
	if !ok {
		return nil, 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || n < 0 {
		return nil, 0, fmt.Errorf("annotation %s=%q is not a replica count", meta.AnnotationReplicas, raw)
	}
	return map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{meta.AnnotationReplicas: nil}},
		"spec":     map[string]any{"replicas": n},
	}, int32(n), nil
}

// scaleAll applies patch to every berth workload of a scalable kind
// (Deployments, StatefulSets: k8s.Kinds) of the project in namespace. Each
// patch carries the resourceVersion it was computed from and is retried on
// conflict, so a concurrent change is never overwritten with stale replicas.
func scaleAll(ctx context.Context, c *k8s.Client, namespace, project string, patch scalePatch) ([]Scaled, error) {
	sel := metav1.ListOptions{LabelSelector: meta.LabelManagedBy + "=" + meta.ManagedByBerth + "," + meta.LabelProject + "=" + project}
	var done []Scaled
	for _, k := range k8s.Kinds() {
		if !k.Scalable() {
			continue
		}
		names, err := k.Names(ctx, c.Typed, namespace, sel)
		if err != nil {
			return done, fmt.Errorf("list %s in %s: %w", k.Resource, namespace, err)
		}
		for _, name := range names {
			s, err := scaleOne(ctx, k.Name, name, patch,
				func(ctx context.Context) (metav1.Object, *int32, error) {
					return k.Replicas(ctx, c.Typed, namespace, name)
				},
				func(ctx context.Context, p []byte) error {
					return k.Patch(ctx, c.Typed, namespace, name, types.MergePatchType, p, metav1.PatchOptions{FieldManager: SleepFieldManager})
				})
			if err != nil {
				return done, fmt.Errorf("%s %s/%s: %w", strings.ToLower(k.Name), namespace, name, err)
			}
			if s != nil {
				done = append(done, *s)
			}
		}
	}
	return done, nil
}

// scaleOne computes and applies patch for one workload, re-reading it on
// a conflict.
func scaleOne(ctx context.Context, kind, name string, patch scalePatch,
	get func(context.Context) (metav1.Object, *int32, error),
	apply func(context.Context, []byte) error) (*Scaled, error) {
	var out *Scaled
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj, rp, err := get(ctx)
		if err != nil {
			return err
		}
		replicas := int32(1) // the API's default for a nil spec.replicas
		if rp != nil {
			replicas = *rp
		}
		p, after, err := patch(replicas, obj.GetAnnotations())
		if err != nil || p == nil {
			out = nil
			return err
		}
		meta, _ := p["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			p["metadata"] = meta
		}
		meta["resourceVersion"] = obj.GetResourceVersion()
		raw, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := apply(ctx, raw); err != nil {
			return err
		}
		out = &Scaled{Kind: kind, Name: name, Replicas: after}
		return nil
	})
	return out, err
}
