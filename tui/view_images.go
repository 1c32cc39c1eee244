package tui

import (
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// imagesView lists the images an environment runs — each rollout's and
// job's image and the digest it is pinned to — as `berth status` does.
type imagesView struct{ tableView }

func (v *imagesView) title(*viewCtx) string { return "Images " + v.ns }

func (v *imagesView) body(c *viewCtx, w, h int) []string {
	notes := c.resourceNotes(w, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceDaemonSets, k8s.ResourceJobs)
	var rows []render.Row
	for _, r := range render.ImageRows(c.snap.WorkloadsIn(v.ns), c.snap.JobsIn(v.ns)) {
		if c.matches(r.Cells...) {
			rows = append(rows, r)
		}
	}
	return v.draw(c, w, h, notes, render.ImageColumns(), rows, "no images")
}
