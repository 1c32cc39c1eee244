package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// imagesView lists the images an environment runs — each rollout's and
// job's image and the digest it is pinned to — as `berth status` does.
type imagesView struct {
	ns     string
	offset int
}

func (*imagesView) filterable() {}

func (v *imagesView) env(*viewCtx) string { return v.ns }

func (v *imagesView) title(*viewCtx) string { return "Images " + v.ns }

func (v *imagesView) keys() []keyHelp {
	return []keyHelp{{"esc", "back"}, {"j/k", "scroll"}, {"/", "filter"}}
}

func (v *imagesView) update(_ *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	if km, ok := msg.(tea.KeyMsg); ok {
		v.offset = scrollKey(km.String(), v.offset)
	}
	return nil, nil
}

func (v *imagesView) body(c *viewCtx, w, h int) []string {
	out := c.resourceNotes(w, k8s.ResourceDeployments, k8s.ResourceStatefulSets, k8s.ResourceDaemonSets, k8s.ResourceJobs)
	var rows []render.Row
	for _, r := range render.ImageRows(c.snap.WorkloadsIn(v.ns), c.snap.JobsIn(v.ns)) {
		if c.matches(r.Cells...) {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return append(out, c.styles.dim.Render("no images"))
	}
	header, lines := render.Table(render.ImageColumns(), rows, w)
	out = append(out, c.styles.title.Render(header))
	room := h - len(out)
	v.offset = max(0, min(v.offset, len(lines)-room))
	for i := v.offset; i < len(lines) && len(out) < h; i++ {
		out = append(out, c.styles.row(lines[i], rows[i], false))
	}
	return out
}
