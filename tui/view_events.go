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

func (v *eventsView) env(*Model) string { return v.ns }

func (v *eventsView) title(*Model) string { return "Events " + v.ns }

func (v *eventsView) keys() []keyHelp {
	return []keyHelp{{"esc", "back"}, {"j/k", "scroll"}, {"/", "filter"}}
}

func (v *eventsView) update(m *Model, msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		switch km.String() {
		case "down", "j":
			v.offset++
		case "up", "k":
			v.offset--
		case "pgdown", "ctrl+f":
			v.offset += 10
		case "pgup", "ctrl+b":
			v.offset -= 10
		case "home", "g":
			v.offset = 0
		}
	}
	return nil
}

func (v *eventsView) body(m *Model, w, h int) []string {
	out := m.resourceNotes(w, k8s.ResourceEvents)
	if m.snap.EventsNamespace != v.ns {
		return append(out, m.styles.dim.Render("loading events…"))
	}
	c := m.clock
	var rows []render.Row
	for _, e := range m.snap.Events {
		if m.matches(e.Type, e.Reason, e.Object, e.Message) {
			rows = append(rows, render.EventRow(e, c))
		}
	}
	if len(rows) == 0 {
		return append(out, m.styles.dim.Render("no events"))
	}
	header, lines := render.Table(render.EventColumns(), rows, w)
	out = append(out, m.styles.title.Render(header))
	room := h - len(out)
	v.offset = max(0, min(v.offset, len(lines)-room))
	for i := v.offset; i < len(lines) && len(out) < h; i++ {
		out = append(out, m.styles.row(lines[i], rows[i], false))
	}
	return out
}
