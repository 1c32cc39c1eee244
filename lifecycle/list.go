package lifecycle

import (
	"context"
	"sort"
	"time"

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
// one label-selected list each of namespaces, workloads, jobs and pods (per
// namespace under a developer's narrow grant), plus the nodes for
// spot/on-demand counts (skipped when RBAC forbids them).
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
// synced, without watching (k8s.ListSnapshot). Under a developer's narrow
// grant the objects are listed namespace by namespace, and the envs the
// caller may not read are marked so.
func ListSnapshot(ctx context.Context, c *k8s.Client, selector string, now time.Time) (*k8s.Snapshot, error) {
	return k8s.ListSnapshot(ctx, c.Bulk, k8s.WatchOptions{NamespaceSelector: selector, ObjectSelector: selector}, now)
}
