package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/tui/render"
)

// eventsView lists the events of one namespace, newest first.
type eventsView struct {
	ns     string
	offset int
}

func (*eventsView) filterable() {}

func (v *eventsView) env(*viewCtx) string { return v.ns }

func (v *eventsView) title(*viewCtx) string { return "Events " + v.ns }

func (v *eventsView) keys() []keyHelp {
	return []keyHelp{{"esc", "back"}, {"j/k", "scroll"}, {"/", "filter"}}
}

func (v *eventsView) update(_ *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
	if km, ok := msg.(tea.KeyMsg); ok {
		v.offset = scrollKey(km.String(), v.offset)
	}
	return nil, nil
}

// scrollKey is the first line shown after key k in a list view that
// scrolls without a cursor (events, images); the body clamps it.
func scrollKey(k string, offset int) int {
	switch k {
	case "down", "j":
		return offset + 1
	case "up", "k":
		return offset - 1
	case "pgdown", "ctrl+f":
		return offset + 10
	case "pgup", "ctrl+b":
		return offset - 10
	case "home", "g":
		return 0
	}
	return offset
}

func (v *eventsView) body(c *viewCtx, w, h int) []string {
	out := c.resourceNotes(w, k8s.ResourceEvents)
	if c.snap.EventsNamespace != v.ns {
		return append(out, c.styles.dim.Render("loading events…"))
	}
	var rows []render.Row
	for _, e := range c.snap.Events {
		if c.matches(e.Type, e.Reason, e.Object, e.Message) {
			rows = append(rows, render.EventRow(e, c.clock))
		}
	}
	if len(rows) == 0 {
		return append(out, c.styles.dim.Render("no events"))
	}
	header, lines := render.Table(render.EventColumns(), rows, w)
	out = append(out, c.styles.title.Render(header))
	room := h - len(out)
	v.offset = max(0, min(v.offset, len(lines)-room))
	for i := v.offset; i < len(lines) && len(out) < h; i++ {
		out = append(out, c.styles.row(lines[i], rows[i], false))
	}
	return out
}
