package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/berth-dev/berth/tui/render"
)

// styles are the lipgloss styles of the UI. Colours adapt to light and dark
// backgrounds; with NO_COLOR (the Ascii profile) the text alone carries the
// meaning: a ">" marks the cursor, "*" the current branch.
type styles struct {
	header, title, dim, banner, flash, errText, footerKey, footer, selected lipgloss.Style
	kinds                                                                   map[render.Kind]lipgloss.Style
}

func newStyles() styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	s := styles{
		header:    lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		title:     lipgloss.NewStyle().Bold(true).Foreground(c("#111827", "#f3f4f6")),
		dim:       lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
		banner:    lipgloss.NewStyle().Bold(true).Foreground(c("#ffffff", "#ffffff")).Background(c("#b91c1c", "#991b1b")),
		flash:     lipgloss.NewStyle().Foreground(c("#92400e", "#fcd34d")),
		errText:   lipgloss.NewStyle().Foreground(c("#b91c1c", "#f87171")),
		footerKey: lipgloss.NewStyle().Bold(true).Foreground(c("#1d4ed8", "#93c5fd")),
		footer:    lipgloss.NewStyle().Foreground(c("#4b5563", "#9ca3af")),
		selected:  lipgloss.NewStyle().Background(c("#dbeafe", "#1e3a8a")),
	}
	s.kinds = map[render.Kind]lipgloss.Style{
		render.KindNormal: lipgloss.NewStyle(),
		render.KindGood:   lipgloss.NewStyle().Foreground(c("#15803d", "#86efac")),
		render.KindWarn:   lipgloss.NewStyle().Foreground(c("#a16207", "#fde047")),
		render.KindBad:    lipgloss.NewStyle().Foreground(c("#b91c1c", "#fca5a5")),
		render.KindDim:    lipgloss.NewStyle().Foreground(c("#6b7280", "#9ca3af")),
	}
	return s
}

// row styles one rendered table line.
func (s styles) row(line string, r render.Row, selected bool) string {
	st := s.kinds[r.Kind]
	if r.Bold {
		st = st.Bold(true)
	}
	if selected {
		st = st.Inherit(s.selected)
	}
	return st.Render(line)
}
