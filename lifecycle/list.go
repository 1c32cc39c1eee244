package lifecycle

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/meta"
	"github.com/berth-dev/berth/status"
)

// Selector is the label selector of berth's namespaces and objects: those
// of project, or of every project when project is "".
func Selector(project string) string {
	s := meta.LabelManagedBy + "=" + meta.ManagedByBerth
	if project != "" {
		s += "," + meta.LabelProject + "=" + project
	}
	return s
}

// List returns the status of every berth environment of project (of all
// projects when all is set), sorted by namespace. It reads the cluster once:
// one label-selected list each of namespaces, workloads, jobs and pods, plus
// the nodes for spot/on-demand counts (skipped when RBAC forbids them).
func List(ctx context.Context, c *k8s.Client, project string, all bool) ([]status.Env, error) {
	if all {
		project = ""
	}
	s, err := ListSnapshot(ctx, c, Selector(project), time.Now())
	if err != nil {
		return nil, err
	}
	out := make([]status.Env, 0, len(s.Namespaces))
	for _, n := range s.Namespaces {
		out = append(out, status.Of(s, n.Name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out, nil
}

// ListSnapshot builds a snapshot from one-shot lists of the namespaces and
// objects matching selector, and all nodes: what a Watcher would hold once
// synced, without watching.
func ListSnapshot(ctx context.Context, c *k8s.Client, selector string, now time.Time) (*k8s.Snapshot, error) {
	lo := metav1.ListOptions{LabelSelector: selector}
	core, apps, batch := c.Typed.CoreV1(), c.Typed.AppsV1(), c.Typed.BatchV1()
	var objs []runtime.Object

	nss, err := core.Namespaces().List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	for i := range nss.Items {
		objs = append(objs, &nss.Items[i])
	}
	if len(nss.Items) == 0 {
		return k8s.SnapshotFromObjects(objs, now, ""), nil
	}
	deps, err := apps.Deployments("").List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	for i := range deps.Items {
		objs = append(objs, &deps.Items[i])
	}
	sts, err := apps.StatefulSets("").List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list statefulsets: %w", err)
	}
	for i := range sts.Items {
		objs = append(objs, &sts.Items[i])
	}
	dss, err := apps.DaemonSets("").List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list daemonsets: %w", err)
	}
	for i := range dss.Items {
		objs = append(objs, &dss.Items[i])
	}
	jobs, err := batch.Jobs("").List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	for i := range jobs.Items {
		objs = append(objs, &jobs.Items[i])
	}
	pods, err := core.Pods("").List(ctx, lo)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	for i := range pods.Items {
		objs = append(objs, &pods.Items[i])
	}
	nodes, err := core.Nodes().List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
		for i := range nodes.Items {
			objs = append(objs, &nodes.Items[i])
		}
	case apierrors.IsForbidden(err):
		// Capacity types are unknown; everything else still holds.
	default:
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return k8s.SnapshotFromObjects(objs, now, ""), nil
}
