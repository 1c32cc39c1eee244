package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/berth-dev/berth/tui/render"
)

// tableView is the part the list views of one env without a cursor
// (events, images) share: a filterable table that scrolls.
type tableView struct {
	ns     string
	offset int // first row shown
}

func (*tableView) filterable() {}

func (v *tableView) env(*viewCtx) string { return v.ns }

func (v *tableView) keys() []keyHelp {
	return []keyHelp{{"esc", "back"}, {"j/k", "scroll"}, {"/", "filter"}}
}

func (v *tableView) update(_ *viewCtx, msg tea.Msg) (tea.Cmd, tea.Msg) {
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
	return nil, nil
}

// draw is the body: notes, then the table of rows scrolled to offset in h
// lines, or empty when no row is left.
func (v *tableView) draw(c *viewCtx, w, h int, notes []string, cols []render.Column, rows []render.Row, empty string) []string {
	out := notes
	if len(rows) == 0 {
		return append(out, c.styles.dim.Render(empty))
	}
	header, lines := render.Table(cols, rows, w)
	out = append(out, c.styles.title.Render(header))
	room := h - len(out)
	v.offset = max(0, min(v.offset, len(lines)-room))
	for i := v.offset; i < len(lines) && len(out) < h; i++ {
		out = append(out, c.styles.row(lines[i], rows[i], false))
	}
	return out
}
