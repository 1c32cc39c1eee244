package k8s

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/k8s/kube"
)

// AnnotationRestartedAt is the pod-template annotation `kubectl rollout
// restart` sets; changing it rolls every pod.
const AnnotationRestartedAt = "kubectl.kubernetes.io/restartedAt"

// RestartWorkloads does `kubectl rollout restart` on the deployments,
// statefulsets and daemonsets of namespace ns matching selector, and returns
// what it restarted as Kind/name.
func RestartWorkloads(ctx context.Context, cs kube.Interface, ns, selector string, at time.Time) ([]string, error) {
	patch := fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, AnnotationRestartedAt, at.UTC().Format(time.RFC3339))
	lo := metav1.ListOptions{LabelSelector: selector}
	po := metav1.PatchOptions{FieldManager: "berth"}
	var done []string

	deps, err := cs.AppsV1().Deployments(ns).List(ctx, lo)
	if err != nil {
		return done, fmt.Errorf("list deployments in %s: %w", ns, err)
	}
	for _, d := range deps.Items {
		if d.Spec.Paused {
			continue
		}
		if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, d.Name, types.StrategicMergePatchType, patch, po); err != nil {
			return done, fmt.Errorf("restart deployment %s/%s: %w", ns, d.Name, err)
		}
		done = append(done, "Deployment/"+d.Name)
	}
	sts, err := cs.AppsV1().StatefulSets(ns).List(ctx, lo)
	if err != nil {
		return done, fmt.Errorf("list statefulsets in %s: %w", ns, err)
	}
	for _, s := range sts.Items {
		if _, err := cs.AppsV1().StatefulSets(ns).Patch(ctx, s.Name, types.StrategicMergePatchType, patch, po); err != nil {
			return done, fmt.Errorf("restart statefulset %s/%s: %w", ns, s.Name, err)
		}
		done = append(done, "StatefulSet/"+s.Name)
	}
	dss, err := cs.AppsV1().DaemonSets(ns).List(ctx, lo)
	if err != nil {
		return done, fmt.Errorf("list daemonsets in %s: %w", ns, err)
	}
	for _, d := range dss.Items {
		if _, err := cs.AppsV1().DaemonSets(ns).Patch(ctx, d.Name, types.StrategicMergePatchType, patch, po); err != nil {
			return done, fmt.Errorf("restart daemonset %s/%s: %w", ns, d.Name, err)
		}
		done = append(done, "DaemonSet/"+d.Name)
	}
	return done, nil
}
