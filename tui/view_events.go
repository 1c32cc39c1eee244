package tui

import (
	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// eventsView lists the events of one namespace, newest first.
type eventsView struct{ tableView }

func (v *eventsView) title(*viewCtx) string { return "Events " + v.ns }

func (v *eventsView) body(c *viewCtx, w, h int) []string {
	notes := c.resourceNotes(w, k8s.ResourceEvents)
	if c.snap.EventsNamespace != v.ns {
		return append(notes, c.styles.dim.Render("loading events…"))
	}
	var rows []render.Row
	for _, e := range c.snap.Events {
		if c.matches(e.Type, e.Reason, e.Object, e.Message) {
			rows = append(rows, render.EventRow(e, c.clock))
		}
	}
	return v.draw(c, w, h, notes, render.EventColumns(), rows, "no events")
}
